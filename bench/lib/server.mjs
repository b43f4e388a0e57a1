// What the benchmarks share about the server they measure: how it is started, a port to give it, its list URLs.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

/**
 * The process environment the image and the systemd unit give the server: glibc's malloc settings
 * (examples/systemd/registry-admin.service; the examples test holds docker/Dockerfile to the same). Benchmarks start
 * the server, and the bare Fastify baseline beside it, with these, so they measure the process as it is deployed;
 * BENCH_MALLOC=default leaves glibc's defaults.
 */
export function deployedEnv() {
  if (process.env.BENCH_MALLOC === 'default') return {};
  const unit = readFileSync(new URL('../../examples/systemd/registry-admin.service', import.meta.url), 'utf8');
  return Object.fromEntries(
    [...unit.matchAll(/^Environment=(MALLOC_[A-Z_]+)=(\S+)$/gm)].map(([, name, value]) => [name, value]),
  );
}

/** How `deployedEnv()` reads in a benchmark's output. */
export function describeEnv(env) {
  const settings = Object.entries(env).map(([name, value]) => `${name}=${value}`);
  return settings.length > 0 ? settings.join(' ') : "glibc's malloc defaults (BENCH_MALLOC=default)";
}

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
