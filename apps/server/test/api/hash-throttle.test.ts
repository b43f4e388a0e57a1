/**
 * No request that has not signed in reaches a password hash (argon2 verify or hash) without passing the sign-in
 * throttle first, however many arrive at once: the hasher's calls are counted while bursts of bad credentials hit
 * every route that checks a password or sets one without a session.
 */
import { randomBytes } from 'node:crypto';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { newSecret } from '../../src/services/secrets';
import { type CountingHasher, countingPasswordHasher } from './counting-hasher';
import { basic, createTestApp, createUser, type TestApp } from './fixture';

const SERVICE = 'container_registry';
const ACCOUNT_LIMIT = 5;
const ADDRESS_LIMIT = 20;
const BURST = 200;

describe('bursts of bad credentials', { timeout: 60_000 }, () => {
  let t: TestApp;
  let hasher: CountingHasher;
  let targetId = 0;

  beforeAll(async () => {
    hasher = countingPasswordHasher();
    t = await createTestApp(
      { auth: { 'max-failures': ACCOUNT_LIMIT, 'max-failures-address': ADDRESS_LIMIT, lockout: 60 } },
      { passwords: hasher },
    );
    targetId = await createUser(t.app, 'target', 'target-password');
  });
  afterAll(() => t.close());
  beforeEach(() => {
    hasher.reset();
    vi.restoreAllMocks();
  });

  const statuses = (responses: Array<{ statusCode: number }>) => {
    const counts: Record<number, number> = {};
    for (const { statusCode } of responses) counts[statusCode] = (counts[statusCode] ?? 0) + 1;
    return counts;
  };
  const burst = <T>(send: (i: number) => Promise<T>) => Promise.all(Array.from({ length: BURST }, (_, i) => send(i)));

  const routes: Record<
    string,
    (login: string, password: string, remoteAddress: string) => Promise<LightMyRequestResponse>
  > = {
    'the UI login': (login, password, remoteAddress) =>
      t.app.inject({ method: 'POST', url: '/api/v1/auth/login', remoteAddress, payload: { login, password } }),
    'the token endpoint (Basic)': (login, password, remoteAddress) =>
      t.app.inject({
        url: `/api/v1/registry/auth?service=${SERVICE}`,
        remoteAddress,
        headers: { authorization: basic(login, password) },
      }),
    'the token endpoint (password grant)': (login, password, remoteAddress) =>
      t.app.inject({
        method: 'POST',
        url: '/api/v1/registry/auth',
        remoteAddress,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: new URLSearchParams({
          grant_type: 'password',
          service: SERVICE,
          username: login,
          password,
        }).toString(),
      }),
    'the API (Basic)': (login, password, remoteAddress) =>
      t.app.inject({ url: '/api/v1/auth/me', remoteAddress, headers: { authorization: basic(login, password) } }),
  };

  describe.each(Object.entries(routes))('at %s', (name, send) => {
    const octet = Object.keys(routes).indexOf(name) + 1;

    it('verifies at most the account limit of parallel wrong passwords for one account', async () => {
      const responses = await burst((i) => send('target', `wrong-password-${i}`, `10.20.${octet}.1`));
      expect(hasher.calls.verify).toBeLessThanOrEqual(ACCOUNT_LIMIT);
      expect(hasher.calls.hash).toBe(0);
      const counts = statuses(responses);
      expect(counts[401] ?? 0).toBeLessThanOrEqual(ACCOUNT_LIMIT);
      expect((counts[401] ?? 0) + (counts[429] ?? 0)).toBe(BURST);
    });

    it('verifies at most the address limit of parallel wrong passwords over many accounts', async () => {
      const responses = await burst((i) => send(`nobody-${i}`, `wrong-password-${i}`, `10.20.${octet}.2`));
      expect(hasher.calls.verify).toBeLessThanOrEqual(ADDRESS_LIMIT);
      const counts = statuses(responses);
      expect(counts[401] ?? 0).toBeLessThanOrEqual(ADDRESS_LIMIT);
      expect(counts[429]).toBeGreaterThanOrEqual(BURST - ADDRESS_LIMIT);
    });

    it('still lets the account in from another address', async () => {
      expect((await send('target', 'target-password', `10.20.${octet}.3`)).statusCode).toBe(200);
    });
  });

  it('checks a burst of the right password once when nothing is cached yet, and locks nobody out', async () => {
    await createUser(t.app, 'busy-ci', 'busy-ci-password');
    hasher.reset();
    const responses = await burst(() =>
      t.app.inject({
        url: `/api/v1/registry/auth?service=${SERVICE}&scope=repository:x/y:pull`,
        remoteAddress: '10.20.8.1',
        headers: { authorization: basic('busy-ci', 'busy-ci-password') },
      }),
    );
    expect(statuses(responses)).toEqual({ 200: BURST });
    expect(hasher.calls).toEqual({ hash: 0, verify: 1 });
  });

  it('does no store work for a burst of already-verified passwords', async () => {
    expect((await routes['the token endpoint (Basic)']?.('target', 'target-password', '10.20.9.1'))?.statusCode).toBe(
      200,
    );
    const failures = t.services.store.loginFailures as unknown as Record<string, (...args: unknown[]) => unknown>;
    const spies = Object.keys(failures).map((method) => vi.spyOn(failures, method));
    hasher.reset();
    const responses = await burst(() =>
      t.app.inject({
        url: `/api/v1/registry/auth?service=${SERVICE}&scope=repository:x/y:pull`,
        remoteAddress: '10.20.9.1',
        headers: { authorization: basic('target', 'target-password') },
      }),
    );
    expect(statuses(responses)).toEqual({ 200: BURST });
    expect(hasher.calls).toEqual({ hash: 0, verify: 0 });
    for (const spy of spies) expect(spy).not.toHaveBeenCalled();
  });

  describe('password reset completion', () => {
    const complete = (token: string, password: string, remoteAddress: string) =>
      t.app.inject({
        method: 'POST',
        url: '/api/v1/auth/password-reset/complete',
        remoteAddress,
        payload: { token, password },
      });
    const resetLink = async (userId: number) => {
      const secret = newSecret('reset');
      await t.services.store.passwordResets.create({
        userId,
        tokenHash: secret.hash,
        expiresAt: new Date(Date.now() + 3600_000),
      });
      return secret.value;
    };
    const badToken = () => `ra_reset_${randomBytes(32).toString('base64url')}`;

    it('hashes nothing for a flood of bad tokens, and refuses a locked address before looking the token up', async () => {
      const resets = t.services.store.passwordResets as unknown as Record<string, (...args: unknown[]) => unknown>;
      const lookups = Object.keys(resets).map((method) => vi.spyOn(resets, method));
      const responses = await burst(() => complete(badToken(), 'a-new-password', '10.21.0.1'));
      expect(hasher.calls).toEqual({ hash: 0, verify: 0 });
      const counts = statuses(responses);
      expect(counts[400] ?? 0).toBeLessThanOrEqual(ADDRESS_LIMIT);
      expect(counts[429]).toBeGreaterThanOrEqual(BURST - ADDRESS_LIMIT);
      expect(responses.find((r) => r.statusCode === 429)?.headers['retry-after']).toMatch(/^[1-9]\d*$/);
      const looked = lookups.reduce((sum, spy) => sum + spy.mock.calls.length, 0);
      expect(looked).toBeLessThanOrEqual(ADDRESS_LIMIT);

      // A valid link from the locked address is refused too, and stays usable from elsewhere.
      const token = await resetLink(targetId);
      expect((await complete(token, 'locked-out-password', '10.21.0.1')).statusCode).toBe(429);
      expect(hasher.calls.hash).toBe(0);
      expect((await complete(token, 'from-elsewhere-password', '10.21.0.2')).statusCode).toBe(200);
      expect(hasher.calls.hash).toBe(1);
      expect((await routes['the UI login']?.('target', 'from-elsewhere-password', '10.21.0.2'))?.statusCode).toBe(200);
    });

    it('lets one of two concurrent uses of a link win', async () => {
      const token = await resetLink(targetId);
      const [first, second] = await Promise.all([
        complete(token, 'first-new-password', '10.21.1.1'),
        complete(token, 'second-new-password', '10.21.1.2'),
      ]);
      expect([first?.statusCode, second?.statusCode].sort()).toEqual([200, 400]);
      const winner = first?.statusCode === 200 ? 'first-new-password' : 'second-new-password';
      expect((await routes['the UI login']?.('target', winner, '10.21.1.3'))?.statusCode).toBe(200);
      expect(await complete(token, 'third-new-password', '10.21.1.3')).toMatchObject({ statusCode: 400 });
    });

    it('does not count a successful reset against the address', async () => {
      for (let i = 0; i < ADDRESS_LIMIT - 1; i++) {
        expect((await complete(badToken(), 'a-new-password', '10.21.2.1')).statusCode).toBe(400);
      }
      expect((await complete(await resetLink(targetId), 'reset-once-password', '10.21.2.1')).statusCode).toBe(200);
      expect((await complete(await resetLink(targetId), 'reset-twice-password', '10.21.2.1')).statusCode).toBe(200);
      expect((await complete(badToken(), 'a-new-password', '10.21.2.1')).statusCode).toBe(400);
      expect((await complete(badToken(), 'a-new-password', '10.21.2.1')).statusCode).toBe(429);
    });
  });
});
