import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_PASSWORD, adminAuth, basic, createRule, createTestApp, createUser, type TestApp } from './fixture';

function sessionCookie(setCookie: string | string[] | undefined): string {
  const header = Array.isArray(setCookie) ? setCookie[0] : setCookie;
  const match = /ra_session=([^;]*)/.exec(header ?? '');
  if (!match?.[1]) throw new Error(`no session cookie in ${String(header)}`);
  return `ra_session=${match[1]}`;
}

describe('REST API', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  const login = async (loginName: string, password: string) => {
    const response = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { login: loginName, password },
    });
    return response;
  };

  describe('health', () => {
    it('answers /healthz and /readyz', async () => {
      expect((await t.app.inject({ url: '/healthz' })).statusCode).toBe(200);
      expect((await t.app.inject({ url: '/readyz' })).json()).toEqual({
        status: 'ready',
        checks: [{ name: 'store', ok: true, required: true }],
      });
    });
  });

  describe('sessions', () => {
    it('logs in with an HttpOnly SameSite cookie, answers /me, and logout revokes it server-side', async () => {
      const response = await login('admin', ADMIN_PASSWORD);
      expect(response.statusCode).toBe(200);
      const setCookie = String(response.headers['set-cookie']);
      expect(setCookie).toMatch(/HttpOnly/i);
      expect(setCookie).toMatch(/SameSite=Strict/i);
      expect(response.json().user.login).toBe('admin');
      expect(JSON.stringify(response.json())).not.toMatch(/argon2|passwordHash/);
      const cookie = sessionCookie(response.headers['set-cookie']);

      const me = await t.app.inject({ url: '/api/v1/auth/me', headers: { cookie } });
      expect(me.statusCode).toBe(200);
      expect(me.json().user.role).toBe('admin');

      const csrfToken = response.json().csrfToken as string;
      expect(me.json().csrfToken).toBe(csrfToken);
      const withoutCsrf = await t.app.inject({ method: 'POST', url: '/api/v1/auth/logout', headers: { cookie } });
      expect(withoutCsrf.statusCode).toBe(403);
      const logout = await t.app.inject({
        method: 'POST',
        url: '/api/v1/auth/logout',
        headers: { cookie, 'x-csrf-token': csrfToken },
      });
      expect(logout.statusCode).toBe(204);
      // The same cookie, replayed after logout, no longer works.
      expect((await t.app.inject({ url: '/api/v1/auth/me', headers: { cookie } })).statusCode).toBe(401);
    });

    it('refuses wrong passwords with 401 and validates the body', async () => {
      expect((await login('admin', 'wrong-password')).statusCode).toBe(401);
      expect((await login('ghost', 'wrong-password')).statusCode).toBe(401);
      const bad = await t.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { login: 'admin' } });
      expect(bad.statusCode).toBe(400);
      expect(bad.json().error.field).toBe('password');
    });

    it("ends a disabled user's session on the next request", async () => {
      const id = await createUser(t.app, 'sess-user', 'sess-password');
      const cookie = sessionCookie((await login('sess-user', 'sess-password')).headers['set-cookie']);
      expect((await t.app.inject({ url: '/api/v1/auth/me', headers: { cookie } })).statusCode).toBe(200);
      await t.app.inject({
        method: 'PUT',
        url: `/api/v1/users/${id}`,
        headers: adminAuth(),
        payload: { disabled: true },
      });
      expect((await t.app.inject({ url: '/api/v1/auth/me', headers: { cookie } })).statusCode).toBe(401);
    });

    it('refuses cookie-authenticated writes without the CSRF token, or from another origin', async () => {
      const signedIn = await login('admin', ADMIN_PASSWORD);
      const cookie = sessionCookie(signedIn.headers['set-cookie']);
      const csrfToken = signedIn.json().csrfToken as string;
      const response = await t.app.inject({
        method: 'POST',
        url: '/api/v1/groups',
        headers: { cookie, origin: 'https://evil.example', host: 'localhost:8080', 'x-csrf-token': csrfToken },
        payload: { name: 'evil' },
      });
      expect(response.statusCode).toBe(403);
      for (const headers of [{ cookie }, { cookie, 'x-csrf-token': `${csrfToken.slice(0, -2)}xx` }]) {
        const refused = await t.app.inject({
          method: 'POST',
          url: '/api/v1/groups',
          headers,
          payload: { name: 'evil' },
        });
        expect(refused.statusCode).toBe(403);
      }
      const allowed = await t.app.inject({
        method: 'POST',
        url: '/api/v1/groups',
        headers: { cookie, 'x-csrf-token': csrfToken },
        payload: { name: 'csrf-ok' },
      });
      expect(allowed.statusCode).toBe(201);
      const groups = await t.app.inject({ url: '/api/v1/groups?filter={"q":"evil"}', headers: adminAuth() });
      expect(groups.json()).toEqual([]);
    });
  });

  describe('users', () => {
    it('creates users without ever returning a password hash', async () => {
      const response = await t.app.inject({
        method: 'POST',
        url: '/api/v1/users',
        headers: adminAuth(),
        payload: { login: 'gina', password: 'gina-password', email: 'gina@example.com', name: 'Gina' },
      });
      expect(response.statusCode).toBe(201);
      expect(response.json()).toMatchObject({ login: 'gina', role: 'user', disabled: false });
      expect(response.body).not.toMatch(/argon2|passwordHash|password_hash|gina-password/i);
      const list = await t.app.inject({ url: '/api/v1/users', headers: adminAuth() });
      expect(list.body).not.toMatch(/argon2|passwordHash/);
    });

    it('lists with sort, range, q and id filters and a Content-Range header', async () => {
      for (const name of ['list-a', 'list-b', 'list-c']) await createUser(t.app, name, 'list-password');
      const response = await t.app.inject({
        url: `/api/v1/users?sort=${encodeURIComponent('["login","DESC"]')}&range=[0,1]&filter=${encodeURIComponent('{"q":"list-"}')}`,
        headers: adminAuth(),
      });
      expect(response.statusCode).toBe(200);
      expect(response.json().map((u: { login: string }) => u.login)).toEqual(['list-c', 'list-b']);
      expect(response.headers['content-range']).toBe('users 0-1/3');
      const ids = response.json().map((u: { id: number }) => u.id);
      const many = await t.app.inject({
        url: `/api/v1/users?filter=${encodeURIComponent(JSON.stringify({ id: ids }))}`,
        headers: adminAuth(),
      });
      expect(many.json()).toHaveLength(2);
    });

    it('rejects bad list queries with 400 naming the parameter', async () => {
      for (const [query, field] of [
        ['sort=["passwordHash","ASC"]', 'sort'],
        ['sort=[1;DROP TABLE users]', 'sort'],
        ['range=[5,1]', 'range'],
        ['filter={"nope":1}', 'filter'],
      ] as const) {
        const response = await t.app.inject({ url: `/api/v1/users?${query}`, headers: adminAuth() });
        expect(response.statusCode, query).toBe(400);
        expect(response.json().error.field, query).toBe(field);
      }
    });

    it('validates fields with 400 naming the field, and conflicts with 409', async () => {
      const bad = await t.app.inject({
        method: 'POST',
        url: '/api/v1/users',
        headers: adminAuth(),
        payload: { login: 'Bad Login', password: 'long-enough' },
      });
      expect(bad.statusCode).toBe(400);
      expect(bad.json().error.field).toBe('login');
      const short = await t.app.inject({
        method: 'POST',
        url: '/api/v1/users',
        headers: adminAuth(),
        payload: { login: 'shorty', password: 'short' },
      });
      expect(short.json().error.field).toBe('password');
      const dup = await t.app.inject({
        method: 'POST',
        url: '/api/v1/users',
        headers: adminAuth(),
        payload: { login: 'admin', password: 'long-enough' },
      });
      expect(dup.statusCode).toBe(409);
    });

    it('keeps the password when a PUT carries none (react-admin sends the whole record)', async () => {
      const id = await createUser(t.app, 'henry', 'henry-password');
      const record = (await t.app.inject({ url: `/api/v1/users/${id}`, headers: adminAuth() })).json();
      const put = await t.app.inject({
        method: 'PUT',
        url: `/api/v1/users/${id}`,
        headers: adminAuth(),
        payload: { ...record, name: 'Henry' },
      });
      expect(put.statusCode, put.body).toBe(200);
      expect(put.json().name).toBe('Henry');
      expect((await login('henry', 'henry-password')).statusCode).toBe(200);
    });

    it('never deletes, disables or demotes the last admin', async () => {
      const admin = (await t.app.inject({ url: '/api/v1/users?filter={"q":"admin"}', headers: adminAuth() }))
        .json()
        .find((u: { login: string }) => u.login === 'admin');
      for (const request of [
        { method: 'DELETE' as const, payload: undefined },
        { method: 'PUT' as const, payload: { disabled: true } },
        { method: 'PUT' as const, payload: { role: 'user' } },
      ]) {
        const response = await t.app.inject({
          method: request.method,
          url: `/api/v1/users/${admin.id}`,
          headers: adminAuth(),
          ...(request.payload ? { payload: request.payload } : {}),
        });
        expect(response.statusCode).toBe(409);
      }
      expect((await login('admin', ADMIN_PASSWORD)).statusCode).toBe(200);
    });

    it('requires a session or credentials, and the admin role to write', async () => {
      expect((await t.app.inject({ url: '/api/v1/users' })).statusCode).toBe(401);
      await createUser(t.app, 'ivan', 'ivan-password');
      const asUser = { authorization: basic('ivan', 'ivan-password') };
      expect((await t.app.inject({ url: '/api/v1/users', headers: asUser })).statusCode).toBe(403);
      await createUser(t.app, 'mgr', 'mgr-password', { role: 'manager' });
      const asManager = { authorization: basic('mgr', 'mgr-password') };
      expect((await t.app.inject({ url: '/api/v1/users', headers: asManager })).statusCode).toBe(200);
      const write = await t.app.inject({
        method: 'POST',
        url: '/api/v1/users',
        headers: asManager,
        payload: { login: 'x-user', password: 'x-password' },
      });
      expect(write.statusCode).toBe(403);
      expect(
        (await t.app.inject({ url: '/api/v1/users', headers: { authorization: basic('ivan', 'nope') } })).statusCode,
      ).toBe(401);
    });

    it('answers 404 for unknown ids and 400 for malformed ones', async () => {
      expect((await t.app.inject({ url: '/api/v1/users/99999', headers: adminAuth() })).statusCode).toBe(404);
      expect((await t.app.inject({ url: '/api/v1/users/abc', headers: adminAuth() })).statusCode).toBe(400);
      const body = await t.app.inject({
        method: 'POST',
        url: '/api/v1/users',
        headers: { ...adminAuth(), 'content-type': 'application/json' },
        payload: '{not json',
      });
      expect(body.statusCode).toBe(400);
    });
  });

  describe('groups and access rules', () => {
    it('validates rule patterns and subjects', async () => {
      const bad = await t.app.inject({
        method: 'POST',
        url: '/api/v1/access-rules',
        headers: adminAuth(),
        payload: { subjectType: 'everyone', pattern: 'UPPER/***', actions: ['pull'] },
      });
      expect(bad.statusCode).toBe(400);
      expect(bad.json().error.field).toBe('pattern');
      const noSubject = await t.app.inject({
        method: 'POST',
        url: '/api/v1/access-rules',
        headers: adminAuth(),
        payload: { subjectType: 'user', subjectId: 424242, pattern: 'a/b', actions: ['pull'] },
      });
      expect(noSubject.statusCode).toBe(400);
      const badAction = await t.app.inject({
        method: 'POST',
        url: '/api/v1/access-rules',
        headers: adminAuth(),
        payload: { subjectType: 'everyone', pattern: 'a/b', actions: ['steal'] },
      });
      expect(badAction.json().error.field).toBe('actions.0');
    });

    it('explains a decision through /access-check', async () => {
      const uid = await createUser(t.app, 'judy', 'judy-password');
      const group = await t.app.inject({
        method: 'POST',
        url: '/api/v1/groups',
        headers: adminAuth(),
        payload: { name: 'Judy Team', members: [uid] },
      });
      expect(group.statusCode).toBe(201);
      const ruleId = await createRule(t.app, {
        subjectType: 'group',
        subjectId: group.json().id,
        pattern: 'judy-team/**',
        actions: ['pull', 'push'],
      });
      const response = await t.app.inject({
        url: '/api/v1/access-check?user=judy&scope=repository:judy-team/app:pull,push,delete',
        headers: adminAuth(),
      });
      expect(response.statusCode).toBe(200);
      const [decision] = response.json().decisions;
      expect(decision.granted).toEqual(['pull', 'push']);
      expect(decision.denied).toEqual(['delete']);
      expect(decision.reasons.map((r: { ruleId: string }) => r.ruleId)).toContain(String(ruleId));

      const anonymous = await t.app.inject({
        url: '/api/v1/access-check?scope=repository:judy-team/app:pull',
        headers: adminAuth(),
      });
      expect(anonymous.json().decisions[0].granted).toEqual([]);
      const badScope = await t.app.inject({ url: '/api/v1/access-check?user=judy&scope=x', headers: adminAuth() });
      expect(badScope.statusCode).toBe(400);
    });

    it('deleting a group removes its rules and memberships', async () => {
      const group = (
        await t.app.inject({ method: 'POST', url: '/api/v1/groups', headers: adminAuth(), payload: { name: 'temp' } })
      ).json();
      const ruleId = await createRule(t.app, {
        subjectType: 'group',
        subjectId: group.id,
        pattern: 'tmp/*',
        actions: ['pull'],
      });
      const deleted = await t.app.inject({ method: 'DELETE', url: `/api/v1/groups/${group.id}`, headers: adminAuth() });
      expect(deleted.statusCode).toBe(200);
      expect(deleted.json().name).toBe('temp');
      expect((await t.app.inject({ url: `/api/v1/access-rules/${ruleId}`, headers: adminAuth() })).statusCode).toBe(
        404,
      );
    });
  });
});
