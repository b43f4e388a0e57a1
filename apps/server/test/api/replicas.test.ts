/**
 * Two server replicas sharing one PostgreSQL database: users, disables and lockouts made through one are in force
 * on the other. Runs when RA_TEST_POSTGRES_URL is set (CI sets it).
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FAILOVER_BOUNDS } from '../../src/runtime/leader';
import { hashSecret } from '../../src/services/secrets';
import { countingPasswordHasher } from './counting-hasher';
import { adminAuth, basic, createTestApp, createUser, type TestApp } from './fixture';

const url = process.env.RA_TEST_POSTGRES_URL;
if (!url) console.warn('RA_TEST_POSTGRES_URL is not set: the replica tests are skipped');

async function eventually(check: () => Promise<boolean>, timeoutMs = 5000): Promise<number> {
  const started = Date.now();
  for (;;) {
    if (await check()) return Date.now() - started;
    if (Date.now() - started > timeoutMs) throw new Error('condition not reached in time');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe.skipIf(!url)('replicas sharing PostgreSQL', () => {
  const schema = `ra_replicas_${randomBytes(5).toString('hex')}`;
  let a: TestApp;
  let b: TestApp;
  // Both replicas count their password checks here.
  const hasher = countingPasswordHasher();

  beforeAll(async () => {
    const store = { type: 'postgres' as const, postgres: { url, schema } };
    a = await createTestApp({ store, auth: { 'max-failures': 3 } }, { passwords: hasher });
    b = await createTestApp({ store, auth: { 'max-failures': 3 } }, { passwords: hasher });
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    await client.query(`drop schema if exists "${schema}" cascade`);
    await client.end();
  });

  const token = (app: TestApp, login: string, password: string, remoteAddress = '127.0.0.1') =>
    app.app.inject({
      url: '/api/v1/registry/auth?service=container_registry',
      remoteAddress,
      headers: { authorization: basic(login, password) },
    });

  it('sees a user created through the other replica, and a disable made there', async () => {
    const id = await createUser(a.app, 'shared', 'shared-password');
    // Polling with sign-in attempts would itself trip the lockout: wait for the snapshot instead.
    await eventually(async () => b.services.access.userByLogin('shared') !== undefined);
    expect((await token(b, 'shared', 'shared-password')).statusCode).toBe(200);
    await a.app.inject({
      method: 'PUT',
      url: `/api/v1/users/${id}`,
      headers: adminAuth(),
      payload: { disabled: true },
    });
    expect((await token(a, 'shared', 'shared-password')).statusCode).toBe(401);
    const lag = await eventually(async () => (await token(b, 'shared', 'shared-password')).statusCode === 401);
    expect(lag).toBeLessThan(2000);
  });

  it('counts failed sign-ins across replicas', async () => {
    await createUser(a.app, 'target', 'target-password');
    await eventually(async () => b.services.access.userByLogin('target') !== undefined);
    expect((await token(a, 'target', 'wrong-password-1', '10.7.0.1')).statusCode).toBe(401);
    expect((await token(b, 'target', 'wrong-password-2', '10.7.0.1')).statusCode).toBe(401);
    expect((await token(a, 'target', 'wrong-password-3', '10.7.0.1')).statusCode).toBe(401);
    expect((await token(b, 'target', 'target-password', '10.7.0.1')).statusCode).toBe(429);
    expect((await token(b, 'target', 'target-password', '10.7.0.2')).statusCode).toBe(200);
  });

  it('sees tokens created and revoked through the other replica (token writes are applied locally in place)', async () => {
    await createUser(a.app, 'tokens', 'tokens-password');
    await eventually(async () => b.services.access.userByLogin('tokens') !== undefined);
    const auth = { authorization: basic('tokens', 'tokens-password') };
    const created = await a.app.inject({
      method: 'POST',
      url: '/api/v1/tokens',
      headers: auth,
      payload: { name: 'ci' },
    });
    expect(created.statusCode).toBe(201);
    const { id, token: pat } = created.json() as { id: number; token: string };
    // Wait on the snapshot, not with sign-ins (failed ones count against the address).
    await eventually(async () => b.services.access.tokenById(id) !== undefined);
    expect((await token(b, 'tokens', pat)).statusCode).toBe(200);
    const refresh = await a.app.inject({
      url: '/api/v1/registry/auth?service=container_registry&offline_token=true&client_id=docker',
      headers: auth,
    });
    const refreshToken = refresh.json().refresh_token as string;
    const grant = (app: TestApp) =>
      app.app.inject({
        method: 'POST',
        url: '/api/v1/registry/auth',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: new URLSearchParams({
          grant_type: 'refresh_token',
          refresh_token: refreshToken,
          service: 'container_registry',
          client_id: 'docker',
        }).toString(),
      });
    await eventually(async () => b.services.access.tokenByHash(hashSecret(refreshToken)) !== undefined);
    expect((await grant(b)).statusCode).toBe(200);
    const clients = (await b.app.inject({ url: '/api/v1/clients', headers: auth })).json() as Array<{ id: number }>;
    expect(clients).toHaveLength(1);
    await b.app.inject({ method: 'DELETE', url: `/api/v1/clients/${clients[0]?.id}`, headers: auth });
    await b.app.inject({ method: 'DELETE', url: `/api/v1/tokens/${id}`, headers: auth });
    expect((await grant(b)).statusCode).toBe(401);
    await eventually(async () => a.services.access.tokenById(id) === undefined);
    await eventually(async () => a.services.access.tokenByHash(hashSecret(refreshToken)) === undefined);
    expect((await grant(a)).statusCode).toBe(401);
    expect((await token(a, 'tokens', pat)).statusCode).toBe(401);
  });
  it('checks at most the limits of a burst of wrong passwords split over both replicas', async () => {
    await createUser(a.app, 'besieged', 'besieged-password');
    await eventually(async () => b.services.access.userByLogin('besieged') !== undefined);
    hasher.reset();
    const one = await Promise.all(
      Array.from({ length: 200 }, (_, i) => token(i % 2 ? a : b, 'besieged', `wrong-password-${i}`, '10.7.1.1')),
    );
    expect(hasher.calls.verify).toBeLessThanOrEqual(3);
    expect(one.filter((response) => response.statusCode === 401).length).toBeLessThanOrEqual(3);
    hasher.reset();
    const many = await Promise.all(
      Array.from({ length: 200 }, (_, i) => token(i % 2 ? a : b, `stranger-${i}`, 'wrong-password', '10.7.1.2')),
    );
    // The default limit per address is 20.
    expect(hasher.calls.verify).toBeLessThanOrEqual(20);
    expect(many.filter((response) => response.statusCode === 429).length).toBeGreaterThanOrEqual(180);
    expect((await token(b, 'besieged', 'besieged-password', '10.7.1.3')).statusCode).toBe(200);
  }, 60_000);

  it('has one leader of the periodic work; the other leads within the stated time once it stops', async () => {
    await eventually(async () => a.services.leadership.leading !== b.services.leadership.leading);
    const [leader, follower] = a.services.leadership.leading ? [a, b] : [b, a];
    // The follower keeps asking and keeps being refused.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(follower.services.leadership.leading).toBe(false);
    await leader.services.leadership.close();
    const lag = await eventually(async () => follower.services.leadership.leading);
    expect(lag).toBeLessThan(FAILOVER_BOUNDS.killedSeconds * 1000);
  });
});
