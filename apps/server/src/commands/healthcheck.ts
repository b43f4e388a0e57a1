/**
 * `registry-admin healthcheck`: asks the server that this configuration describes for `/healthz` on loopback and
 * succeeds when it answers 200. It is the container image's HEALTHCHECK (the image has no curl), and it reads the
 * same options as the server (RA_* variables, --config-file), so it finds the port the server listens on.
 */
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP } from 'node:net';
import { EVERY_INTERFACE } from '../config/listen-address';
import type { Config } from '../config/schema';
import { servingPort } from '../runtime/public-url';
import { CliError, type CliIo } from './io';

const TIMEOUT_MS = 5_000;

/** The `/healthz` URL of the server `config` starts: its own address, or loopback when it listens everywhere. */
export function healthUrl(config: Config): string {
  const port = servingPort(config);
  if (port === 0)
    throw new CliError('healthcheck needs a fixed --port (RA_PORT), or --ssl.port (RA_SSL_PORT) with TLS, not 0', 2);
  const host =
    config.listen === EVERY_INTERFACE || config.listen === '0.0.0.0'
      ? '127.0.0.1'
      : config.listen === '::'
        ? '::1'
        : config.listen;
  const scheme = config.ssl.type === 'none' ? 'http' : 'https';
  return `${scheme}://${isIP(host) === 6 ? `[${host}]` : host}:${port}/healthz`;
}

function probe(url: URL): Promise<number> {
  return new Promise((resolve, reject) => {
    // Loopback to our own listener: the certificate names the public host, not this address.
    const options = { timeout: TIMEOUT_MS, ...(url.protocol === 'https:' ? { rejectUnauthorized: false } : {}) };
    const request = (url.protocol === 'https:' ? httpsRequest : httpRequest)(url, options, (response) => {
      response.resume();
      resolve(response.statusCode ?? 0);
    });
    request.once('timeout', () => request.destroy(new Error(`no answer within ${TIMEOUT_MS / 1000} s`)));
    request.once('error', reject);
    request.end();
  });
}

export async function healthcheck(config: Config, io: CliIo): Promise<void> {
  const url = new URL(healthUrl(config));
  let status: number;
  try {
    status = await probe(url);
  } catch (error) {
    throw new CliError(`unhealthy: ${url.href}: ${(error as Error).message}`);
  }
  if (status !== 200) throw new CliError(`unhealthy: ${url.href} answered ${status}`);
  io.stdout.write(`healthy: ${url.href}\n`);
}
