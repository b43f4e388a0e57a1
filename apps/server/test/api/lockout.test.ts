import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { basic, createTestApp, createUser, type TestApp } from './fixture';

const SERVICE = 'container_registry';

describe('brute-force protection', () => {
  let t: TestApp;
  const logs: string[] = [];

  beforeAll(async () => {
    t = await createTestApp(
      { auth: { 'max-failures': 3, 'max-failures-address': 8, lockout: 60 } },
      { logLines: logs },
    );
    await createUser(t.app, 'victim', 'victim-password');
    await createUser(t.app, 'bystander', 'bystander-password');
    await createUser(t.app, 'busy', 'busy-password');
  });
  afterAll(() => t.close());

  const token = (login: string, password: string, remoteAddress: string, headers: Record<string, string> = {}) =>
    t.app.inject({
      url: `/api/v1/registry/auth?service=${SERVICE}`,
      remoteAddress,
      headers: { authorization: basic(login, password), ...headers },
    });

  it('locks an account out at one address after repeated failures, with Retry-After', async () => {
    for (let i = 0; i < 3; i++) expect((await token('victim', `wrong-${i}-password`, '10.0.0.1')).statusCode).toBe(401);
    const locked = await token('victim', 'victim-password', '10.0.0.1');
    expect(locked.statusCode).toBe(429);
    expect(Number(locked.headers['retry-after'])).toBeGreaterThan(0);
    expect(locked.json().errors[0].code).toBe('TOOMANYREQUESTS');
  });

  it('lets the same user from another address, and other users, go on working', async () => {
    expect((await token('victim', 'victim-password', '10.0.0.2')).statusCode).toBe(200);
    expect((await token('bystander', 'bystander-password', '10.0.0.1')).statusCode).toBe(200);
  });

  it('locks the address itself after failures across accounts, but never a verified burst', async () => {
    // bystander's credential is verified (cached) now; more failures from 10.0.0.1 on other names lock the address.
    for (let i = 0; i < 6; i++) await token(`nobody${i}`, 'wrong-password', '10.0.0.1');
    expect((await token('busy', 'busy-password', '10.0.0.1')).statusCode).toBe(429);
    const burst = await Promise.all(
      Array.from({ length: 40 }, () => token('bystander', 'bystander-password', '10.0.0.1')),
    );
    expect(burst.every((response) => response.statusCode === 200)).toBe(true);
    expect((await token('busy', 'busy-password', '10.0.0.3')).statusCode).toBe(200);
  });

  it('applies to the UI login and the API too', async () => {
    for (let i = 0; i < 3; i++) {
      await t.app.inject({
        method: 'POST',
        url: '/api/v1/auth/login',
        remoteAddress: '10.0.0.9',
        payload: { login: 'busy', password: `bad-${i}-password` },
      });
    }
    const login = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      remoteAddress: '10.0.0.9',
      payload: { login: 'busy', password: 'busy-password-other' },
    });
    expect(login.statusCode).toBe(429);
    expect(login.json().error.code).toBe('ERR_TOO_MANY_ATTEMPTS');
    const api = await t.app.inject({
      url: '/api/v1/auth/me',
      remoteAddress: '10.0.0.9',
      headers: { authorization: basic('busy', 'another-wrong-one') },
    });
    expect(api.statusCode).toBe(429);
    expect(api.headers['retry-after']).toBeTruthy();
  });

  it('ignores X-Forwarded-For from clients that are not trusted proxies', async () => {
    for (let i = 0; i < 3; i++) {
      await token('bystander', `wrong-${i}-password`, '10.0.0.20', { 'x-forwarded-for': `192.0.2.${i}` });
    }
    const spoofed = await token('bystander', 'wrong-again-password', '10.0.0.20', { 'x-forwarded-for': '192.0.2.99' });
    expect(spoofed.statusCode).toBe(429);
  });

  it('logs every failure in one line fail2ban can match', () => {
    const messages = logs.map((line) => (JSON.parse(line) as { msg: string }).msg);
    expect(messages).toContain('authentication failed for user "victim" from 10.0.0.1');
    expect(messages.filter((msg) => /^authentication failed for .* from 10\.0\.0\.1$/.test(msg)).length).toBe(8);
    expect(logs.join('\n')).not.toMatch(/wrong-0-password|victim-password/);
  });
});

describe('behind a trusted proxy', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ 'trusted-proxies': ['10.1.0.0/16'], auth: { 'max-failures': 2 } });
    await createUser(t.app, 'proxied', 'proxied-password');
  });
  afterAll(() => t.close());

  it('counts failures per forwarded client address', async () => {
    const via = (client: string, password: string) =>
      t.app.inject({
        url: `/api/v1/registry/auth?service=${SERVICE}`,
        remoteAddress: '10.1.2.3',
        headers: { authorization: basic('proxied', password), 'x-forwarded-for': client },
      });
    await via('198.51.100.1', 'bad-password-1');
    await via('198.51.100.1', 'bad-password-2');
    expect((await via('198.51.100.1', 'proxied-password')).statusCode).toBe(429);
    expect((await via('198.51.100.2', 'proxied-password')).statusCode).toBe(200);
  });
});
