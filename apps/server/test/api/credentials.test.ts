import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminAuth, basic, createRule, createTestApp, createUser, decodeJwt, type TestApp } from './fixture';

const SERVICE = 'container_registry';

describe('machine credentials', () => {
  let t: TestApp;
  let userId: number;
  const userAuth = { authorization: basic('kim', 'kim-password') };

  beforeAll(async () => {
    t = await createTestApp();
    userId = await createUser(t.app, 'kim', 'kim-password');
    await createRule(t.app, { subjectType: 'user', subjectId: userId, pattern: 'kim/**', actions: ['pull', 'push'] });
  });
  afterAll(() => t.close());

  const tokenRequest = (query: string, headers: Record<string, string> = {}) =>
    t.app.inject({ url: `/api/v1/registry/auth?service=${SERVICE}&${query}`, headers });
  const grantedActions = async (query: string, headers: Record<string, string>) => {
    const response = await tokenRequest(query, headers);
    expect(response.statusCode, response.body).toBe(200);
    return (decodeJwt(response.json().token).payload.access as Array<{ actions: string[] }>)[0]?.actions;
  };
  const refreshGrant = (refreshToken: string, scope = 'repository:kim/app:pull') =>
    t.app.inject({
      method: 'POST',
      url: '/api/v1/registry/auth',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({
        grant_type: 'refresh_token',
        refresh_token: refreshToken,
        service: SERVICE,
        client_id: 'docker',
        scope,
      }).toString(),
    });

  describe('service accounts', () => {
    let accountId: number;
    let secret: string;

    it('shows the secret once and authenticates with it under its own rules', async () => {
      const created = await t.app.inject({
        method: 'POST',
        url: '/api/v1/service-accounts',
        headers: adminAuth(),
        payload: { name: 'ci-bot', description: 'builds' },
      });
      expect(created.statusCode).toBe(201);
      secret = created.json().secret;
      accountId = created.json().id;
      expect(secret).toMatch(/^ra_sa_/);
      const listed = await t.app.inject({ url: '/api/v1/service-accounts', headers: adminAuth() });
      expect(listed.body).not.toContain(secret);
      await createRule(t.app, {
        subjectType: 'service-account',
        subjectId: accountId,
        pattern: 'ci/*',
        actions: ['pull', 'push'],
      });
      expect(
        await grantedActions('scope=repository:ci/app:pull,push', { authorization: basic('ci-bot', secret) }),
      ).toEqual(['pull', 'push']);
      const { payload } = decodeJwt((await tokenRequest('', { authorization: basic('ci-bot', secret) })).json().token);
      expect(payload.sub).toBe('ci-bot');
      expect(await grantedActions('scope=repository:kim/app:pull', { authorization: basic('ci-bot', secret) })).toEqual(
        [],
      );
    });

    it('refuses wrong secrets, other names and the API', async () => {
      expect((await tokenRequest('', { authorization: basic('ci-bot', `${secret}x`) })).statusCode).toBe(401);
      expect((await tokenRequest('', { authorization: basic('kim', secret) })).statusCode).toBe(401);
      expect(
        (await t.app.inject({ url: '/api/v1/auth/me', headers: { authorization: basic('ci-bot', secret) } }))
          .statusCode,
      ).toBe(403);
      const login = await t.app.inject({
        method: 'POST',
        url: '/api/v1/auth/login',
        payload: { login: 'ci-bot', password: secret },
      });
      expect(login.statusCode).toBe(401);
    });

    it('rotates the secret, and a disabled or expired account is refused', async () => {
      const rotated = await t.app.inject({
        method: 'POST',
        url: `/api/v1/service-accounts/${accountId}/secret`,
        headers: adminAuth(),
      });
      const fresh = rotated.json().secret as string;
      expect(fresh).not.toBe(secret);
      expect((await tokenRequest('', { authorization: basic('ci-bot', secret) })).statusCode).toBe(401);
      expect((await tokenRequest('', { authorization: basic('ci-bot', fresh) })).statusCode).toBe(200);
      await t.app.inject({
        method: 'PUT',
        url: `/api/v1/service-accounts/${accountId}`,
        headers: adminAuth(),
        payload: { disabled: true },
      });
      expect((await tokenRequest('', { authorization: basic('ci-bot', fresh) })).statusCode).toBe(401);
      await t.services.store.serviceAccounts.update(accountId, {
        disabled: false,
        expiresAt: new Date(Date.now() - 1000),
      });
      await t.services.access.refresh();
      expect((await tokenRequest('', { authorization: basic('ci-bot', fresh) })).statusCode).toBe(401);
      const past = await t.app.inject({
        method: 'POST',
        url: '/api/v1/service-accounts',
        headers: adminAuth(),
        payload: { name: 'old', expiresAt: '2001-01-01T00:00:00Z' },
      });
      expect(past.statusCode).toBe(400);
      expect(past.json().error.field).toBe('expiresAt');
    });
  });

  describe('personal access tokens', () => {
    it('are created by their owner, shown once, and work as the password and as Bearer', async () => {
      const created = await t.app.inject({
        method: 'POST',
        url: '/api/v1/tokens',
        headers: userAuth,
        payload: { name: 'laptop' },
      });
      expect(created.statusCode).toBe(201);
      const pat = created.json().token as string;
      expect(pat).toMatch(/^ra_pat_/);
      const listed = await t.app.inject({ url: '/api/v1/tokens', headers: userAuth });
      expect(listed.json()).toHaveLength(1);
      expect(listed.body).not.toContain(pat);
      expect(await grantedActions('scope=repository:kim/app:pull,push', { authorization: basic('kim', pat) })).toEqual([
        'pull',
        'push',
      ]);
      expect((await tokenRequest('', { authorization: basic('admin', pat) })).statusCode).toBe(401);
      const me = await t.app.inject({ url: '/api/v1/auth/me', headers: { authorization: `Bearer ${pat}` } });
      expect(me.json().user.login).toBe('kim');
      const revoke = await t.app.inject({
        method: 'DELETE',
        url: `/api/v1/tokens/${created.json().id}`,
        headers: userAuth,
      });
      expect(revoke.statusCode).toBe(200);
      expect((await tokenRequest('', { authorization: basic('kim', pat) })).statusCode).toBe(401);
      expect(
        (await t.app.inject({ url: '/api/v1/auth/me', headers: { authorization: `Bearer ${pat}` } })).statusCode,
      ).toBe(401);
    });

    it('limited to pull, never grant push and never write through the API', async () => {
      const created = await t.app.inject({
        method: 'POST',
        url: '/api/v1/tokens',
        headers: userAuth,
        payload: { name: 'ci pull', readOnly: true },
      });
      const pat = created.json().token as string;
      expect(await grantedActions('scope=repository:kim/app:pull,push', { authorization: basic('kim', pat) })).toEqual([
        'pull',
      ]);
      const write = await t.app.inject({
        method: 'POST',
        url: '/api/v1/tokens',
        headers: { authorization: `Bearer ${pat}` },
        payload: { name: 'escalate' },
      });
      expect(write.statusCode).toBe(403);
      // A read-only token never turns into a refresh token.
      const offline = await tokenRequest('offline_token=true&client_id=docker', { authorization: basic('kim', pat) });
      expect(offline.json().refresh_token).toBeUndefined();
    });

    it("are refused once expired, and users cannot see or revoke other users' tokens", async () => {
      const created = await t.app.inject({
        method: 'POST',
        url: '/api/v1/tokens',
        headers: userAuth,
        payload: { name: 'short' },
      });
      const { id, token: pat } = created.json() as { id: number; token: string };
      await t.services.store.db
        .updateTable('api_tokens')
        .set({ expires_at: '2001-01-01T00:00:00.000Z' })
        .where('id', '=', id)
        .execute();
      await t.services.access.refresh();
      expect((await tokenRequest('', { authorization: basic('kim', pat) })).statusCode).toBe(401);
      await createUser(t.app, 'lee', 'lee-password');
      const lee = { authorization: basic('lee', 'lee-password') };
      expect((await t.app.inject({ method: 'DELETE', url: `/api/v1/tokens/${id}`, headers: lee })).statusCode).toBe(
        404,
      );
      const peek = await t.app.inject({
        url: `/api/v1/tokens?filter=${encodeURIComponent(JSON.stringify({ userId }))}`,
        headers: lee,
      });
      expect(peek.statusCode).toBe(403);
      const admin = await t.app.inject({
        url: `/api/v1/tokens?filter=${encodeURIComponent(JSON.stringify({ userId }))}`,
        headers: adminAuth(),
      });
      expect(admin.json().length).toBeGreaterThan(0);
    });
  });

  describe('refresh tokens (docker login with offline_token=true)', () => {
    async function login(password = 'kim-password') {
      const response = await tokenRequest('account=kim&client_id=docker&offline_token=true', {
        authorization: basic('kim', password),
      });
      expect(response.statusCode).toBe(200);
      const refreshToken = response.json().refresh_token as string;
      expect(refreshToken).toMatch(/^ra_rt_/);
      return refreshToken;
    }

    it('keeps working with the same refresh token, shows the client, and stops when it is revoked', async () => {
      const refreshToken = await login();
      for (let i = 0; i < 2; i++) {
        const response = await refreshGrant(refreshToken, 'repository:kim/app:pull,push');
        expect(response.statusCode, response.body).toBe(200);
        expect(response.json().scope).toBe('repository:kim/app:pull,push');
        expect(decodeJwt(response.json().access_token).payload.sub).toBe('kim');
      }
      const clients = await t.app.inject({ url: '/api/v1/clients', headers: userAuth });
      const client = (clients.json() as Array<{ id: number; clientId: string }>).find((c) => c.clientId === 'docker');
      expect(client).toBeTruthy();
      expect(clients.body).not.toContain(refreshToken);
      await t.app.inject({ method: 'DELETE', url: `/api/v1/clients/${client?.id}`, headers: userAuth });
      const refused = await refreshGrant(refreshToken);
      expect(refused.statusCode).toBe(401);
      expect(refused.json().error).toBe('invalid_grant');
    });

    it('are revoked by logout everywhere and by a password change', async () => {
      const first = await login();
      const everywhere = await t.app.inject({
        method: 'POST',
        url: '/api/v1/auth/logout-everywhere',
        headers: userAuth,
      });
      expect(everywhere.json().clientsSignedOut).toBeGreaterThanOrEqual(1);
      expect((await refreshGrant(first)).statusCode).toBe(401);
      const second = await login();
      expect((await refreshGrant(second)).statusCode).toBe(200);
      await t.app.inject({
        method: 'PUT',
        url: `/api/v1/users/${userId}`,
        headers: adminAuth(),
        payload: { password: 'kim-password-2' },
      });
      expect((await refreshGrant(second)).statusCode).toBe(401);
      await t.app.inject({
        method: 'PUT',
        url: `/api/v1/users/${userId}`,
        headers: adminAuth(),
        payload: { password: 'kim-password' },
      });
    });

    it('stop for a disabled user', async () => {
      const refreshToken = await login();
      await t.app.inject({
        method: 'PUT',
        url: `/api/v1/users/${userId}`,
        headers: adminAuth(),
        payload: { disabled: true },
      });
      expect((await refreshGrant(refreshToken)).statusCode).toBe(401);
      await t.app.inject({
        method: 'PUT',
        url: `/api/v1/users/${userId}`,
        headers: adminAuth(),
        payload: { disabled: false },
      });
    });
  });
});
