/** Starts registry-admin: services, the HTTP(S) listener, and a graceful close. */
import type { Server as HttpsServer } from 'node:https';
import { resolve } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { buildApp, REDACTED_PATHS } from './app';
import { EVERY_INTERFACE } from './config/listen-address';
import type { Config } from './config/schema';
import { hasWebApp, webAppDir } from './http/web-app';
import { SyncRunningElsewhere } from './runtime/cluster-sync';
import { embeddedFiles } from './runtime/embedded-files';
import { servingPort } from './runtime/public-url';
import { createServices } from './runtime/services';
import { type HttpsSetup, prepareHttps } from './tls/https-setup';

export interface RunningServer {
  url: string;
  port: number;
  /** HTTPS, when `--ssl.type` is static or auto: the plain-HTTP port, and the ACME certificates in auto mode. */
  https?: Pick<HttpsSetup, 'acme' | 'httpPort'>;
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
  options: {
    cwd: string;
    stdout: NodeJS.WritableStream;
    env?: NodeJS.ProcessEnv;
    /** The clock of certificate renewals (tests move it forward). */
    now?: () => Date;
  },
): Promise<RunningServer> {
  const announce = (line: string) => options.stdout.write(`${line}\n`);
  // The single executable carries its UI; otherwise this module sits one level below the package (sources and
  // bundle alike) and the UI is built beside it in the workspace.
  const embedded = embeddedFiles();
  const webDir = webAppDir(
    embedded ? embedded.webDir : resolve(import.meta.dirname, '../../web/dist'),
    options.env ?? {},
  );
  const web = webDir !== undefined && hasWebApp(webDir);
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
  let https: HttpsSetup | undefined;
  try {
    https = await prepareHttps(
      config,
      services.paths.dataDir,
      { info: announce, warn: (line) => options.stdout.write(`warning: ${line}\n`) },
      options.now,
    );
    const app = await buildApp(services, {
      logger: {
        level: config.debug ? 'debug' : config.logger.level,
        redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      },
      ...(https ? { https: { cert: https.initial.cert, key: https.initial.key } } : {}),
      ...(web ? { webDir } : {}),
    });
    log = app.log;
    await listen(app, config.listen, servingPort(config));
    await https?.attach(app.server as HttpsServer);
    const address = app.server.address();
    const port = typeof address === 'object' && address ? address.port : servingPort(config);
    const scheme = https ? 'https' : 'http';
    const bound =
      config.listen === EVERY_INTERFACE && typeof address === 'object' && address ? address.address : config.listen;
    const host = bound.includes(':') ? `[${bound}]` : bound;
    const url = `${scheme}://${host}:${port}`;
    announce(
      web
        ? `web UI served from ${webDir}`
        : webDir === undefined
          ? 'this executable was built without the web UI: serving the API only'
          : `web UI not built (no ${webDir}/index.html): serving the API only; pnpm --filter @registry-admin/web build builds it`,
    );
    announce(`registry-admin listening on ${url}`);
    if (https?.httpPort !== undefined) {
      announce(
        `plain HTTP on port ${https.httpPort} redirects to HTTPS${https.acme ? ' and answers ACME challenges' : ''}`,
      );
    }
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
    const tls = https;
    return {
      url,
      port,
      ...(tls ? { https: tls } : {}),
      close() {
        closing ??= (tls ? tls.close() : Promise.resolve()).then(() => app.close()).then(() => services.close());
        return closing;
      },
    };
  } catch (error) {
    await https?.close();
    await services.close();
    throw error;
  }
}
