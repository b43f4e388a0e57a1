// Index sync benchmark: a real registry (docker-registry 2.8) whose storage holds REPOS repositories × TAGS tags,
// written straight into its filesystem layout; then a full sync, a no-change re-sync, and list/search latency on an
// index of LIST_TAGS tags — each next to a baseline measured in the same run.
//
//   node bench/sync/run.mjs            (BENCH_REPOS, BENCH_TAGS, BENCH_LIST_TAGS, BENCH_LATENCY_SECONDS change the sizes)
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openStore } from '../../packages/store/dist/index.js';
import { startRegistry } from '../../packages/test-support/dist/index.js';
import { syntheticTag } from '../lib/index-fill.mjs';
import { startListening, stop, stopAll } from '../lib/processes.mjs';
import { deployedEnv, describeEnv, freePort, listPath, registryConfigArgs, serveArgs } from '../lib/server.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const cli = join(here, '../../apps/server/dist/cli.js');
const REPOS = Number(process.env.BENCH_REPOS ?? 2000);
const TAGS = Number(process.env.BENCH_TAGS ?? 5);
const LIST_TAGS = Number(process.env.BENCH_LIST_TAGS ?? 100_000);
const LATENCY_SECONDS = Number(process.env.BENCH_LATENCY_SECONDS ?? 5);
const ADMIN_PASSWORD = 'bench-admin-password';
const HEAP = process.env.BENCH_HEAP === '1';
/** The server (and the bare Fastify baseline) run with the environment the image and the systemd unit give it. */
const ENV = deployedEnv();
/** Seconds idle after the re-sync at which memory is read again (the first reading is at 5 s). */
const IDLE_SECONDS = 30;

const log = (message) => console.error(`[${new Date().toISOString().slice(11, 23)}] ${message}`);
const sha256 = (data) => createHash('sha256').update(data).digest('hex');
const basic = (login, password) => `Basic ${Buffer.from(`${login}:${password}`).toString('base64')}`;

function run(args) {
  return new Promise((resolve, reject) =>
    execFile(process.execPath, args, { maxBuffer: 1 << 24 }, (error, stdout, stderr) =>
      error ? reject(new Error(`${args.join(' ')}: ${stderr || error.message}`)) : resolve(stdout),
    ),
  );
}

function startServer(dataDir, port, extra = []) {
  return startListening(
    [
      ...(process.env.BENCH_NODE_ARGS ? process.env.BENCH_NODE_ARGS.split(' ') : []),
      cli,
      ...serveArgs({
        port,
        dataDir,
        adminPassword: ADMIN_PASSWORD,
        extra: [...extra, ...(HEAP ? ['--metrics.enabled'] : [])],
      }),
    ],
    'registry-admin',
    ENV,
  );
}

/** Runs `work` over `items` with at most `limit` at once. */
async function eachLimited(items, limit, work) {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) await work(items[next++]);
    }),
  );
}

/**
 * Writes REPOS × TAGS images into the registry's storage (docker/registry/v2): per tag its own config and manifest;
 * two layers shared by every image (the registry serves them from the blob store through each repository's links).
 */
