/**
 * End to end: three `registry-admin serve` processes on one PostgreSQL database behind a round-robin haproxy on
 * loopback, the real registry sending its token requests and notifications to the balancer, skopeo pushing and
 * pulling through it. One replica leads and syncs once per interval; killed (SIGKILL) in the middle of a sync,
 * another leads and makes the index equal to the registry; a disable made through one replica is in force on every
 * replica within 2 s; an envelope posted again to other replicas changes nothing. The measured failover and
 * revocation times are printed.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  buildOciImage,
  type Credentials,
  copyFromRegistry,
  copyToRegistry,
  describeE2E,
  type RunningRegistry,
  startProcess,
  startRegistry,
  type Watched,
  waitForHttp,
} from '@registry-admin/test-support';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FAILOVER_BOUNDS } from '../../src/runtime/leader';
import {
  freePort,
  type RegistryConfigFragment,
  type RunningRegistryAdmin,
  runCli,
  startRegistryAdmin,
} from './harness/registry-admin';

const postgresUrl = process.env.RA_TEST_POSTGRES_URL;
/** The revocation bound the README states. */
const REVOCATION_MS = 2000;

function haproxyMissing(): string | undefined {
  try {
    execFileSync('sh', ['-c', 'command -v haproxy'], { stdio: 'ignore' });
  } catch {
    return 'haproxy not installed (apt-get install haproxy)';
  }
  if (!postgresUrl) return 'RA_TEST_POSTGRES_URL is not set';
  return undefined;
}

/** Like describeE2E, for haproxy and PostgreSQL too: skipped with the reason, or failing when RA_E2E_REQUIRED=1. */
function describeReplicas(name: string, body: () => void): void {
  const reason = haproxyMissing();
  if (!reason) {
    describeE2E(name, body);
    return;
  }
  if (process.env.RA_E2E_REQUIRED === '1') {
    describe(name, () => {
      it('has haproxy and PostgreSQL', () => {
        throw new Error(`RA_E2E_REQUIRED=1 but ${reason}`);
      });
    });
    return;
  }
  console.warn(`skipping e2e suite "${name}": ${reason}`);
  describe.skip(`${name} (skipped: ${reason})`, body);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `check` every 50 ms until it holds; the bound is a count, generous for a loaded machine. */
async function eventually<T>(check: () => Promise<T | undefined> | T | undefined, tries = 600): Promise<T> {
  for (let i = 0; i < tries; i++) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    await sleep(50);
  }
  throw new Error('condition not reached');
}

const LEADING = 'leading the periodic work';
const EVENTS_TYPE = 'application/vnd.docker.distribution.events.v1+json';
const count = (text: string, needle: string) => text.split(needle).length - 1;

