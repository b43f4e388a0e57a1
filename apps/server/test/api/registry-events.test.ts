import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { SERVER_SUBJECT } from '../../src/runtime/registry';
import { type FakeRegistry, startFakeRegistry } from './fake-registry';
import { ADMIN_PASSWORD, adminAuth, basic, createTestApp, createUser, type TestApp } from './fixture';

const MEDIA_TYPE = 'application/vnd.docker.distribution.events.v1+json';

function event(id: string, action: string, target: Record<string, unknown> = {}) {
  return {
    id,
    timestamp: '2030-03-01T10:00:00.123456789Z',
    action,
    target: {
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      size: 512,
      digest: 'sha256:1111111111111111111111111111111111111111111111111111111111111111',
      length: 512,
      repository: 'team/app',
      url: 'http://registry/v2/team/app/manifests/sha256:1111',
      tag: 'v1',
      ...target,
    },
    request: { id: 'r1', addr: '10.0.0.5:40000', host: 'registry', method: 'PUT', useragent: 'skopeo/1.9' },
    actor: { name: 'alice' },
    source: { addr: 'registry:5000', instanceID: 'i1' },
  };
}

describe('registry notifications', () => {
  let t: TestApp;
  let secret: string;
  beforeAll(async () => {
    t = await createTestApp();
    secret = t.services.notificationSecret;
  });
  afterAll(() => t.close());

  const post = (body: unknown, authorization?: string, contentType = MEDIA_TYPE) =>
    t.app.inject({
      method: 'POST',
      url: '/api/v1/registry/events',
      headers: { 'content-type': contentType, ...(authorization ? { authorization } : {}) },
      payload: typeof body === 'string' ? body : JSON.stringify(body),
    });

  it('records every event of an envelope, ignores unknown actions, and is idempotent', async () => {
    const envelope = {
      events: [
        event('ev-1', 'push'),
        event('ev-2', 'pull', { tag: undefined }),
        event('ev-3', 'delete', { tag: undefined, mediaType: undefined }),
        event('ev-4', 'something-new'),
      ],
    };
    const first = await post(envelope, `Bearer ${secret}`);
    expect(first.statusCode, first.body).toBe(200);
    expect(first.json()).toEqual({ received: 4, recorded: 3, ignored: 1 });
    const again = await post(envelope, `Bearer ${secret}`);
    expect(again.json()).toEqual({ received: 4, recorded: 0, ignored: 1 });
    const list = await t.app.inject({ url: '/api/v1/events', headers: adminAuth() });
    expect(list.headers['content-range']).toBe('events 0-2/3');
    const pushed = (list.json() as Array<{ id: string; actor: string; size: number; timestamp: string }>).find(
      (e) => e.id === 'ev-1',
    );
    expect(pushed).toMatchObject({ actor: 'alice', size: 512, timestamp: '2030-03-01T10:00:00.123Z' });
    const filtered = await t.app.inject({
      url: `/api/v1/events?filter=${encodeURIComponent(JSON.stringify({ action: 'delete', repository: 'team/app' }))}`,
      headers: adminAuth(),
    });
    expect(filtered.json()).toHaveLength(1);
  });

  it("drops the pulls the registry reports for this server's own reads (the sync's), before recording anything", async () => {
    const own = (id: string, action: string) => ({ ...event(id, action), actor: { name: SERVER_SUBJECT } });
    const recordSpy = vi.spyOn(t.services.indexEvents, 'record');
    const answer = await post(
      { events: [own('ev-own-pull', 'pull'), own('ev-own-delete', 'delete'), event('ev-user-pull', 'pull')] },
      `Bearer ${secret}`,
    );
    expect(answer.json()).toEqual({ received: 3, recorded: 2, ignored: 1 });
    expect(recordSpy.mock.calls[0]?.[0].map((e) => e.id)).toEqual(['ev-own-delete', 'ev-user-pull']);
    const onlyOwn = await post({ events: [own('ev-own-pull-2', 'pull')] }, `Bearer ${secret}`);
    expect(onlyOwn.json()).toEqual({ received: 1, recorded: 0, ignored: 1 });
    const list = await t.app.inject({
      url: `/api/v1/events?filter=${encodeURIComponent(JSON.stringify({ actor: SERVER_SUBJECT }))}`,
      headers: adminAuth(),
    });
    expect((list.json() as Array<{ id: string }>).map((e) => e.id)).toEqual(['ev-own-delete']);
    recordSpy.mockRestore();
  });

  it('accepts the v2 media type and plain JSON', async () => {
    const v2 = await post(
      { events: [event('ev-v2', 'push')] },
      `Bearer ${secret}`,
      'application/vnd.docker.distribution.events.v2+json',
    );
    expect(v2.json().recorded).toBe(1);
    const json = await post({ events: [event('ev-json', 'mount')] }, `Bearer ${secret}`, 'application/json');
    expect(json.json().recorded).toBe(1);
  });

  it('refuses everyone but the registry, logged-in users and non-admins with a valid password included', async () => {
    const envelope = { events: [event('ev-forged', 'push')] };
    expect((await post(envelope)).statusCode).toBe(401);
    expect((await post(envelope, `Bearer ${secret}x`)).statusCode).toBe(401);
    expect((await post(envelope, basic('admin', 'not-the-admin-password'))).statusCode).toBe(401);
    expect((await post(envelope, `Basic ${secret}`)).statusCode).toBe(401);
    await createUser(t.app, 'eve', 'eve-password');
    expect((await post(envelope, basic('eve', 'eve-password'))).statusCode).toBe(401);
    await createUser(t.app, 'mallory', 'mallory-password', { role: 'manager' });
    expect((await post(envelope, basic('mallory', 'mallory-password'))).statusCode).toBe(401);
    const list = await t.app.inject({
      url: `/api/v1/events?filter=${encodeURIComponent('{"repository":"team/app","actor":"alice"}')}&range=[0,99]`,
      headers: adminAuth(),
    });
    expect((list.json() as Array<{ id: string }>).some((e) => e.id === 'ev-forged')).toBe(false);
  });

  it("accepts an admin's Basic credentials, as the Go registry-admin's notification config sends them", async () => {
    const response = await post({ events: [event('ev-basic', 'push')] }, basic('admin', ADMIN_PASSWORD));
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json()).toEqual({ received: 1, recorded: 1, ignored: 0 });
  });

  it('answers malformed envelopes with 400 and stores nothing', async () => {
    const before = (await t.services.store.registryEvents.list({})).total;
    for (const body of [
      '{not json',
      { events: 'no' },
      { events: [{ id: 'x' }] },
      { events: [event('', 'push')] },
      [],
    ]) {
      const response = await post(body, `Bearer ${secret}`);
      expect(response.statusCode, JSON.stringify(body)).toBe(400);
    }
    const mixed = await post({ events: [event('ev-ok-but-batch-bad', 'push'), { id: 'broken' }] }, `Bearer ${secret}`);
    expect(mixed.statusCode).toBe(400);
    expect((await t.services.store.registryEvents.list({})).total).toBe(before);
  });

  it('keeps the activity log for admins and managers', async () => {
    const asUser = await t.app.inject({
      url: '/api/v1/events',
      headers: { authorization: basic('eve', 'eve-password') },
    });
    expect(asUser.statusCode).toBe(403);
  });
});

