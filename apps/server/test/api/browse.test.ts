/**
 * Browsing the index through the API: what a non-admin sees is limited to repositories they may pull, in lists,
 * counts, searches and details; who-can-access for admins and managers; tag order by version; cross-repository search.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminAuth, basic, createRule, createTestApp, createUser, type TestApp } from './fixture';

describe('browsing API', () => {
  let t: TestApp;
  const ids: Record<string, number> = {};
  const carol = { authorization: basic('carol', 'carol-password') };
  const mallory = { authorization: basic('mallory', 'mallory-password') };
  const manager = { authorization: basic('manny', 'manny-password') };

  beforeAll(async () => {
    t = await createTestApp();
    const { index } = t.services.store;
    for (const name of ['team/api', 'team/web', 'secret/keys', 'carol/tools', 'public/base']) {
      const id = await index.ensureRepository(name);
      ids[name] = id;
      await index.putManifest(id, {
        digest: 'sha256:aa',
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        size: 100,
        created: null,
        platforms: [{ os: 'linux', architecture: 'amd64' }],
        blobs: [['sha256:layer', 100]],
      });
      await index.applyTags(
        id,
        ['latest', '1.10.0', '1.9.0', '1.10.0-rc.1'].map((tag) => ({ name: tag, digest: 'sha256:aa' })),
      );
    }
    const carolId = await createUser(t.app, 'carol', 'carol-password');
    await createUser(t.app, 'mallory', 'mallory-password');
    await createUser(t.app, 'manny', 'manny-password', { role: 'manager' });
    const group = await t.app.inject({
      method: 'POST',
      url: '/api/v1/groups',
      headers: adminAuth(),
      payload: { name: 'team', members: [carolId] },
    });
    await createRule(t.app, {
      subjectType: 'group',
      subjectId: group.json().id,
      pattern: 'team/*',
      actions: ['pull', 'push'],
    });
    await createRule(t.app, { subjectType: 'registered', pattern: '{user}/**', actions: ['*'] });
    await createRule(t.app, { subjectType: 'everyone', pattern: 'public/*', actions: ['pull'] });
  });
  afterAll(() => t.close());

  const get = (url: string, headers: Record<string, string>) => t.app.inject({ method: 'GET', url, headers });
  const q = (value: unknown) => encodeURIComponent(JSON.stringify(value));

  it('lists, counts and searches only the repositories a user may pull', async () => {
    const list = await get('/api/v1/repositories?sort=["name","ASC"]', carol);
    expect(list.statusCode).toBe(200);
    expect(list.json().map((r: { name: string }) => r.name)).toEqual([
      'carol/tools',
      'public/base',
      'team/api',
      'team/web',
    ]);
    expect(list.headers['content-range']).toBe('repositories 0-3/4');
    const searched = await get(`/api/v1/repositories?filter=${q({ q: 'b' })}`, carol);
    expect(
      searched
        .json()
        .map((r: { name: string }) => r.name)
        .sort(),
    ).toEqual(['public/base', 'team/web']);
    expect((await get('/api/v1/registry/stats', carol)).json()).toEqual({ repositories: 4, tags: 16, size: 400 });
    expect((await get('/api/v1/registry/stats', mallory)).json()).toEqual({ repositories: 1, tags: 4, size: 100 });
    expect((await get('/api/v1/registry/stats', manager)).json()).toMatchObject({ repositories: 5 });
    expect((await get('/api/v1/registry/stats', adminAuth())).json()).toMatchObject({ repositories: 5 });
    // Asking for a hidden repository by id, as a filter or by name gives nothing, as if it did not exist.
    expect((await get(`/api/v1/repositories/${ids['secret/keys']}`, carol)).statusCode).toBe(404);
    expect((await get(`/api/v1/repositories?filter=${q({ id: [ids['secret/keys']] })}`, carol)).json()).toEqual([]);
    expect((await get(`/api/v1/tags?filter=${q({ repository: 'secret/keys' })}`, carol)).json()).toEqual([]);
    expect((await get('/api/v1/tags/secret/keys:latest', carol)).statusCode).toBe(404);
    expect((await get('/api/v1/tags?range=[0,999]', mallory)).json().map((tag: { id: string }) => tag.id)).toEqual([
      'public/base:1.10.0',
      'public/base:1.10.0-rc.1',
      'public/base:1.9.0',
      'public/base:latest',
    ]);
    expect((await get('/api/v1/repositories', { authorization: 'Bearer nope' })).statusCode).toBe(401);
    expect((await get('/api/v1/repositories', {})).statusCode).toBe(401);
  });

  it('follows access changes at once', async () => {
    const rule = await createRule(t.app, {
      subjectType: 'user',
      subjectId: (await get('/api/v1/users?filter={"q":"mallory"}', adminAuth())).json()[0].id,
      pattern: 'secret/keys',
      actions: ['pull'],
    });
    expect((await get('/api/v1/registry/stats', mallory)).json().repositories).toBe(2);
    await t.app.inject({ method: 'DELETE', url: `/api/v1/access-rules/${rule}`, headers: adminAuth() });
    expect((await get('/api/v1/registry/stats', mallory)).json().repositories).toBe(1);
  });

  it('shows one repository with the caller’s own actions', async () => {
    const repo = await get(`/api/v1/repositories/${ids['team/api']}`, carol);
    expect(repo.json()).toMatchObject({ name: 'team/api', tagCount: 4, size: 100, actions: ['pull', 'push'] });
    expect((await get(`/api/v1/repositories/${ids['public/base']}`, mallory)).json().actions).toEqual(['pull']);
    expect((await get('/api/v1/repositories/abc', carol)).statusCode).toBe(400);
  });

  it('says who can access a repository, to admins and managers only', async () => {
    expect((await get(`/api/v1/repositories/${ids['team/api']}/access`, carol)).statusCode).toBe(403);
    const access = (await get(`/api/v1/repositories/${ids['carol/tools']}/access`, manager)).json();
    expect(access.repository).toBe('carol/tools');
    expect(access.admins).toEqual(['admin']);
    expect(access.entries).toEqual([
      expect.objectContaining({
        subject: { type: 'registered' },
        ownName: 'carol',
        actions: ['pull', 'push', 'delete'],
      }),
    ]);
    const team = (await get(`/api/v1/repositories/${ids['team/api']}/access`, adminAuth())).json();
    expect(team.entries).toEqual([
      expect.objectContaining({
        subject: { type: 'group', id: expect.any(Number), name: 'team' },
        actions: ['pull', 'push'],
      }),
    ]);
  });

  it('orders tags by version and searches tags across repositories', async () => {
    const byVersion = await get(`/api/v1/tags?filter=${q({ repository: 'team/api' })}&sort=["version","DESC"]`, carol);
    expect(byVersion.json().map((tag: { name: string }) => tag.name)).toEqual([
      'latest',
      '1.10.0',
      '1.10.0-rc.1',
      '1.9.0',
    ]);
    const search = await get(`/api/v1/tags?filter=${q({ q: 'api:1.9' })}`, adminAuth());
    expect(search.json().map((tag: { id: string }) => tag.id)).toEqual(['team/api:1.9.0']);
    expect((await get('/api/v1/tags?sort=["digest","ASC"]', carol)).statusCode).toBe(400);
    expect((await get(`/api/v1/tags?filter=${q({ repository: 5 })}`, carol)).statusCode).toBe(400);
  });

  it('answers tag detail without a registry with a clear 409, and malformed targets with 400', async () => {
    const detail = await get('/api/v1/tags/team/api:latest', carol);
    expect(detail.statusCode).toBe(409);
    expect(detail.json().error.message).toMatch(/--registry.host/);
    expect((await get('/api/v1/tags/team/api', carol)).statusCode).toBe(400);
    expect((await get('/api/v1/tags/Team/api:latest', carol)).statusCode).toBe(400);
  });
  it('says when a search total is estimated (very many matches), and only then', async () => {
    const { index } = t.services.store;
    const id = await index.ensureRepository('many/app');
    await index.putManifest(id, {
      digest: 'sha256:bb',
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      size: 1,
      created: null,
      platforms: [],
      blobs: [],
    });
    await index.applyTags(
      id,
      Array.from({ length: 3000 }, (_, i) => ({ name: `build-${i}`, digest: 'sha256:bb' })),
    );
    const many = await get(`/api/v1/tags?filter=${q({ q: 'many/app:build-' })}&range=[0,9]`, adminAuth());
    expect(many.statusCode).toBe(200);
    expect(many.json()).toHaveLength(10);
    expect(many.headers['x-total-estimated']).toBe('true');
    expect(many.headers['access-control-expose-headers']).toContain('X-Total-Estimated');
    const total = Number(String(many.headers['content-range']).split('/')[1]);
    expect(total).toBeGreaterThan(2000);
    const few = await get(`/api/v1/tags?filter=${q({ q: 'many/app:build-29' })}`, adminAuth());
    expect([few.headers['content-range'], few.headers['x-total-estimated']]).toEqual(['tags 0-24/111', undefined]);
    await index.removeRepositories(['many/app']);
  });
});
