/** Starts registry-admin: services, the HTTP(S) listener, and a graceful close. */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { buildApp, REDACTED_PATHS } from './app';
import { EVERY_INTERFACE } from './config/listen-address';
import type { Config } from './config/schema';
import { hasWebApp, webAppDir } from './http/web-app';
import { SyncRunningElsewhere } from './runtime/cluster-sync';
import { createServices } from './runtime/services';

export interface RunningServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

/**
 * Every interface is `::` (IPv6 and, on dual-stack systems, IPv4 too); where IPv6 is off, `0.0.0.0`. Fastify itself
 * would take a missing host for localhost only.
 */
async function listen(app: FastifyInstance, host: string, port: number): Promise<void> {
  if (host !== EVERY_INTERFACE) {
    await app.listen({ host, port });
    return;
  }
  try {
    await app.listen({ host: '::', port });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'EAFNOSUPPORT' && code !== 'EADDRNOTAVAIL') throw error;
    await app.listen({ host: '0.0.0.0', port });
  }
}

export async function runServer(
  config: Config,
  options: { cwd: string; stdout: NodeJS.WritableStream; env?: NodeJS.ProcessEnv },
): Promise<RunningServer> {
  const announce = (line: string) => options.stdout.write(`${line}\n`);
  // This module sits one level below the package, in the sources and in the bundle alike.
  const webDir = webAppDir(resolve(import.meta.dirname, '..'), options.env ?? {});
  const web = hasWebApp(webDir);
  // The app's logger exists only once the services do; these report through it from then on.
  let log: FastifyInstance['log'] | undefined;
  let lastBackgroundError = 0;
  const services = await createServices(config, {
    cwd: options.cwd,
    announce,
    onSyncStart: () => log?.info('index sync started'),
    // Said on stdout rather than the log: the first change can come before the logger exists.
    onLeadershipChange: (leading) =>
      announce(leading ? 'leading the periodic work (index sync, pruning)' : 'no longer leading the periodic work'),
    // While the database is down every poll fails: one line per ten seconds says so without flooding the log.
    onBackgroundError: (error) => {
      const now = Date.now();
      if (now - lastBackgroundError < 10_000) return;
      lastBackgroundError = now;
      log?.error({ err: error }, 'background work failed');
    },
  });
  try {
    const https =
      config.ssl.type === 'static' && config.ssl.cert && config.ssl.key
        ? { cert: await readFile(config.ssl.cert), key: await readFile(config.ssl.key) }
        : undefined;
    const app = await buildApp(services, {
      logger: {
        level: config.debug ? 'debug' : config.logger.level,
        redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      },
      ...(https ? { https } : {}),
      ...(web ? { webDir } : {}),
    });
    log = app.log;
    await listen(app, config.listen, config.port);
    const address = app.server.address();
    const port = typeof address === 'object' && address ? address.port : config.port;
    const scheme = https ? 'https' : 'http';
    const bound =
      config.listen === EVERY_INTERFACE && typeof address === 'object' && address ? address.address : config.listen;
    const host = bound.includes(':') ? `[${bound}]` : bound;
    const url = `${scheme}://${host}:${port}`;
    announce(
      web
        ? `web UI served from ${webDir}`
        : `web UI not built (no ${webDir}/index.html): serving the API only; pnpm --filter @registry-admin/web build builds it`,
    );
    announce(`registry-admin listening on ${url}`);
    // One replica (the leader) syncs: at once when it starts leading, then every --registry.gc-interval. A sync that
    // fails is logged and retried at the next turn; one already running on another replica (on demand) is left to it.
    const sync = config.registry.sync ? services.indexSync : undefined;
    if (sync) {
      services.leadership.addDuty({
        name: 'index sync',
        intervalMs: config.registry['gc-interval'] * 1000,
        run: () =>
          sync
            .run()
            .then((report) => app.log.info({ ...report, skipped: report.skipped.length }, 'index synced'))
            .catch((error: unknown) => {
              if (error instanceof SyncRunningElsewhere) app.log.info('index sync left to the replica running one');
              else app.log.error({ err: error }, 'index sync failed');
            }),
      });
    }
    let closing: Promise<void> | undefined;
    return {
      url,
      port,
      close() {
        closing ??= app.close().then(() => services.close());
        return closing;
      },
    };
  } catch (error) {
    await services.close();
    throw error;
  }
}