async function fillStorage(root) {
  const v2 = join(root, 'docker/registry/v2');
  const written = new Set();
  const blob = async (data) => {
    const hex = sha256(data);
    if (!written.has(hex)) {
      written.add(hex);
      const dir = join(v2, 'blobs/sha256', hex.slice(0, 2), hex);
      await mkdir(dir, { recursive: true });
      await writeFile(join(dir, 'data'), data);
    }
    return { digest: `sha256:${hex}`, size: data.length, hex };
  };
  const link = async (dir, digest) => {
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'link'), digest);
  };
  const layers = [];
  for (let i = 0; i < 2; i++) layers.push(await blob(Buffer.alloc(4096 + i, i + 1)));
  const repositories = Array.from({ length: REPOS }, (_, i) => `team${i % 50}/app-${i}`);
  await eachLimited(repositories, 32, async (repository) => {
    const base = join(v2, 'repositories', repository);
    for (const layer of layers) await link(join(base, '_layers/sha256', layer.hex), layer.digest);
    for (let t = 0; t < TAGS; t++) {
      const tag = `1.${t}.0`;
      const config = await blob(
        Buffer.from(
          JSON.stringify({
            architecture: 'amd64',
            os: 'linux',
            created: new Date(Date.UTC(2026, 0, 1, 0, 0, t)).toISOString(),
            config: { Env: [`REPOSITORY=${repository}`, `TAG=${tag}`] },
            rootfs: { type: 'layers', diff_ids: layers.map((l) => l.digest) },
          }),
        ),
      );
      const manifest = await blob(
        Buffer.from(
          JSON.stringify({
            schemaVersion: 2,
            mediaType: 'application/vnd.oci.image.manifest.v1+json',
            config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: config.digest, size: config.size },
            layers: layers.map((l) => ({
              mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip',
              digest: l.digest,
              size: l.size,
            })),
          }),
        ),
      );
      await link(join(base, '_layers/sha256', config.hex), config.digest);
      await link(join(base, '_manifests/revisions/sha256', manifest.hex), manifest.digest);
      await link(join(base, '_manifests/tags', tag, 'current'), manifest.digest);
      await link(join(base, '_manifests/tags', tag, 'index/sha256', manifest.hex), manifest.digest);
    }
  });
  return repositories;
}

async function timed(label, work) {
  const started = process.hrtime.bigint();
  const result = await work();
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  log(`${label}: ${ms.toFixed(0)} ms`);
  return { ms, result };
}

/** Adds repositories of 5 tags through the store's own write path until the index holds `total` tags. */
async function growIndex(database, total) {
  const store = await openStore({ type: 'sqlite', path: database });
  try {
    const existing = (await store.index.stats()).tags;
    const names = Array.from({ length: Math.ceil((total - existing) / 5) }, (_, r) => `bulk${r % 100}/service-${r}`);
    const ids = await store.index.ensureRepositories(names);
    for (let start = 0; start < names.length; start += 500) {
      const changes = [];
      const pulls = [];
      for (let r = start; r < Math.min(start + 500, names.length); r++) {
        const name = names[r];
        const pushedAt = new Date(Date.UTC(2026, 0, 1) + r * 60_000).toISOString();
        const manifests = [];
        const set = [];
        for (let t = 0; t < 5; t++) {
          const tag = t === 4 ? 'latest' : `${r % 7}.${t}.${r % 13}`;
          const made = syntheticTag({ key: `${name}:${t}`, tag, size: 5_000 + ((r * 5 + t) % 10_000), pushedAt });
          manifests.push(made.manifest);
          set.push(made.tag);
          pulls.push({ repository: name, tag, count: (r + t) % 31, at: pushedAt });
        }
        changes.push({ repositoryId: ids.get(name), set, manifests });
      }
      await store.index.applyChanges(changes);
      await store.index.addPulls(pulls.filter((pull) => pull.count > 0));
    }
    return (await store.index.stats()).tags;
  } finally {
    await store.close();
  }
}

/** Resident memory of a process in MB (Linux /proc). */
function rssMb(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) / 1024;
}

/** p50/p99 in ms of sequential requests on one keep-alive connection (wrk -t1 -c1, a separate process). */
async function latency(url, headers) {
  const args = ['-t1', '-c1', ...Object.entries(headers).flatMap(([key, value]) => ['-H', `${key}: ${value}`])];
  const probe = await fetch(url, { headers });
  if (probe.status !== 200) throw new Error(`${url}: ${probe.status} ${await probe.text()}`);
  await wrk([...args, '-d1s', url]);
  const output = await wrk([...args, `-d${LATENCY_SECONDS}s`, '--latency', url]);
  if (/Non-2xx or 3xx responses/.test(output)) throw new Error(`${url}: non-2xx answers:\n${output}`);
  const at = (percentile) => {
    const match = new RegExp(`^\\s*${percentile}%\\s+([\\d.]+)(us|ms|s)\\s*$`, 'm').exec(output);
    if (!match) throw new Error(`no ${percentile}% latency in wrk output:\n${output}`);
    return Number(match[1]) * { us: 0.001, ms: 1, s: 1000 }[match[2]];
  };
  return { p50: at(50), p99: at(99), requests: Number(/(\d+) requests in/.exec(output)?.[1] ?? 0) };
}

