/** Starts registry-admin: services, the HTTP(S) listener, and a graceful close. */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { buildApp, REDACTED_PATHS } from './app';
import type { Config } from './config/schema';
import { hasWebApp, webAppDir } from './http/web-app';
import { createServices } from './runtime/services';

export interface RunningServer {
  url: string;
  port: number;
  close(): Promise<void>;
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
    await app.listen({ host: config.listen, port: config.port });
    const address = app.server.address();
    const port = typeof address === 'object' && address ? address.port : config.port;
    const scheme = https ? 'https' : 'http';
    const host = config.listen.includes(':') ? `[${config.listen}]` : config.listen;
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
        closing ??= app.close().then(() => services.close());
        return closing;
      },
    };
  } catch (error) {
    await services.close();
    throw error;
  }
}
