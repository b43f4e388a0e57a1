/** A user holds a bounded number of UI sessions, and ended sessions do not stay in the store. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { configSchema } from '../../src/config/schema';
import { ADMIN_PASSWORD, createTestApp, createUser, type TestApp } from './fixture';

const LIMIT = 4;

describe('sessions per user', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ auth: { 'max-sessions': LIMIT } });
  });
  afterAll(() => t.close());

  const signIn = async (login: string, password: string) => {
    const response = await t.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { login, password } });
    expect(response.statusCode).toBe(200);
    const cookie = /ra_session=[^;]*/.exec(String(response.headers['set-cookie']))?.[0];
    if (!cookie) throw new Error('no session cookie');
    return cookie;
  };
  const works = async (cookie: string) =>
    (await t.app.inject({ url: '/api/v1/auth/me', headers: { cookie } })).statusCode === 200;

  it(`keeps the newest ${LIMIT} after ${LIMIT + 5} sign-ins; the oldest cookies stop working`, async () => {
    const userId = await createUser(t.app, 'many-tabs', 'many-tabs-password');
    const adminCookie = await signIn('admin', ADMIN_PASSWORD);
    const cookies: string[] = [];
    for (let i = 0; i < LIMIT + 5; i++) cookies.push(await signIn('many-tabs', 'many-tabs-password'));
    const stored = await t.services.store.db
      .selectFrom('sessions')
      .select('id')
      .where('user_id', '=', userId)
      .execute();
    expect(stored).toHaveLength(LIMIT);
    const alive = [];
    for (const cookie of cookies) alive.push(await works(cookie));
    expect(alive).toEqual([...Array(5).fill(false), ...Array(LIMIT).fill(true)]);
    // Another user's session is not counted against this one.
    expect(await works(adminCookie)).toBe(true);
  });

  it('rejects a limit below one, naming the option', () => {
    expect(() => configSchema.parse({ auth: { 'max-sessions': 0 } })).toThrow(/max-sessions/);
  });
});

describe('pruning at start', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ra-prune-start-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('removes sessions that ended while the server was down', async () => {
    const first = await createTestApp({ 'data-dir': dir });
    const admin = first.services.access.userByLogin('admin');
    if (!admin) throw new Error('no admin');
    await first.services.store.sessions.create({ id: 'ended', userId: admin.id, expiresAt: new Date(Date.now() - 1) });
    await first.close();

    const second = await createTestApp({ 'data-dir': dir });
    try {
      const left = () => second.services.store.sessions.get('ended');
      // The start pass runs in the background; wait for it by outcome, bounded.
      await vi.waitFor(async () => expect(await left()).toBeUndefined(), { timeout: 5000, interval: 5 });
    } finally {
      await second.close();
    }
  });
});
