/** Starts registry-admin: services, the HTTP(S) listener, and a graceful close. */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { stdTimeFunctions } from 'pino';
import { buildApp, REDACTED_PATHS } from './app';
import { EVERY_INTERFACE } from './config/listen-address';
import type { Config } from './config/schema';
import { type AccessLog, openAccessLog } from './http/access-log';
import { hasWebApp, webAppDir } from './http/web-app';
import { metricsRoutes } from './routes/metrics';
import { createServices, type Services } from './runtime/services';

/** Retries of the first sync: 1 s, doubling, at most a minute apart. */
const FIRST_SYNC_RETRY_MS = 1000;
const MAX_SYNC_RETRY_MS = 60_000;

export interface RunningServer {
  url: string;
  port: number;
  /** Where /metrics is served when --metrics.listen is set. */
  metricsUrl?: string;
  close(): Promise<void>;
}

/**
 * Every interface is `::` (IPv6 and, on dual-stack systems, IPv4 too); where IPv6 is off, `0.0.0.0`. Fastify itself
 * would take a missing host for localhost only.
 */
/** The URL a listening instance is reached at. */
function urlOf(app: FastifyInstance, listenHost: string, scheme: 'http' | 'https'): string {
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const bound = listenHost === EVERY_INTERFACE && typeof address === 'object' && address ? address.address : listenHost;
  const host = bound.includes(':') ? `[${bound}]` : bound;
  return `${scheme}://${host}:${port}`;
}

/** `/metrics` alone on --metrics.listen, so the main port (maybe public) does not show it. */
async function startMetricsServer(services: Services): Promise<FastifyInstance | undefined> {
  const address = services.config.metrics.listen;
  if (!address) return undefined;
  const app = Fastify({ logger: false }) as unknown as FastifyInstance;
  app.decorate('services', services);
  await app.register(metricsRoutes);
  await listen(app, address.host, address.port ?? 0);
  return app;
}

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
  let metricsApp: FastifyInstance | undefined;
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
    const url = urlOf(app, config.listen, https ? 'https' : 'http');
    const port = Number(new URL(url).port);
    metricsApp = await startMetricsServer(services).catch(async (error: unknown) => {
      await app.close();
      throw error;
    });
    const metricsUrl = metricsApp && `${urlOf(metricsApp, config.metrics.listen?.host ?? '', 'http')}/metrics`;
    if (metricsUrl) announce(`metrics served on ${metricsUrl}`);
    else if (services.metrics.enabled) announce(`metrics served on ${url}/metrics`);
    announce(
      web
        ? `web UI served from ${webDir}`
        : `web UI not built (no ${webDir}/index.html): serving the API only; pnpm --filter @registry-admin/web build builds it`,
    );
    announce(`registry-admin listening on ${url}`);
    // Full sync at start, then every --registry.gc-interval. A first sync that fails (the registry not up yet, or
    // unreachable) is retried with backoff until one succeeds, instead of waiting for the next interval.
    const sync = config.registry.sync ? services.indexSync : undefined;
    let retry: NodeJS.Timeout | undefined;
    let stopped = false;
    const runSync = (attempt?: number) => {
      sync
        ?.run()
        .then((report) => app.log.info({ ...report, skipped: report.skipped.length }, 'index synced'))
        .catch((error: unknown) => {
          if (attempt === undefined || stopped) {
            app.log.error({ err: error }, 'index sync failed');
            return;
          }
          const delayMs = Math.min(FIRST_SYNC_RETRY_MS * 2 ** attempt, MAX_SYNC_RETRY_MS);
          app.log.warn(
            { reason: error instanceof Error ? error.message : String(error), retryInSeconds: delayMs / 1000 },
            'index sync at start failed, retrying',
          );
          retry = setTimeout(() => runSync(attempt + 1), delayMs);
          retry.unref();
        });
    };
    if (sync) runSync(0);
    const timer = sync ? setInterval(() => runSync(), config.registry['gc-interval'] * 1000) : undefined;
    timer?.unref();
    let closing: Promise<void> | undefined;
    return {
      url,
      port,
      ...(metricsUrl ? { metricsUrl } : {}),
      close() {
        stopped = true;
        if (timer) clearInterval(timer);
        if (retry) clearTimeout(retry);
        // The access log is flushed after the last request has been answered.
        closing ??= Promise.all([app.close(), metricsApp?.close()])
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
