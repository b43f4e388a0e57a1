/**
 * What a personal access token may not do on the API: make or replace credentials (tokens, passwords, accounts,
 * service-account secrets, roles, re-enabled accounts) or manage the caller's sign-ins. Those need a UI session or HTTP Basic with the password,
 * so a short-lived or stolen token cannot turn itself into a lasting credential. Other admin work stays open to a
 * token that is not read-only.
 */
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_PASSWORD, adminAuth, basic, createTestApp, createUser, type TestApp } from './fixture';

type Headers = Record<string, string>;
type Method = 'POST' | 'PUT' | 'DELETE';

describe('personal access tokens cannot mint or manage credentials', () => {
  let t: TestApp;
  let kimId: number;
  let counter = 0;
  const unique = (prefix: string) => `${prefix}-${++counter}`;

  beforeAll(async () => {
    t = await createTestApp();
    kimId = await createUser(t.app, 'kim', 'kim-password');
  });
  afterAll(() => t.close());

  async function adminPat(): Promise<string> {
    const created = await t.app.inject({
      method: 'POST',
      url: '/api/v1/tokens',
      headers: adminAuth(),
      payload: { name: unique('script') },
    });
    expect(created.statusCode).toBe(201);
    return created.json().token as string;
  }

  async function adminSession(): Promise<Headers> {
    const response = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { login: 'admin', password: ADMIN_PASSWORD },
    });
    expect(response.statusCode).toBe(200);
    const cookie = String(response.headers['set-cookie']).split(';')[0] as string;
    return { cookie, 'x-csrf-token': response.json().csrfToken as string };
  }

  const send = (method: Method, url: string, headers: Headers, payload?: Record<string, unknown>) =>
    t.app.inject({ method, url, headers, ...(payload ? { payload } : {}) });

  type Send = (headers: Headers) => Promise<LightMyRequestResponse>;
  /** Each change that needs a session or the password; `prepare` sets up what it acts on and returns the request. */
  const guarded: Array<{ name: string; prepare(): Promise<Send> }> = [
    {
      name: 'create a personal access token',
      prepare: async () => (headers) => send('POST', '/api/v1/tokens', headers, { name: unique('minted') }),
    },
    {
      name: 'revoke a personal access token',
      async prepare() {
        const victim = await t.app.inject({
          method: 'POST',
          url: '/api/v1/tokens',
          headers: adminAuth(),
          payload: { name: unique('victim') },
        });
        return (headers) => send('DELETE', `/api/v1/tokens/${victim.json().id}`, headers);
      },
    },
    {
      name: 'sign out a registry client',
      async prepare() {
        const login = await t.app.inject({
          url: `/api/v1/registry/auth?service=container_registry&offline_token=true&client_id=${unique('docker')}`,
          headers: adminAuth(),
        });
        expect(login.json().refresh_token).toBeDefined();
        const clients = await t.services.store.tokens.list({ filter: { kind: 'refresh' }, sort: ['id', 'DESC'] });
        return (headers) => send('DELETE', `/api/v1/clients/${clients.items[0]?.id}`, headers);
      },
    },
    {
      name: 'sign out everywhere',
      prepare: async () => (headers) => send('POST', '/api/v1/auth/logout-everywhere', headers),
    },
    {
      name: 'set a password',
      prepare: async () => (headers) =>
        send('PUT', `/api/v1/users/${kimId}`, headers, { password: unique('kim-password') }),
    },
    {
      name: 'change a role',
      async prepare() {
        const id = await createUser(t.app, unique('promoted'), 'promoted-password');
        return (headers) => send('PUT', `/api/v1/users/${id}`, headers, { role: 'admin' });
      },
    },
    {
      name: 're-enable an account',
      async prepare() {
        const id = await createUser(t.app, unique('revived'), 'revived-password');
        await t.services.store.users.update(id, { disabled: true });
        await t.services.access.refresh();
        return (headers) => send('PUT', `/api/v1/users/${id}`, headers, { disabled: false });
      },
    },
    {
      name: 'create an account',
      prepare: async () => (headers) =>
        send('POST', '/api/v1/users', headers, { login: unique('new'), password: 'new-password-1' }),
    },
    {
      name: 'create a service account',
      prepare: async () => (headers) => send('POST', '/api/v1/service-accounts', headers, { name: unique('bot') }),
    },
    {
      name: 'make a service-account secret',
      async prepare() {
        const account = await t.services.store.serviceAccounts.create({ name: unique('rotated'), secretHash: 'x' });
        await t.services.access.refresh();
        return (headers) => send('POST', `/api/v1/service-accounts/${account.id}/secret`, headers);
      },
    },
  ];

  for (const change of guarded) {
    describe(change.name, () => {
      it('is refused with a personal access token, as Bearer and as the Basic password, changing nothing', async () => {
        const pat = await adminPat();
        for (const headers of [{ authorization: `Bearer ${pat}` }, { authorization: basic('admin', pat) }]) {
          const run = await change.prepare();
          const before = await t.services.store.revision();
          const audited = (await t.services.store.audit.list({})).total;
          const response = await run(headers);
          expect(response.statusCode, response.body).toBe(403);
          expect(response.json().error.code).toBe('ERR_FORBIDDEN');
          expect(response.json().error.message).toMatch(
            /^a personal access token cannot .+: sign in, or use HTTP Basic/,
          );
          expect(response.body).not.toMatch(/ra_(pat|sa|rt)_/);
          expect(await t.services.store.revision()).toBe(before);
          expect((await t.services.store.audit.list({})).total).toBe(audited);
        }
      });

      it('is allowed with a UI session and with HTTP Basic and the password', async () => {
        for (const headers of [await adminSession(), adminAuth()]) {
          const response = await (await change.prepare())(headers);
          expect([200, 201], response.body).toContain(response.statusCode);
        }
      });
    });
  }

  it('keeps other admin work open to a token that is not read-only', async () => {
    const bearer = { authorization: `Bearer ${await adminPat()}` };
    expect((await send('PUT', `/api/v1/users/${kimId}`, bearer, { name: 'Kim' })).statusCode).toBe(200);
    const group = await send('POST', '/api/v1/groups', bearer, { name: unique('team') });
    expect(group.statusCode).toBe(201);
    const rule = await send('POST', '/api/v1/access-rules', bearer, {
      subjectType: 'group',
      subjectId: group.json().id,
      pattern: 'team/**',
      actions: ['pull'],
    });
    expect(rule.statusCode).toBe(201);
    const account = await t.services.store.serviceAccounts.create({ name: unique('managed'), secretHash: 'x' });
    await t.services.access.refresh();
    const update = await send('PUT', `/api/v1/service-accounts/${account.id}`, bearer, { description: 'by script' });
    expect(update.statusCode).toBe(200);
    expect((await send('DELETE', `/api/v1/service-accounts/${account.id}`, bearer)).statusCode).toBe(200);
    // The whole record sent back unchanged (as the UI does) keeps its role: no role change, nothing refused.
    expect((await send('PUT', `/api/v1/users/${kimId}`, bearer, { name: 'Kim K', role: 'user' })).statusCode).toBe(200);
    expect((await send('PUT', `/api/v1/users/${kimId}`, bearer, { disabled: true })).statusCode).toBe(200);
  });
});
