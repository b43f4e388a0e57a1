/**
 * End to end: the server is killed (SIGKILL) while pushes go on; after a restart a sync makes the index equal to the
 * registry again, and late or re-sent notifications change nothing.
 */
import { existsSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createStorageReader } from '@registry-admin/registry-client';
import {
  buildOciImage,
  type Credentials,
  copyToRegistry,
  describeE2E,
  type OciImage,
  type RunningRegistry,
  startRegistry,
} from '@registry-admin/test-support';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { freePort, type RunningRegistryAdmin, registryConfig, startRegistryAdmin } from './harness/registry-admin';

describeE2E('index recovery after a crash', () => {
  let server: RunningRegistryAdmin;
  let registry: RunningRegistry;
  let admin: Credentials;
  let dataDir: string;
  let port: number;
  let serverArgs: string[];
  let secret: string;
  /** The admin's from the first start (a restart keeps the account). */
  let adminAuth: string;
  const images: OciImage[] = [];

  async function api(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
    const response = await fetch(`${server.url}${path}`, {
      method,
      headers: {
        authorization: adminAuth,
        ...(body ? { 'content-type': 'application/json' } : {}),
        ...headers,
      },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    const text = await response.text();
    if (response.status >= 300) throw new Error(`${method} ${path}: ${response.status} ${text}`);
    return { json: JSON.parse(text), range: response.headers.get('content-range') };
  }

  /**
   * repository → tag → digest, as the registry has it now: read from its storage, so that reading it makes no pull
   * events (over the API, their notifications would still be arriving while a later check counts events).
   */
  async function registryState(): Promise<Record<string, Record<string, string>>> {
    const client = createStorageReader({ rootDirectory: join(registry.dir, 'data') });
    const state: Record<string, Record<string, string>> = {};
    for await (const repository of client.catalog()) {
      state[repository] = {};
      for (const tag of await client.listTags(repository)) {
        const head = await client.headManifest(repository, tag);
        if (head) state[repository][tag] = head.digest;
      }
    }
    return state;
  }

  /** The same, as the index has it. */
  async function indexState(): Promise<Record<string, Record<string, string>>> {
    const state: Record<string, Record<string, string>> = {};
    const { json: repositories } = await api('GET', '/api/v1/repositories?range=[0,999]');
    for (const { name } of repositories as Array<{ name: string }>) {
      const { json: tags } = await api(
        'GET',
        `/api/v1/tags?range=[0,999]&filter=${encodeURIComponent(JSON.stringify({ repository: name }))}`,
      );
      state[name] = Object.fromEntries(
        (tags as Array<{ name: string; digest: string }>).map((t) => [t.name, t.digest]),
      );
    }
    return state;
  }

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'ra-recovery-server-'));
    port = await freePort();
    const fragment = await registryConfig({ dataDir, url: `http://127.0.0.1:${port}` });
    const endpoint = (fragment.notifications as { endpoints: Array<{ headers: { Authorization: string[] } }> })
      .endpoints[0];
    secret = endpoint?.headers.Authorization[0] ?? '';
    // Retry deliveries after 1 s instead of the fragment's 10 s, to keep the test short.
    for (const e of (fragment.notifications as { endpoints: Array<{ backoff: string }> }).endpoints) e.backoff = '1s';
    registry = await startRegistry({ auth: fragment.auth.token, notifications: fragment.notifications });
    serverArgs = [
      '--registry.host',
      'http://127.0.0.1',
      '--registry.port',
      registry.host.split(':')[1] ?? '',
      '--registry.sync',
      'false',
    ];
    server = await startRegistryAdmin(serverArgs, { dataDir, port });
    admin = { username: 'admin', password: server.adminPassword };
    adminAuth = server.adminAuth;
    const dir = await mkdtemp(join(tmpdir(), 'ra-recovery-images-'));
    // Three large images (their pushes take long enough to be cut by the kill) and a small one.
    for (let i = 0; i < 3; i++) {
      images.push(
        await buildOciImage(join(dir, `i${i}`), { tag: 'v1', seed: `rec-${i}`, layers: 3, layerBytes: 3_000_000 }),
      );
    }
    images.push(await buildOciImage(join(dir, 'small'), { tag: 'v1', seed: 'rec-small' }));
  });
  afterAll(async () => {
    await server?.stop();
    await registry?.stop();
  });

  it('repairs the index with a sync after a SIGKILL during pushes', async () => {
    const ref = (repository: string, tag: string) => `${registry.host}/${repository}:${tag}`;
    const push = async (repository: string, tag: string, image: number) => {
      const result = await copyToRegistry((images[image] as OciImage).dir, 'v1', ref(repository, tag), admin);
      return { ...result, finishedAt: Date.now() };
    };
    expect((await push('rec/a', 'v1', 3)).code).toBe(0);
    // Three pushes at once (into different repositories); once the registry has uploads under way — the clients
    // hold their tokens — the server is killed.
    const running = [push('rec/b', 'v1', 0), push('rec/c', 'v1', 1), push('rec/d', 'v1', 2)];
    const uploads = (repository: string) =>
      join(registry.dir, 'data/docker/registry/v2/repositories', repository, '_uploads');
    for (let i = 0; i < 300 && !['rec/b', 'rec/c', 'rec/d'].some((r) => existsSync(uploads(r))); i++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const killedAt = Date.now();
    expect(await server.kill()).toEqual({ code: null, signal: 'SIGKILL' });
    const results = await Promise.all(running);
    // At least one push went on to the end without the server (its notifications had nowhere to go).
    expect(results.some((result) => result.code === 0 && result.finishedAt > killedAt)).toBe(true);

    server = await startRegistryAdmin(serverArgs, { dataDir, port });
    const truth = await registryState();
    expect(truth['rec/a']).toEqual({ v1: images[3]?.manifestDigest });
    // Pushes go on after the restart: their notifications arrive as usual.
    expect((await push('rec/a', 'v2', 3)).code).toBe(0);
    expect((await push('rec/e', 'v1', 3)).code).toBe(0);
    const { json: report } = await api('POST', '/api/v1/registry/sync');
    expect(report.skipped).toEqual([]);
    const synced = await registryState();
    expect(Object.keys(synced).length).toBeGreaterThanOrEqual(3);
    expect(await indexState()).toEqual(synced);
    // Notifications held back while the server was down arrive after its restart (the registry retries after its
    // backoff), in order: once the last push's event is in, everything before it is, and the index still equals
    // the registry.
    const lastPush = encodeURIComponent(JSON.stringify({ repository: 'rec/e', action: 'push' }));
    for (let i = 0; i < 200; i++) {
      const { json } = await api('GET', `/api/v1/events?filter=${lastPush}`);
      if ((json as Array<{ tag: string | null }>).some((event) => event.tag === 'v1')) break;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect((await api('GET', `/api/v1/events?filter=${lastPush}`)).json.length).toBeGreaterThan(0);
    expect(await indexState()).toEqual(synced);
  });

  it('changes nothing when an envelope is delivered again', async () => {
    const { json: events, range } = await api('GET', '/api/v1/events?range=[0,999]&sort=["timestamp","ASC"]');
    expect(events.length).toBeGreaterThan(0);
    // The registry's own envelope shape, rebuilt from the stored events.
    const envelope = {
      events: (events as Array<Record<string, unknown>>).map((event) => ({
        id: event.id,
        timestamp: event.timestamp,
        action: event.action,
        target: {
          mediaType: event.mediaType ?? undefined,
          digest: event.digest ?? undefined,
          size: event.size ?? undefined,
          repository: event.repository,
          tag: event.tag ?? undefined,
        },
        actor: { name: event.actor },
        request: { addr: event.address ?? undefined, useragent: event.userAgent ?? undefined },
      })),
    };
    const before = await indexState();
    const { json: repositoriesBefore } = await api('GET', '/api/v1/repositories?range=[0,999]');
    for (let i = 0; i < 2; i++) {
      const response = await fetch(`${server.url}/api/v1/registry/events`, {
        method: 'POST',
        headers: { authorization: secret, 'content-type': 'application/vnd.docker.distribution.events.v2+json' },
        body: JSON.stringify(envelope),
      });
      expect(response.status).toBeLessThan(300);
    }
    const after = await api('GET', '/api/v1/events?range=[0,999]&sort=["timestamp","ASC"]');
    expect(after.range).toBe(range);
    expect(await indexState()).toEqual(before);
    // Pull counts and sizes too.
    expect((await api('GET', '/api/v1/repositories?range=[0,999]')).json).toEqual(repositoriesBefore);
  });
});