describe('registry notifications naming what the registry cannot hold', () => {
  let t: TestApp;
  let registry: FakeRegistry;
  const lines: string[] = [];
  let digest: string;
  beforeAll(async () => {
    registry = await startFakeRegistry();
    const config = registry.putBlob('team/app', JSON.stringify({ os: 'linux', architecture: 'amd64' }));
    digest = registry.putManifest('team/app', {
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: config, size: 10 },
      layers: [],
    });
    t = await createTestApp({ registry: { host: registry.host, port: registry.port } }, { logLines: lines });
  });
  afterAll(async () => {
    await t.close();
    await registry.close();
  });

  it('indexes and records only the valid events, answers 2xx, and logs each skipped one', async () => {
    const valid = (id: string, target: Record<string, unknown> = {}) => event(id, 'push', { digest, ...target });
    const envelope = {
      events: [
        valid('ok-push'),
        valid('bad-dotdot', { repository: 'public/Evil/../x' }),
        valid('bad-upper', { repository: 'Team/App' }),
        valid('bad-tag', { tag: '../v1' }),
        valid('bad-digest', { digest: 'sha256:../../etc/passwd' }),
        valid('bad-long', { repository: `a/${'b'.repeat(300)}` }),
        event('ok-pull', 'pull', { digest }),
      ],
    };
    const response = await t.app.inject({
      method: 'POST',
      url: '/api/v1/registry/events',
      headers: { 'content-type': MEDIA_TYPE, authorization: `Bearer ${t.services.notificationSecret}` },
      payload: JSON.stringify(envelope),
    });
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json()).toEqual({ received: 7, recorded: 2, ignored: 5 });
    const recorded = (await t.services.store.registryEvents.list({ range: [0, 99] })).items.map((e) => e.id).sort();
    expect(recorded).toEqual(['ok-pull', 'ok-push']);
    const repositories = await t.services.store.index.listRepositories({ range: [0, 99] });
    expect(repositories.items.map((r) => r.name)).toEqual(['team/app']);
    expect((await t.services.store.index.getTag('team/app', 'v1'))?.digest).toBe(digest);
    const skipped = lines.filter((line) => line.includes('registry event skipped'));
    expect(skipped).toHaveLength(5);
    expect(skipped.join('\n')).toContain('bad-dotdot');
    // Nothing was asked of the registry for the invalid names.
    expect(registry.requests.filter((r) => !r.includes('/team/app/'))).toEqual([]);
  });
});