function wrk(args) {
  return new Promise((resolve, reject) =>
    execFile('wrk', args, { maxBuffer: 1 << 24 }, (error, stdout, stderr) =>
      error ? reject(new Error(`wrk ${args.join(' ')}: ${stderr || error.message}`)) : resolve(stdout),
    ),
  );
}

const dataDir = mkdtempSync(join(tmpdir(), 'ra-bench-sync-'));
let registry;
try {
  const port = await freePort();
  const fragment = JSON.parse(
    await run([cli, ...registryConfigArgs({ dataDir, publicUrl: `http://127.0.0.1:${port}` })]),
  );
  // The notifications block registry-config prints is on, as in a real deployment: the registry posts an event back
  // for every manifest the sync reads (dropped by the server as its own reads).
  registry = await startRegistry({
    auth: fragment.auth.token,
    ...(process.env.BENCH_NO_NOTIFICATIONS ? {} : { notifications: fragment.notifications }),
  });
  log(`registry at ${registry.url}; writing ${REPOS} repositories × ${TAGS} tags into its storage`);
  const fill = await timed('storage filled', () => fillStorage(join(registry.dir, 'data')));
  const registryPort = registry.host.split(':')[1];
  const storagePath = join(registry.dir, 'data');
  const httpDb = join(dataDir, 'http.db');
  const storageDb = join(dataDir, 'storage.db');
  const serverArgs = (database, extra = []) => [
    '--registry.host',
    'http://127.0.0.1',
    '--registry.port',
    registryPort,
    '--registry.sync',
    'false',
    '--store.embed.path',
    database,
    ...extra,
  ];
  let server = await startServer(dataDir, port, serverArgs(httpDb));
  // The baseline of the idle figures: a bare Fastify server, started the same way, idle 3 s after its start.
  const bare = await startListening([join(here, '../token/baseline-server.mjs')], 'bare Fastify', ENV);
  await new Promise((resolve) => setTimeout(resolve, 3000));
  const bareMb = rssMb(bare.child.pid);
  await stop(bare);
  const auth = { authorization: basic('admin', ADMIN_PASSWORD) };
  // node:http rather than fetch: a sync over HTTP on a busy machine can take longer than fetch waits for headers.
  const post = (path) =>
    new Promise((resolve, reject) => {
      const request = httpRequest(`${server.url}${path}`, { method: 'POST', headers: auth }, (response) => {
        let body = '';
        response.setEncoding('utf8');
        response.on('data', (chunk) => {
          body += chunk;
        });
        response.on('end', () =>
          response.statusCode === 200
            ? resolve(JSON.parse(body))
            : reject(new Error(`${path}: ${response.statusCode} ${body}`)),
        );
      });
      request.on('error', reject);
      request.end();
    });
  const memory = [];
  const sampleRss = async (label, idle = false) => {
    memory.push({ label, mb: rssMb(server.child.pid), idle });
    // BENCH_HEAP=1 (the server then serves /metrics): V8's heap next to the resident memory, to tell them apart.
    let heap = '';
    if (HEAP) {
      const metrics = await (await fetch(`${server.url}/metrics`)).text();
      const mb = (name) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(metrics)?.[1] ?? 0) / 2 ** 20;
      const status = readFileSync(`/proc/${server.child.pid}/status`, 'utf8');
      const kb = (field) => Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)?.[1] ?? 0) / 1024;
      heap = ` (anonymous ${kb('RssAnon').toFixed(0)}, file ${kb('RssFile').toFixed(0)})`;
      heap += `, heap ${mb('registry_admin_nodejs_heap_size_used_bytes').toFixed(0)} of ${mb('registry_admin_nodejs_heap_size_total_bytes').toFixed(0)} MB, external ${mb('registry_admin_nodejs_external_memory_bytes').toFixed(0)} MB`;
    }
    log(`${label}: rss ${memory.at(-1).mb.toFixed(0)} MB${heap}`);
  };
  const syncTwice = async (label) => {
    await sampleRss(`${label}: idle after start`);
    const full = await timed(`${label}: full sync`, () => post('/api/v1/registry/sync'));
    await sampleRss(`${label}: after the full sync`);
    if (
      full.result.tags !== REPOS * TAGS ||
      full.result.configsRead !== REPOS * TAGS ||
      full.result.skipped.length > 0
    ) {
      throw new Error(
        `${label}: full sync indexed ${full.result.tags} tags, skipped ${JSON.stringify(full.result.skipped.slice(0, 3))}`,
      );
    }
    const again = await timed(`${label}: no-change re-sync`, () => post('/api/v1/registry/sync'));
    if (again.result.fetched !== 0) throw new Error(`${label}: no-change re-sync fetched ${again.result.fetched}`);
    // Back at idle: the registry's last notifications delivered, a moment for the collector; then a while longer.
    await new Promise((resolve) => setTimeout(resolve, 5000));
    await sampleRss(`${label}: idle 5 s after`);
    await new Promise((resolve) => setTimeout(resolve, (IDLE_SECONDS - 5) * 1000));
    await sampleRss(`${label}: idle ${IDLE_SECONDS} s after`, true);
    return { full, again };
  };

  const tokenFor = async (scope) => {
    const response = await fetch(
      `${server.url}/api/v1/registry/auth?service=${encodeURIComponent(fragment.auth.token.service)}&scope=${encodeURIComponent(scope)}`,
      { headers: auth },
    );
    return (await response.json()).token;
  };
  // Baseline: walking the same registry with plain requests, as a client without an index must (catalog, tags list
  // and one manifest HEAD per tag, 8 at a time) — what every page of a registry UI without an index costs.
  const walk = await timed('baseline walk (catalog + tags + HEAD per tag)', async () => {
    const catalogToken = await tokenFor('registry:catalog:*');
    const names = [];
    let next = `${registry.url}/v2/_catalog?n=1000`;
    while (next) {
      const response = await fetch(next, { headers: { authorization: `Bearer ${catalogToken}` } });
      names.push(...(await response.json()).repositories);
      const linkHeader = response.headers.get('link');
      next = linkHeader ? new URL(/<([^>]+)>/.exec(linkHeader)[1], registry.url).href : undefined;
    }
    let heads = 0;
    await eachLimited(names, 8, async (name) => {
      const token = await tokenFor(`repository:${name}:pull`);
      const headers = { authorization: `Bearer ${token}`, accept: 'application/vnd.oci.image.manifest.v1+json' };
      const tags = (await (await fetch(`${registry.url}/v2/${name}/tags/list`, { headers })).json()).tags ?? [];
      for (const tag of tags) {
        const response = await fetch(`${registry.url}/v2/${name}/manifests/${tag}`, { method: 'HEAD', headers });
        if (response.status !== 200) throw new Error(`HEAD ${name}:${tag}: ${response.status}`);
        heads++;
      }
    });
    return heads;
  });

  const overHttp = process.env.BENCH_SKIP_HTTP ? undefined : await syncTwice('HTTP API');
  // What the config step asks of the registry, measured on the registry alone: one image config (a blob GET) read
  // again and again on 8 connections, as many as the sync uses. Blob reads send no notification (registry-config
  // has the registry ignore their media type), so nothing else runs meanwhile.
  const configRate = overHttp
    ? await (async () => {
        const repository = 'team0/app-0';
        const token = await tokenFor(`repository:${repository}:pull`);
        const headers = { authorization: `Bearer ${token}`, accept: 'application/vnd.oci.image.manifest.v1+json' };
        const manifest = await (await fetch(`${registry.url}/v2/${repository}/manifests/1.0.0`, { headers })).json();
        const url = `${registry.url}/v2/${repository}/blobs/${manifest.config.digest}`;
        const args = ['-t2', '-c8', '-H', `Authorization: Bearer ${token}`];
        await wrk([...args, '-d1s', url]);
        const output = await wrk([...args, `-d${LATENCY_SECONDS}s`, url]);
        if (/Non-2xx or 3xx responses/.test(output)) throw new Error(`${url}: non-2xx answers:\n${output}`);
        const rate = Number(/Requests\/sec:\s+([\d.]+)/.exec(output)?.[1]);
        log(`registry alone, one image config read again and again: ${rate.toFixed(0)} req/s`);
        return rate;
      })()
    : undefined;
  await stop(server);
  server = await startServer(dataDir, port, serverArgs(storageDb, ['--registry.storage-path', storagePath]));
  const fromStorage = await syncTwice('storage');

  await stop(server);
  const grown = await timed(`index grown to ${LIST_TAGS} tags`, () => growIndex(storageDb, LIST_TAGS));
  server = await startServer(dataDir, port, serverArgs(storageDb));
  const queries = [
    ['baseline: GET /healthz', '/healthz'],
    ['repositories, by name', listPath('/api/v1/repositories', { sort: ['name', 'ASC'], range: [0, 24] })],
    [
      'repositories, by size, page 200',
      listPath('/api/v1/repositories', { sort: ['size', 'DESC'], range: [5000, 5024] }),
    ],
    ['repositories, by last push', listPath('/api/v1/repositories', { sort: ['lastPushAt', 'DESC'], range: [0, 24] })],
    ['repositories, by pulls', listPath('/api/v1/repositories', { sort: ['pulls', 'DESC'], range: [0, 24] })],
    [
      'repositories, search "service-1234"',
      listPath('/api/v1/repositories', { filter: { q: 'service-1234' }, range: [0, 24] }),
    ],
    ['repositories, search "app"', listPath('/api/v1/repositories', { filter: { q: 'app' }, range: [0, 24] })],
    [
      'tags of one repository, by version',
      listPath('/api/v1/tags', { filter: { repository: 'bulk7/service-107' }, sort: ['version', 'DESC'] }),
    ],
    ['all tags, by push time', listPath('/api/v1/tags', { sort: ['pushedAt', 'DESC'], range: [0, 24] })],
    ['all tags, by size', listPath('/api/v1/tags', { sort: ['size', 'DESC'], range: [0, 24] })],
    ['all tags, search "service-1234:"', listPath('/api/v1/tags', { filter: { q: 'service-1234:' }, range: [0, 24] })],
    ['all tags, search "latest" (20%)', listPath('/api/v1/tags', { filter: { q: 'latest' }, range: [0, 24] })],
    [
      'all tags, search "service-1234:lat"',
      listPath('/api/v1/tags', { filter: { q: 'service-1234:lat' }, range: [0, 24] }),
    ],
    ['all tags, search "service" (all)', listPath('/api/v1/tags', { filter: { q: 'service' }, range: [0, 24] })],
    ['all tags, search "1." (short)', listPath('/api/v1/tags', { filter: { q: '1.' }, range: [0, 24] })],
  ];
  const rows = [];
  for (const [label, path] of queries) rows.push({ label, ...(await latency(`${server.url}${path}`, auth)) });
  await stop(server);

  const tags = REPOS * TAGS;
  console.log(
    `\nindex sync, ${REPOS} repositories × ${TAGS} tags in a real registry (docker-registry 2.8, filesystem)\n`,
  );
  console.log(`storage written directly                    ${(fill.ms / 1000).toFixed(1).padStart(7)} s`);
  console.log(
    `baseline: catalog + tags + HEAD per tag       ${(walk.ms / 1000).toFixed(1).padStart(7)} s  (${walk.result} HEADs, 8 at a time)`,
  );
  const line = (label, { ms, result }) =>
    console.log(
      `${label.padEnd(44)}${(ms / 1000).toFixed(1).padStart(7)} s  ${(tags / (ms / 1000)).toFixed(0).padStart(6)} tags/s  (${result.fetched} manifests read, ${result.configsRead} image configs)`,
    );
  // A sync indexes every tag from its manifest (name, digest, size: what the walk learns) before it reads the configs.
  const indexedLine = (label, { result }) =>
    console.log(
      `${label.padEnd(44)}${(result.indexedMs / 1000).toFixed(1).padStart(7)} s  ${(tags / (result.indexedMs / 1000)).toFixed(0).padStart(6)} tags/s  (the same run, its configs not yet read)`,
    );
  if (overHttp) {
    indexedLine('full sync, HTTP API: every tag indexed', overHttp.full);
    line('full sync, HTTP API: configs read too', overHttp.full);
    line('no-change re-sync, HTTP API', overHttp.again);
  }
  indexedLine('full sync, storage: every tag indexed', fromStorage.full);
  line('full sync, --registry.storage-path', fromStorage.full);
  line('no-change re-sync, --registry.storage-path', fromStorage.again);
  console.log(
    `\nnotifications from the registry: ${process.env.BENCH_NO_NOTIFICATIONS ? 'off' : 'on (the block registry-config prints)'}`,
  );
  if (overHttp) {
    console.log(
      `full sync / walk: every tag indexed ${(overHttp.full.result.indexedMs / walk.ms).toFixed(2)}x (target <= 1.5), ` +
        `configs read too ${(overHttp.full.ms / walk.ms).toFixed(2)}x; ` +
        `no-change / walk ${(overHttp.again.ms / walk.ms).toFixed(2)}x (target <= 1.0)`,
    );
    const configStepMs = overHttp.full.ms - overHttp.full.result.indexedMs;
    const floorMs = (overHttp.full.result.configsRead / configRate) * 1000;
    console.log(
      `config step: ${(configStepMs / 1000).toFixed(1)} s for ${overHttp.full.result.configsRead} configs; the registry alone ` +
        `serves one config ${configRate.toFixed(0)} times/s (wrk -t2 -c8), so it needs >= ${(floorMs / 1000).toFixed(1)} s for them: ` +
        `the sync reads at ${((floorMs / configStepMs) * 100).toFixed(0)}% of that rate`,
    );
  }
  console.log(
    `\nresident memory of the server (target: <= 150 MB after a full sync of 10,000 tags; idle, <= 1.5x bare Fastify)`,
  );
  console.log(`both run with ${describeEnv(ENV)}`);
  console.log(`${'baseline: bare Fastify, idle 3 s after start'.padEnd(44)}${bareMb.toFixed(0).padStart(7)} MB`);
  for (const { label, mb, idle } of memory) {
    console.log(
      `${label.padEnd(44)}${mb.toFixed(0).padStart(7)} MB${idle ? `  ${(mb / bareMb).toFixed(2)}x bare (target <= 1.5)` : ''}`,
    );
  }
  console.log(
    `\nlist and search on an index of ${grown.result} tags (admin; wrk -t1 -c1, ${LATENCY_SECONDS} s per query after 1 s warm-up)\n`,
  );
  console.log(`${'query'.padEnd(44)}${'p50 ms'.padStart(9)}${'p99 ms'.padStart(9)}${'requests'.padStart(10)}`);
  for (const row of rows) {
    console.log(
      `${row.label.padEnd(44)}${row.p50.toFixed(2).padStart(9)}${row.p99.toFixed(2).padStart(9)}${String(row.requests).padStart(10)}`,
    );
  }
  mkdirSync(join(here, 'results'), { recursive: true });
  writeFileSync(
    join(here, 'results', 'latest.json'),
    JSON.stringify(
      {
        date: new Date().toISOString(),
        repositories: REPOS,
        tags,
        fillMs: fill.ms,
        baselineWalkMs: walk.ms,
        http: overHttp && {
          indexedMs: overHttp.full.result.indexedMs,
          fullSyncMs: overHttp.full.ms,
          noChangeSyncMs: overHttp.again.ms,
        },
        storage: {
          indexedMs: fromStorage.full.result.indexedMs,
          fullSyncMs: fromStorage.full.ms,
          noChangeSyncMs: fromStorage.again.ms,
        },
        rssMb: memory,
        bareIdleMb: bareMb,
        registryConfigReadsPerSecond: configRate,
        indexTags: grown.result,
        latency: rows,
      },
      null,
      2,
    ),
  );
} finally {
  stopAll();
  await registry?.stop();
  rmSync(dataDir, { recursive: true, force: true });
}
