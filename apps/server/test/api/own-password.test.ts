/**
 * Changing one's own password (`POST /api/v1/auth/password`): the current password is required, the policy holds,
 * every other sign-in of the account ends (UI sessions, registry clients) while the browser that made the change goes
 * on with a fresh session, it is audited, and a personal access token cannot do it. Also: `/auth/me` tells the UI
 * whether the admin still has the generated first-start password, and the registry's address for `docker login`.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { basic, createTestApp, createUser, type TestApp } from './fixture';

type Headers = Record<string, string>;

describe("changing one's own password", () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ registry: { host: 'http://127.0.0.1', port: 5001 } });
    await createUser(t.app, 'lee', 'lee-password-1');
  });
  afterAll(() => t.close());

  async function session(login: string, password: string): Promise<Headers> {
    const response = await t.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { login, password } });
    expect(response.statusCode, response.body).toBe(200);
    const cookie = String(response.headers['set-cookie']).split(';')[0] as string;
    return { cookie, 'x-csrf-token': response.json().csrfToken as string };
  }

  const change = (headers: Headers, payload: Record<string, unknown>) =>
    t.app.inject({ method: 'POST', url: '/api/v1/auth/password', headers, payload });
  const me = (headers: Headers) => t.app.inject({ url: '/api/v1/auth/me', headers });
  const auditCount = async () =>
    (await t.services.store.audit.list({ filter: { action: 'user.password-change' } })).total;

  async function dockerLogin(password: string): Promise<string> {
    const response = await t.app.inject({
      url: '/api/v1/registry/auth?service=container_registry&offline_token=true&client_id=docker',
      headers: { authorization: basic('lee', password) },
    });
    expect(response.statusCode, response.body).toBe(200);
    return response.json().refresh_token as string;
  }

  it('refuses a wrong current password and a new one the policy refuses, changing nothing', async () => {
    const browser = await session('lee', 'lee-password-1');
    const before = await t.services.store.revision();
    const audited = await auditCount();
    const wrong = await change(browser, { currentPassword: 'not-it', newPassword: 'lee-password-2' });
    expect(wrong.statusCode).toBe(400);
    expect(wrong.json().error).toMatchObject({ code: 'ERR_VALIDATION', field: 'currentPassword' });
    const short = await change(browser, { currentPassword: 'lee-password-1', newPassword: 'short' });
    expect(short.statusCode).toBe(400);
    expect(short.json().error.field).toBe('newPassword');
    const same = await change(browser, { currentPassword: 'lee-password-1', newPassword: 'lee-password-1' });
    expect(same.statusCode).toBe(400);
    expect(same.json().error).toMatchObject({ field: 'newPassword', message: expect.stringContaining('differ') });
    const missing = await change(browser, { newPassword: 'lee-password-2' });
    expect(missing.statusCode).toBe(400);
    expect(await t.services.store.revision()).toBe(before);
    expect(await auditCount()).toBe(audited);
    expect((await me(browser)).statusCode).toBe(200);
  });

  it('needs the CSRF token with a session, and refuses a personal access token', async () => {
    const browser = await session('lee', 'lee-password-1');
    const noCsrf = await change(
      { cookie: browser.cookie as string },
      {
        currentPassword: 'lee-password-1',
        newPassword: 'lee-password-2',
      },
    );
    expect(noCsrf.statusCode).toBe(403);
    const pat = await t.app.inject({
      method: 'POST',
      url: '/api/v1/tokens',
      headers: browser,
      payload: { name: 'script' },
    });
    expect(pat.statusCode).toBe(201);
    for (const headers of [
      { authorization: `Bearer ${pat.json().token}` },
      { authorization: basic('lee', pat.json().token) },
    ]) {
      const refused = await change(headers, { currentPassword: 'lee-password-1', newPassword: 'lee-password-2' });
      expect(refused.statusCode).toBe(403);
      expect(refused.json().error.message).toMatch(/^a personal access token cannot change passwords/);
    }
    expect(await auditCount()).toBe(0);
  });

  it('ends the other sessions and registry clients, keeps the browser signed in, and audits it', async () => {
    const browser = await session('lee', 'lee-password-1');
    const otherBrowser = await session('lee', 'lee-password-1');
    const refresh = await dockerLogin('lee-password-1');
    const changed = await change(browser, { currentPassword: 'lee-password-1', newPassword: 'lee-password-2' });
    expect(changed.statusCode, changed.body).toBe(200);
    const answer = changed.json();
    expect(answer.user.login).toBe('lee');
    expect(answer.clientsSignedOut).toBe(1);
    expect(answer.sessionsEnded).toBeGreaterThanOrEqual(1);
    expect(changed.body).not.toContain('lee-password');

    // The browser goes on with the new cookie and CSRF token; the old token is ended like the rest.
    const renewed = {
      cookie: String(changed.headers['set-cookie']).split(';')[0] as string,
      'x-csrf-token': answer.csrfToken as string,
    };
    expect(renewed.cookie).not.toBe(browser.cookie);
    expect((await me(renewed)).statusCode).toBe(200);
    expect((await me(browser)).statusCode).toBe(401);
    expect((await me(otherBrowser)).statusCode).toBe(401);
    const refreshed = await t.app.inject({
      method: 'POST',
      url: '/api/v1/registry/auth',
      payload: {
        grant_type: 'refresh_token',
        refresh_token: refresh,
        service: 'container_registry',
        client_id: 'docker',
      },
    });
    expect(refreshed.statusCode).toBe(401);

    // Only the new password works from now on.
    const oldLogin = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { login: 'lee', password: 'lee-password-1' },
    });
    expect(oldLogin.statusCode).toBe(401);
    await session('lee', 'lee-password-2');

    const events = await t.services.store.audit.list({ filter: { action: 'user.password-change' } });
    expect(events.total).toBe(1);
    expect(events.items[0]).toMatchObject({ actorName: 'lee', targetName: 'lee', details: { clientsSignedOut: 1 } });
    expect(JSON.stringify(events.items[0])).not.toContain('lee-password');
  });

  it('works with HTTP Basic and the password (no session to renew)', async () => {
    const changed = await change(
      { authorization: basic('lee', 'lee-password-2') },
      { currentPassword: 'lee-password-2', newPassword: 'lee-password-3' },
    );
    expect(changed.statusCode, changed.body).toBe(200);
    expect(changed.json().csrfToken).toBeUndefined();
    expect(changed.headers['set-cookie']).toBeUndefined();
    await session('lee', 'lee-password-3');
  });

  it("tells the UI the registry's docker login address", async () => {
    const browser = await session('lee', 'lee-password-3');
    expect((await me(browser)).json()).toMatchObject({ registryHost: '127.0.0.1:5001', initialPassword: false });
  });
});

describe('the generated first-start admin password', () => {
  let t: TestApp;
  beforeAll(async () => {
    // No --store.admin-password: the first start generates one and writes it to the data directory.
    t = await createTestApp({}, { generatedAdminPassword: true });
  });
  afterAll(() => t.close());

  it('is flagged on sign-in and /auth/me until the admin changes it', async () => {
    const generated = (await readFile(join(t.dir, 'initial-admin-password'), 'utf8')).trim();
    const login = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { login: 'admin', password: generated },
    });
    expect(login.statusCode).toBe(200);
    expect(login.json()).toMatchObject({ initialPassword: true, registryHost: null });
    const browser = {
      cookie: String(login.headers['set-cookie']).split(';')[0] as string,
      'x-csrf-token': login.json().csrfToken as string,
    };
    expect((await t.app.inject({ url: '/api/v1/auth/me', headers: browser })).json().initialPassword).toBe(true);
    const changed = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/password',
      headers: browser,
      payload: { currentPassword: generated, newPassword: 'chosen-admin-password' },
    });
    expect(changed.statusCode, changed.body).toBe(200);
    const renewed = {
      cookie: String(changed.headers['set-cookie']).split(';')[0] as string,
    };
    expect((await t.app.inject({ url: '/api/v1/auth/me', headers: renewed })).json().initialPassword).toBe(false);
  });
});
