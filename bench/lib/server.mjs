// What the benchmarks share about the server they measure: how it is started, a port to give it, its list URLs.
import { createServer } from 'node:net';

/**
 * `registry-admin serve` as every benchmark runs it: on loopback, quiet logs, a data dir of its own, a known admin
 * password; `port` 0 lets the system choose (the server prints its URL), `extra` adds options.
 */
export function serveArgs({ port = 0, dataDir, adminPassword, extra = [] }) {
  return [
    'serve',
    '--listen',
    '127.0.0.1',
    '--port',
    String(port),
    '--data-dir',
    dataDir,
    '--store.admin-password',
    adminPassword,
    '--logger.level',
    'warn',
    ...extra,
  ];
}

/** `registry-admin registry-config` printing JSON for a server at `publicUrl` on `dataDir` (its notification secret). */
export function registryConfigArgs({ dataDir, publicUrl }) {
  return ['registry-config', '--format', 'json', '--data-dir', dataDir, '--public-url', publicUrl];
}

/** A free port on 127.0.0.1, for a server whose URL must be known before it starts. */
export function freePort() {
  return new Promise((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

/** A list call in the API's react-admin convention: each parameter as JSON in the query. */
export function listPath(path, params) {
  return `${path}?${Object.entries(params)
    .map(([key, value]) => `${key}=${encodeURIComponent(JSON.stringify(value))}`)
    .join('&')}`;
}
