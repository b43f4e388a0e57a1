/** Starts registry-admin: services, the HTTP(S) listener, and a graceful close. */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { stdTimeFunctions } from 'pino';
import { buildApp, REDACTED_PATHS } from './app';
import { EVERY_INTERFACE } from './config/listen-address';
import type { Config } from './config/schema';
import { type AccessLog, openAccessLog } from './http/access-log';
import { hasWebApp, webAppDir } from './http/web-app';
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
  const services = await createServices(config, { cwd: options.cwd, announce });
  let accessLog: AccessLog | undefined;
  try {
    if (config.logger.enabled) {
      accessLog = await openAccessLog({
        file: services.paths.accessLog,
        maxSize: config.logger['max-size'],
        maxBackups: config.logger['max-backups'],
        compress: config.logger.compress,
      });
      announce(`access log: ${services.paths.accessLog}`);
    }
    const https =
      config.ssl.type === 'static' && config.ssl.cert && config.ssl.key
        ? { cert: await readFile(config.ssl.cert), key: await readFile(config.ssl.key) }
        : undefined;
    const app = await buildApp(services, {
      logger: {
        level: config.debug ? 'debug' : config.logger.level,
        redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
        // Readable times on stdout ("time":"2026-11-23T19:25:46.123Z"); the access log file has Apache's.
        timestamp: stdTimeFunctions.isoTime,
      },
      ...(accessLog ? { accessLog } : {}),
      ...(https ? { https } : {}),
      ...(web ? { webDir } : {}),
    });
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
    // Full sync at start, then every --registry.gc-interval; failures are logged and retried at the next turn.
    const sync = config.registry.sync ? services.indexSync : undefined;
    const runSync = () => {
      sync
        ?.run()
        .then((report) => app.log.info({ ...report, skipped: report.skipped.length }, 'index synced'))
        .catch((error: unknown) => app.log.error({ err: error }, 'index sync failed'));
    };
    if (sync) runSync();
    const timer = sync ? setInterval(runSync, config.registry['gc-interval'] * 1000) : undefined;
    timer?.unref();
    let closing: Promise<void> | undefined;
    return {
      url,
      port,
      close() {
        if (timer) clearInterval(timer);
        // The access log is flushed after the last request has been answered.
        closing ??= app
          .close()
          .then(() => accessLog?.close())
          .then(() => services.close());
        return closing;
      },
    };
  } catch (error) {
    await accessLog?.close().catch(() => {});
    await services.close();
    throw error;
  }
}