describeReplicas('three replicas on PostgreSQL behind haproxy', () => {
  const database = `ra_e2e_replicas_${randomBytes(4).toString('hex')}`;
  let databaseUrl: string;
  let admin: pg.Client;
  let registry: RunningRegistry;
  let haproxy: Watched;
  let haproxyDir: string;
  let balancer: string;
  let firstDataDir: string;
  const replicas: RunningRegistryAdmin[] = [];
  /** Replicas not killed yet. */
  const alive = () => replicas.filter((replica) => !killed.has(replica));
  const killed = new Set<RunningRegistryAdmin>();
  const envelopes: Array<{ body: string; authorization: string }> = [];
  let capture: Server;
  let adminAuth: string;
  const pusher: Credentials = { username: 'pusher', password: 'pusher-password' };
  const measured: { disableRequestMs?: number; revocationMs?: number; failoverMs?: number; failoverSyncMs?: number } =
    {};

  async function api(base: string, method: string, path: string, body?: unknown) {
    const response = await fetch(`${base}${path}`, {
      method,
      headers: { authorization: adminAuth, ...(body ? { 'content-type': 'application/json' } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    const text = await response.text();
    if (response.status >= 300) throw new Error(`${method} ${path}: ${response.status} ${text}`);
    return text ? JSON.parse(text) : undefined;
  }
  const leaders = () => alive().filter((replica) => replica.logs().includes(LEADING));
  const syncsStarted = (replica: RunningRegistryAdmin) => count(replica.logs(), '"msg":"index sync started"');
  const syncsDone = (replica: RunningRegistryAdmin) => count(replica.logs(), '"msg":"index synced"');

  /** The registry's tags as `repository:tag@digest`, read over its API with a token from the balancer. */
  async function registryTags(): Promise<string[]> {
    const token = async (scope: string) => {
      const url = `${balancer}/api/v1/registry/auth?service=container_registry&scope=${encodeURIComponent(scope)}`;
      const response = await fetch(url, { headers: { authorization: adminAuth } });
      return ((await response.json()) as { token: string }).token;
    };
    const get = async (path: string, scope: string, init: RequestInit = {}) =>
      fetch(`${registry.url}${path}`, {
        ...init,
        headers: { ...init.headers, authorization: `Bearer ${await token(scope)}` },
      });
    const catalog = (await (await get('/v2/_catalog?n=1000', 'registry:catalog:*')).json()) as {
      repositories: string[];
    };
    const tags: string[] = [];
    for (const repository of catalog.repositories) {
      const scope = `repository:${repository}:pull`;
      const list = (await (await get(`/v2/${repository}/tags/list`, scope)).json()) as { tags: string[] | null };
      for (const tag of list.tags ?? []) {
        const head = await get(`/v2/${repository}/manifests/${tag}`, scope, {
          method: 'HEAD',
          headers: {
            accept: 'application/vnd.oci.image.manifest.v1+json, application/vnd.oci.image.index.v1+json',
          },
        });
        tags.push(`${repository}:${tag}@${head.headers.get('docker-content-digest')}`);
      }
    }
    return tags.sort();
  }
  async function indexTags(base = balancer): Promise<string[]> {
    const tags = (await api(base, 'GET', '/api/v1/tags?range=[0,999]')) as Array<{
      repository: string;
      name: string;
      digest: string;
    }>;
    return tags.map((tag) => `${tag.repository}:${tag.name}@${tag.digest}`).sort();
  }
  async function eventTotal(base: string): Promise<string> {
    const response = await fetch(`${base}/api/v1/events?range=[0,0]`, { headers: { authorization: adminAuth } });
    return response.headers.get('content-range') ?? '';
  }

  beforeAll(async () => {
    // A database of its own: the replicas share it, nothing else does.
    admin = new pg.Client({ connectionString: postgresUrl });
    await admin.connect();
    await admin.query(`create database "${database}"`);
    const url = new URL(postgresUrl as string);
    url.pathname = `/${database}`;
    databaseUrl = url.href;

    const balancerPort = await freePort();
    balancer = `http://127.0.0.1:${balancerPort}`;
    const storeArgs = ['--store.type', 'postgres', '--store.postgres.url', databaseUrl, '--public-url', balancer];

    // Every replica signs with the same key: the first data dir's certificates, made by registry-config.
    firstDataDir = await mkdtemp(join(tmpdir(), 'ra-replica-'));
    const printed = await runCli(['registry-config', '--format', 'json', '--data-dir', firstDataDir, ...storeArgs]);
    expect(printed.code, printed.stderr).toBe(0);
    const fragment = JSON.parse(printed.stdout) as RegistryConfigFragment;

    // A second endpoint keeps a copy of every envelope, to post one again to the replicas.
    capture = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => {
        body += chunk.toString();
      });
      request.on('end', () => {
        envelopes.push({ body, authorization: String(request.headers.authorization ?? '') });
        response.end();
      });
    });
    await new Promise<void>((done) => capture.listen(0, '127.0.0.1', done));
    const notifications = fragment.notifications as { endpoints: Array<Record<string, unknown>> };
    const [endpoint] = notifications.endpoints;
    notifications.endpoints.push({
      ...endpoint,
      name: 'capture',
      url: `http://127.0.0.1:${(capture.address() as AddressInfo).port}/`,
    });
    registry = await startRegistry({ auth: fragment.auth.token, notifications });

    const registryUrl = new URL(registry.url);
    const serveArgs = [
      ...storeArgs,
      '--registry.host',
      `http://${registryUrl.hostname}`,
      '--registry.port',
      registryUrl.port,
      '--registry.certs.path',
      join(firstDataDir, 'certs'),
      '--registry.gc-interval',
      '1m',
    ];
    const started = { logLevel: 'info', startTimeoutMs: 60_000 } as const;
    replicas.push(await startRegistryAdmin(serveArgs, { dataDir: firstDataDir, ...started }));
    replicas.push(await startRegistryAdmin(serveArgs, started), await startRegistryAdmin(serveArgs, started));
    // The first start made the admin; the others' generated passwords were not used.
    adminAuth = replicas[0]?.adminAuth as string;

    haproxyDir = await mkdtemp(join(tmpdir(), 'ra-haproxy-'));
    const config = [
      'defaults',
      '  mode http',
      '  timeout connect 2s',
      '  timeout client 60s',
      '  timeout server 60s',
      '  retries 3',
      '  option redispatch',
      'frontend replicas',
      `  bind 127.0.0.1:${balancerPort}`,
      '  default_backend servers',
      'backend servers',
      '  balance roundrobin',
      '  option httpchk GET /readyz',
      ...replicas.map((replica, i) => `  server s${i} 127.0.0.1:${replica.port} check inter 500 fall 2 rise 2`),
      '',
    ].join('\n');
    await writeFile(join(haproxyDir, 'haproxy.cfg'), config);
    haproxy = startProcess('haproxy', ['-db', '-f', join(haproxyDir, 'haproxy.cfg')]);
    await waitForHttp(`${balancer}/readyz`, (status) => status === 200);
  }, 180_000);

  afterAll(async () => {
    for (const replica of replicas) if (!killed.has(replica)) await replica.stop();
    await haproxy?.stop();
    await registry?.stop();
    await new Promise((done) => (capture ? capture.close(done) : done(undefined)));
    if (haproxyDir) await rm(haproxyDir, { recursive: true, force: true });
    if (firstDataDir) await rm(firstDataDir, { recursive: true, force: true });
    await admin?.query(`drop database if exists "${database}" with (force)`);
    await admin?.end();
    console.log(
      `replicas: disable answered in ${measured.disableRequestMs} ms, then refused by every replica after ${measured.revocationMs} ms; ` +
        `leader killed mid-sync -> new leader after ${measured.failoverMs} ms, index equal to the registry after ${measured.failoverSyncMs} ms`,
    );
  });

  it('elects one leader, which alone syncs at start', async () => {
    await eventually(() => leaders().length === 1 && syncsDone(leaders()[0] as RunningRegistryAdmin) >= 1);
    await sleep(2000);
    expect(leaders()).toHaveLength(1);
    expect(replicas.map(syncsStarted).reduce((a, b) => a + b)).toBe(1);
  });

  it('serves skopeo through the balancer; notifications land on any replica, and an envelope posted again changes nothing', async () => {
    const user = await api(balancer, 'POST', '/api/v1/users', { login: pusher.username, password: pusher.password });
    await api(balancer, 'POST', '/api/v1/access-rules', {
      subjectType: 'user',
      subjectId: user.id,
      pattern: 'team/**',
      actions: ['pull', 'push'],
    });
    // Each replica learns of the user and the rule by its revision poll; the registry may ask any of them.
    for (const replica of replicas) {
      await eventually(async () => {
        // 404 until the replica knows the user.
        const check = await api(
          replica.url,
          'GET',
          `/api/v1/access-check?user=${pusher.username}&scope=repository:team/one:push`,
        ).catch(() => undefined);
        return (check?.decisions[0]?.granted ?? []).includes('push');
      });
    }
    const dir = await mkdtemp(join(tmpdir(), 'ra-replica-images-'));
    const images = ['one', 'two', 'three', 'four', 'five', 'six'];
    for (const name of images) {
      const image = await buildOciImage(join(dir, name), { tag: 'v1', seed: name });
      const pushed = await copyToRegistry(image.dir, 'v1', `${registry.host}/team/${name}:v1`, pusher);
      expect(pushed.code, pushed.stderr).toBe(0);
    }
    const pulled = await copyFromRegistry(`${registry.host}/team/one:v1`, join(dir, 'pulled'), pusher);
    expect(pulled.code, pulled.stderr).toBe(0);
    // The notifications reach the index through the balancer, whichever replica takes each.
    await eventually(async () => (await indexTags()).length === images.length);
    expect(await indexTags()).toEqual(await registryTags());
    await rm(dir, { recursive: true, force: true });

    const envelope = await eventually(() => envelopes.find((entry) => /"action":\s*"push"/.test(entry.body)));
    const before = { tags: await indexTags(), events: await eventTotal(balancer) };
    expect(before.events).not.toBe('');
    for (const replica of replicas) {
      const response = await fetch(`${replica.url}/api/v1/registry/events`, {
        method: 'POST',
        headers: { authorization: envelope.authorization, 'content-type': EVENTS_TYPE },
        body: envelope.body,
      });
      expect(response.status).toBeLessThan(300);
    }
    // All three at once too: one transaction per event, the event id unique across the database.
    await Promise.all(
      replicas.map((replica) =>
        fetch(`${replica.url}/api/v1/registry/events`, {
          method: 'POST',
          headers: { authorization: envelope.authorization, 'content-type': EVENTS_TYPE },
          body: envelope.body,
        }),
      ),
    );
    for (const replica of replicas) {
      expect(await indexTags(replica.url)).toEqual(before.tags);
      expect(await eventTotal(replica.url)).toBe(before.events);
    }
  });

  it('refuses a user disabled through one replica on every replica within 2 s', async () => {
    const login = 'leaving';
    const password = 'leaving-password';
    const user = await api(balancer, 'POST', '/api/v1/users', { login, password });
    const tokenStatus = async (replica: RunningRegistryAdmin) =>
      (
        await fetch(`${replica.url}/api/v1/registry/auth?service=container_registry`, {
          headers: { authorization: `Basic ${Buffer.from(`${login}:${password}`).toString('base64')}` },
        })
      ).status;
    await eventually(async () => (await Promise.all(replicas.map(tokenStatus))).every((status) => status === 200));
    const asked = Date.now();
    await api(replicas[1]?.url as string, 'PUT', `/api/v1/users/${user.id}`, { disabled: true });
    // From the answer on: the disable is committed.
    const started = Date.now();
    measured.disableRequestMs = started - asked;
    const lags = await Promise.all(
      replicas.map(async (replica) => {
        await eventually(async () => (await tokenStatus(replica)) !== 200);
        return Date.now() - started;
      }),
    );
    measured.revocationMs = Math.max(...lags);
    expect(measured.revocationMs).toBeLessThan(REVOCATION_MS);
  });

  it('runs exactly one sync per interval, on the leader', { timeout: 120_000 }, async () => {
    const [leader] = leaders();
    if (!leader) throw new Error('no leader');
    // The leader synced when it started leading and syncs again one interval (1 minute) later; nobody else does.
    await eventually(() => syncsDone(leader) >= 2, 2400);
    await sleep(3000);
    expect(syncsStarted(leader)).toBe(2);
    expect(replicas.map(syncsStarted).reduce((a, b) => a + b)).toBe(2);
  });

  it('replaces a leader killed during a sync; the new one makes the index equal to the registry', async () => {
    const [leader] = leaders();
    if (!leader) throw new Error('no leader');
    // The index loses everything (as if notifications had been lost); a sync asked of the leader puts it back.
    const client = new pg.Client({ connectionString: databaseUrl });
    await client.connect();
    await client.query('delete from index_repositories');
    await client.end();
    const startedBefore = syncsStarted(leader);
    // The registry stops answering, so the sync is surely still running when the leader dies.
    registry.pause();
    const asked = fetch(`${leader.url}/api/v1/registry/sync`, { method: 'POST', headers: { authorization: adminAuth } })
      .then((response) => response.status)
      .catch(() => 'connection lost');
    await eventually(() => syncsStarted(leader) > startedBefore, 1200);
    const killedAt = Date.now();
    await leader.kill();
    killed.add(leader);
    registry.resume();
    // The sync was cut short: its request never got an answer.
    expect(await asked).toBe('connection lost');

    const next = await eventually(() => leaders()[0]);
    measured.failoverMs = Date.now() - killedAt;
    // The new leader syncs at once; done, the index is the registry's again.
    await eventually(() => syncsDone(next) >= 1, 1200);
    measured.failoverSyncMs = Date.now() - killedAt;
    expect(await indexTags()).toEqual(await registryTags());
    expect(measured.failoverMs).toBeLessThan(FAILOVER_BOUNDS.killedSeconds * 1000 + 1000);
    // Through the balancer, the remaining replicas answer.
    expect((await fetch(`${balancer}/readyz`)).status).toBe(200);
  });
});