describe('registry notifications with Basic credentials', () => {
  let t: TestApp;
  let opsId: number;
  const lines: string[] = [];
  beforeAll(async () => {
    t = await createTestApp(
      { auth: { 'max-failures': 3, 'max-failures-address': 50, lockout: 60 } },
      { logLines: lines },
    );
    opsId = await createUser(t.app, 'ops', 'ops-admin-password', { role: 'admin' });
  });
  afterAll(() => t.close());

  const post = (id: string, authorization: string, remoteAddress: string) =>
    t.app.inject({
      method: 'POST',
      url: '/api/v1/registry/events',
      remoteAddress,
      headers: { 'content-type': MEDIA_TYPE, authorization },
      payload: JSON.stringify({ events: [event(id, 'push')] }),
    });

  it('counts wrong passwords against the login throttle and locks the account out at that address', async () => {
    for (let i = 0; i < 3; i++) {
      expect((await post(`ev-guess-${i}`, basic('ops', `guess-${i}-password`), '10.1.1.1')).statusCode).toBe(401);
    }
    const locked = await post('ev-locked', basic('ops', 'ops-admin-password'), '10.1.1.1');
    expect(locked.statusCode).toBe(429);
    expect(Number(locked.headers['retry-after'])).toBeGreaterThan(0);
    expect(
      lines.filter((line) => line.includes('authentication failed for user \\"ops\\" from 10.1.1.1')),
    ).toHaveLength(3);
    // The registry, at its own address, is not locked out by someone else's guesses.
    expect((await post('ev-registry', basic('ops', 'ops-admin-password'), '10.1.1.2')).statusCode).toBe(200);
    const recorded = (await t.services.store.registryEvents.list({ range: [0, 99] })).items.map((e) => e.id);
    expect(recorded).toEqual(['ev-registry']);
  });

  it('refuses a disabled admin', async () => {
    const disabled = await t.app.inject({
      method: 'PUT',
      url: `/api/v1/users/${opsId}`,
      headers: adminAuth(),
      payload: { disabled: true },
    });
    expect(disabled.statusCode, disabled.body).toBe(200);
    expect((await post('ev-disabled', basic('ops', 'ops-admin-password'), '10.1.1.2')).statusCode).toBe(401);
  });
});
