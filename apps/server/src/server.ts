/** Starts registry-admin: services, the HTTP(S) listener, and a graceful close. */
import type { Server as HttpsServer } from 'node:https';
import { resolve } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { stdTimeFunctions } from 'pino';
import { buildApp, REDACTED_PATHS } from './app';
import { EVERY_INTERFACE } from './config/listen-address';
import type { Config } from './config/schema';
import { type AccessLog, openAccessLog } from './http/access-log';
import { hasWebApp, webAppDir } from './http/web-app';
import { metricsRoutes } from './routes/metrics';
import { SyncRunningElsewhere } from './runtime/cluster-sync';
import { embeddedFiles } from './runtime/embedded-files';
import { servingPort } from './runtime/public-url';
import { createServices, type Services } from './runtime/services';
import { type HttpsSetup, prepareHttps } from './tls/https-setup';

/** Retries of the first sync: 1 s, doubling, at most a minute apart. */
const FIRST_SYNC_RETRY_MS = 1000;
const MAX_SYNC_RETRY_MS = 60_000;

export interface RunningServer {
  url: string;
  port: number;
  /** HTTPS, when `--ssl.type` is static or auto: the plain-HTTP port, and the ACME certificates in auto mode. */
  https?: Pick<HttpsSetup, 'acme' | 'httpPort'>;
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
  options: {
    cwd: string;
    stdout: NodeJS.WritableStream;
    env?: NodeJS.ProcessEnv;
    /** The clock of certificate renewals (tests move it forward). */
    now?: () => Date;
    /** Called after each index sync this process ran (a large batch of work: the process may hand memory back). */
    afterSync?: () => void;
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
    ...(options.afterSync ? { onSyncEnd: options.afterSync } : {}),
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
        // Readable times on stdout ("time":"2026-11-23T19:25:46.123Z"); the access log file has Apache's.
        timestamp: stdTimeFunctions.isoTime,
      },
      ...(accessLog ? { accessLog } : {}),
      ...(https ? { https: { cert: https.initial.cert, key: https.initial.key } } : {}),
      ...(web ? { webDir } : {}),
    });
    log = app.log;
    await listen(app, config.listen, servingPort(config));
    await https?.attach(app.server as HttpsServer);
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
    // One replica (the leader) syncs: at once when it starts leading, then every --registry.gc-interval. A first
    // sync that fails (the registry not up yet, or unreachable) is retried with backoff until one succeeds, instead
    // of waiting for the next interval; one already running on another replica (on demand) is left to it.
    const sync = config.registry.sync ? services.indexSync : undefined;
    let retry: NodeJS.Timeout | undefined;
    let stopped = false;
    let synced = false;
    const runSync = (attempt: number): Promise<void> =>
      (sync as NonNullable<typeof sync>)
        .run()
        .then((report) => {
          synced = true;
          app.log.info({ ...report, skipped: report.skipped.length }, 'index synced');
        })
        .catch((error: unknown) => {
          if (error instanceof SyncRunningElsewhere) {
            app.log.info('index sync left to the replica running one');
            return;
          }
          if (synced || stopped) {
            app.log.error({ err: error }, 'index sync failed');
            return;
          }
          const delayMs = Math.min(FIRST_SYNC_RETRY_MS * 2 ** attempt, MAX_SYNC_RETRY_MS);
          app.log.warn(
            { reason: error instanceof Error ? error.message : String(error), retryInSeconds: delayMs / 1000 },
            'index sync at start failed, retrying',
          );
          retry = setTimeout(() => {
            if (services.leadership.leading) void runSync(attempt + 1);
          }, delayMs);
          retry.unref();
        });
    if (sync) {
      services.leadership.addDuty({
        name: 'index sync',
        intervalMs: config.registry['gc-interval'] * 1000,
        run: () => runSync(0),
      });
    }
    let closing: Promise<void> | undefined;
    const tls = https;
    return {
      url,
      port,
      ...(tls ? { https: tls } : {}),
      ...(metricsUrl ? { metricsUrl } : {}),
      close() {
        stopped = true;
        if (retry) clearTimeout(retry);
        // The access log is flushed after the last request has been answered.
        closing ??= (tls ? tls.close() : Promise.resolve())
          .then(() => Promise.all([app.close(), metricsApp?.close()]))
          .then(() => accessLog?.close())
          .then(() => services.close());
        return closing;
      },
    };
  } catch (error) {
    await https?.close();
    await accessLog?.close().catch(() => {});
    await services.close();
    throw error;
  }
}
