/** Starts registry-admin: services, the HTTP(S) listener, and a graceful close. */
import type { Server as HttpsServer } from 'node:https';
import { resolve } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { buildApp, REDACTED_PATHS } from './app';
import { EVERY_INTERFACE } from './config/listen-address';
import type { Config } from './config/schema';
import { hasWebApp, webAppDir } from './http/web-app';
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
  const services = await createServices(config, { cwd: options.cwd, announce });
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
    const tls = https;
    return {
      url,
      port,
      ...(tls ? { https: tls } : {}),
      close() {
        if (timer) clearInterval(timer);
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
