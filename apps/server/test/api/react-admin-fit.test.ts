/**
 * The API as react-admin's data provider uses it: `filter.id` on every list (getMany), a repository's tags by its id
 * (getManyReference) and tags by digest, PUT that drops read-only and unknown fields, DELETE answering with the
 * record's `id`, error bodies with a top-level `message` and per-field `errors`, a repository's activity, and the
 * registry status the dashboard shows.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminAuth, basic, createRule, createTestApp, createUser, type TestApp } from './fixture';

describe('API fit for react-admin', () => {
  let t: TestApp;
  const ids: Record<string, number> = {};
  const carol = { authorization: basic('carol', 'carol-password') };
  let carolId = 0;

  beforeAll(async () => {
    t = await createTestApp();
    const { index, registryEvents } = t.services.store;
    for (const name of ['team/api', 'secret/keys']) {
      const id = await index.ensureRepository(name);
      ids[name] = id;
      for (const digest of ['sha256:aa', 'sha256:bb']) {
        await index.putManifest(id, {
          digest,
          mediaType: 'application/vnd.oci.image.manifest.v1+json',
          size: 100,
          created: null,
          platforms: [{ os: 'linux', architecture: 'amd64' }],
          blobs: [[`${digest}-layer`, 100]],
        });
      }
      await index.applyTags(id, [
        { name: 'latest', digest: 'sha256:aa' },
        { name: '1.0.0', digest: 'sha256:aa' },
        { name: '0.9.0', digest: 'sha256:bb' },
      ]);
    }
    await registryEvents.record(
      ['team/api', 'secret/keys', 'team/api'].map((repository, i) => ({
        id: `event-${i}`,
        timestamp: new Date(Date.UTC(2026, 0, 1, 0, i)).toISOString(),
        action: i === 2 ? 'delete' : 'push',
        repository,
        tag: i === 2 ? null : 'latest',
        digest: 'sha256:aa',
        mediaType: null,
        size: 100,
        actor: 'admin',
        address: null,
        userAgent: null,
      })),
    );
    carolId = await createUser(t.app, 'carol', 'carol-password');
    await createRule(t.app, { subjectType: 'user', subjectId: carolId, pattern: 'team/*', actions: ['pull'] });
  });
  afterAll(() => t.close());

  const get = (url: string, headers: Record<string, string> = adminAuth()) =>
    t.app.inject({ method: 'GET', url, headers });
  const q = (value: unknown) => encodeURIComponent(JSON.stringify(value));

  it('takes filter.id on every list', async () => {
    const group = await t.app.inject({
      method: 'POST',
      url: '/api/v1/groups',
      headers: adminAuth(),
      payload: { name: 'ops' },
    });
    const account = await t.app.inject({
      method: 'POST',
      url: '/api/v1/service-accounts',
      headers: adminAuth(),
      payload: { name: 'ci' },
    });
    const rules = (await get('/api/v1/access-rules')).json() as Array<{ id: number }>;
    const audit = (await get('/api/v1/audit-events')).json() as Array<{ id: number }>;
    const cases: Array<[string, unknown]> = [
      ['users', carolId],
      ['groups', group.json().id],
      ['service-accounts', account.json().id],
      ['access-rules', rules[0]?.id],
      ['audit-events', audit[0]?.id],
      ['repositories', ids['team/api']],
      ['tags', 'secret/keys:0.9.0'],
      ['events', 'event-1'],
    ];
    for (const [resource, id] of cases) {
      expect(id, resource).toBeDefined();
      const response = await get(`/api/v1/${resource}?filter=${q({ id: [id] })}`);
      expect(response.statusCode, resource).toBe(200);
      expect(
        response.json().map((record: { id: unknown }) => record.id),
        resource,
      ).toEqual([id]);
    }
    const tags = await get(`/api/v1/tags?filter=${q({ id: ['team/api:latest', 'secret/keys:1.0.0', 'nocolon'] })}`);
    expect(tags.json().map((tag: { id: string }) => tag.id)).toEqual(['secret/keys:1.0.0', 'team/api:latest']);
    // What a user may not see stays out, asked by id or not.
    const hidden = await get(`/api/v1/tags?filter=${q({ id: ['secret/keys:latest', 'team/api:latest'] })}`, carol);
    expect(hidden.json().map((tag: { id: string }) => tag.id)).toEqual(['team/api:latest']);
    expect((await get(`/api/v1/tags?filter=${q({ id: [5] })}`)).statusCode).toBe(400);
  });

  it('lists a repository’s tags by its id and the tags that share digests', async () => {
    const byId = await get(`/api/v1/tags?filter=${q({ repositoryId: ids['team/api'] })}&sort=["version","DESC"]`);
    expect(byId.headers['content-range']).toBe('tags 0-2/3');
    expect(byId.json().map((tag: { name: string }) => tag.name)).toEqual(['latest', '1.0.0', '0.9.0']);
    const sharing = await get(`/api/v1/tags?filter=${q({ repository: 'team/api', digest: ['sha256:aa'] })}`);
    expect(sharing.json().map((tag: { name: string }) => tag.name)).toEqual(['1.0.0', 'latest']);
    const both = await get(`/api/v1/tags?filter=${q({ repository: 'team/api', digest: ['sha256:aa', 'sha256:bb'] })}`);
    expect(both.json()).toHaveLength(3);
    const hidden = await get(`/api/v1/tags?filter=${q({ repositoryId: ids['secret/keys'] })}`, carol);
    expect(hidden.json()).toEqual([]);
  });

  it('drops read-only and unknown fields on PUT', async () => {
    const user = (await get(`/api/v1/users/${carolId}`)).json();
    const updated = await t.app.inject({
      method: 'PUT',
      url: `/api/v1/users/${carolId}`,
      headers: adminAuth(),
      payload: { ...user, name: 'Carol', createdAt: 'whatever', lastLoginAt: null, groupNames: ['x'] },
    });
    expect(updated.statusCode).toBe(200);
    expect(updated.json()).toMatchObject({ id: carolId, name: 'Carol', createdAt: user.createdAt });
    const group = (await get('/api/v1/groups')).json()[0];
    const groupPut = await t.app.inject({
      method: 'PUT',
      url: `/api/v1/groups/${group.id}`,
      headers: adminAuth(),
      payload: { ...group, description: 'operators', memberNames: [], updatedAt: 5 },
    });
    expect(groupPut.statusCode).toBe(200);
    expect(groupPut.json().description).toBe('operators');
    const account = (await get('/api/v1/service-accounts')).json()[0];
    const accountPut = await t.app.inject({
      method: 'PUT',
      url: `/api/v1/service-accounts/${account.id}`,
      headers: adminAuth(),
      payload: { ...account, description: 'builds', secretHint: 'x' },
    });
    expect(accountPut.statusCode).toBe(200);
    const rule = (await get('/api/v1/access-rules')).json()[0];
    const rulePut = await t.app.inject({
      method: 'PUT',
      url: `/api/v1/access-rules/${rule.id}`,
      headers: adminAuth(),
      payload: { ...rule, description: 'carol reads team', subjectName: 'carol' },
    });
    expect(rulePut.statusCode).toBe(200);
    // A field that is not read-only is still checked, and the id in the body must match the URL.
    const bad = await t.app.inject({
      method: 'PUT',
      url: `/api/v1/groups/${group.id}`,
      headers: adminAuth(),
      payload: { ...group, name: '!' },
    });
    expect(bad.statusCode).toBe(400);
    const wrongId = await t.app.inject({
      method: 'PUT',
      url: `/api/v1/groups/${group.id}`,
      headers: adminAuth(),
      payload: { ...group, id: group.id + 1 },
    });
    expect(wrongId.statusCode).toBe(400);
  });

  it('answers every DELETE with the deleted record’s id', async () => {
    const made = {
      users: (await createUser(t.app, 'gone', 'gone-password-1')) as number,
      groups: (
        await t.app.inject({ method: 'POST', url: '/api/v1/groups', headers: adminAuth(), payload: { name: 'x' } })
      ).json().id as number,
      'service-accounts': (
        await t.app.inject({
          method: 'POST',
          url: '/api/v1/service-accounts',
          headers: adminAuth(),
          payload: { name: 'y' },
        })
      ).json().id as number,
      'access-rules': await createRule(t.app, { subjectType: 'registered', pattern: 'x/*', actions: ['pull'] }),
    };
    for (const [resource, id] of Object.entries(made)) {
      const response = await t.app.inject({ method: 'DELETE', url: `/api/v1/${resource}/${id}`, headers: adminAuth() });
      expect(response.statusCode, resource).toBe(200);
      expect(response.json().id, resource).toBe(id);
    }
  });

  it('puts the message on top and the field error where react-admin shows it', async () => {
    const invalid = await t.app.inject({
      method: 'POST',
      url: '/api/v1/groups',
      headers: adminAuth(),
      payload: { name: '!bad' },
    });
    expect(invalid.statusCode).toBe(400);
    const body = invalid.json();
    expect(body.error).toMatchObject({ code: 'ERR_VALIDATION', field: 'name' });
    expect(body.message).toBe(body.error.message);
    expect(body.message).toMatch(/^name: /);
    expect(body.errors).toEqual({ name: body.message.slice('name: '.length) });
    const conflict = await t.app.inject({
      method: 'POST',
      url: '/api/v1/groups',
      headers: adminAuth(),
      payload: { name: 'ops' },
    });
    expect(conflict.statusCode).toBe(409);
    expect(conflict.json().message).toBe(conflict.json().error.message);
    const missing = await get('/api/v1/nothing-here');
    expect(missing.json()).toMatchObject({
      message: 'no route GET /api/v1/nothing-here',
      error: { code: 'ERR_NOT_FOUND' },
    });
    const forbidden = await get('/api/v1/users', carol);
    expect(forbidden.statusCode).toBe(403);
    expect(forbidden.json().message).toBe(forbidden.json().error.message);
    expect(forbidden.json().errors).toBeUndefined();
  });

  it('shows a repository’s activity to whoever may see the repository', async () => {
    const events = await get(`/api/v1/repositories/${ids['team/api']}/events`, carol);
    expect(events.statusCode).toBe(200);
    expect(events.json().map((event: { id: string }) => event.id)).toEqual(['event-2', 'event-0']);
    expect(events.headers['content-range']).toBe('events 0-1/2');
    expect((await get(`/api/v1/repositories/${ids['secret/keys']}/events`, carol)).statusCode).toBe(404);
    // The activity log takes several actions at once (the dashboard's pushes and deletes).
    const pushes = await get(`/api/v1/events?filter=${q({ action: ['delete'] })}`);
    expect(pushes.json().map((event: { id: string }) => event.id)).toEqual(['event-2']);
  });

  it('tells the dashboard whether a registry is configured, and the account count to admins only', async () => {
    const admin = await get('/api/v1/registry/status');
    expect(admin.statusCode).toBe(200);
    expect(admin.json()).toMatchObject({ configured: false, reachable: null });
    expect(admin.json().users).toBeGreaterThanOrEqual(2);
    expect((await get('/api/v1/registry/status', carol)).json().users).toBeNull();
  });
});
