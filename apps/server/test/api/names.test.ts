/**
 * Users and service accounts share one namespace: both names become a registry token's `sub`, and `{user}` rules
 * key on the caller's name. A clash is refused (409 naming the field) whichever side comes second; one left over
 * from before is reported at start, and `{user}` never expands for the service account.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configSchema } from '../../src/config/schema';
import { createServices } from '../../src/runtime/services';
import {
  ADMIN_PASSWORD,
  adminAuth,
  basic,
  createRule,
  createTestApp,
  createUser,
  decodeJwt,
  type TestApp,
} from './fixture';

const SERVICE = 'container_registry';

describe('names shared by users and service accounts', () => {
  let t: TestApp;
  const logLines: string[] = [];

  beforeAll(async () => {
    t = await createTestApp({}, { logLines });
    await createRule(t.app, { subjectType: 'registered', pattern: '{user}/**', actions: ['pull', 'push'] });
  });
  afterAll(() => t.close());

  const post = (url: string, payload: Record<string, unknown>) =>
    t.app.inject({ method: 'POST', url, headers: adminAuth(), payload });
  const put = (url: string, payload: Record<string, unknown>) =>
    t.app.inject({ method: 'PUT', url, headers: adminAuth(), payload });

  it('refuses a service account named like a user, and a user named like a service account (409)', async () => {
    const userId = await createUser(t.app, 'mia', 'mia-password');
    const account = await post('/api/v1/service-accounts', { name: 'mia' });
    expect(account.statusCode).toBe(409);
    expect(account.json().error).toEqual({
      code: 'ERR_STORE_CONFLICT',
      message: 'name is already taken by a user',
      field: 'name',
    });
    expect(account.body).not.toContain('ra_sa_');

    const bot = await post('/api/v1/service-accounts', { name: 'bot' });
    expect(bot.statusCode).toBe(201);
    const user = await post('/api/v1/users', { login: 'bot', password: 'bot-password' });
    expect(user.statusCode).toBe(409);
    expect(user.json().error).toEqual({
      code: 'ERR_STORE_CONFLICT',
      message: 'login is already taken by a service account',
      field: 'login',
    });

    expect((await put(`/api/v1/users/${userId}`, { login: 'bot' })).json().error.field).toBe('login');
    expect((await put(`/api/v1/service-accounts/${bot.json().id}`, { name: 'mia' })).json().error.field).toBe('name');
    expect(t.services.access.userByLogin('bot')).toBeUndefined();
    expect(t.services.access.serviceAccountByName('mia')).toBeUndefined();
  });

  it("never gives a service account a user's {user} repositories, and logs say which kind failed", async () => {
    // A pair from before the rule: written around the API.
    const created = await post('/api/v1/service-accounts', { name: 'ops' });
    const secret = created.json().secret as string;
    const at = new Date().toISOString();
    await t.services.store.db
      .insertInto('users')
      .values({
        login: 'ops',
        name: '',
        email: null,
        role: 'user',
        disabled: 0,
        password_hash: await t.services.passwords.hash('ops-password'),
        created_at: at,
        updated_at: at,
        password_changed_at: at,
      })
      .execute();
    await t.services.access.refresh();

    const token = (authorization: string) =>
      t.app.inject({
        url: `/api/v1/registry/auth?service=${SERVICE}&scope=repository:ops/app:pull,push`,
        headers: { authorization },
      });
    const asUser = await token(basic('ops', 'ops-password'));
    expect(decodeJwt(asUser.json().token).payload.access).toEqual([
      { type: 'repository', name: 'ops/app', actions: ['pull', 'push'] },
    ]);
    const asAccount = await token(basic('ops', secret));
    expect(asAccount.statusCode).toBe(200);
    expect(decodeJwt(asAccount.json().token).payload.access).toEqual([
      { type: 'repository', name: 'ops/app', actions: [] },
    ]);

    logLines.length = 0;
    expect((await token(basic('ops', `${secret}x`))).statusCode).toBe(401);
    expect((await token(basic('ops', 'wrong-password'))).statusCode).toBe(401);
    const failures = logLines.map((line) => JSON.parse(line).msg as string).filter((m) => m.startsWith('auth'));
    expect(failures).toEqual([
      'authentication failed for service account "ops" from 127.0.0.1',
      'authentication failed for user "ops" from 127.0.0.1',
    ]);
  });
});

describe('a store holding a name shared by a user and a service account', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ra-names-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('starts, with a warning naming the pair', async () => {
    const config = configSchema.parse({ 'data-dir': dir, store: { 'admin-password': ADMIN_PASSWORD } });
    const first = await createServices(config, { announce: () => {} });
    await first.store.serviceAccounts.create({ name: 'shared', secretHash: 'x' });
    const at = new Date().toISOString();
    await first.store.db
      .insertInto('users')
      .values({
        login: 'shared',
        name: '',
        email: null,
        role: 'user',
        disabled: 0,
        password_hash: 'x',
        created_at: at,
        updated_at: at,
        password_changed_at: at,
      })
      .execute();
    await first.close();

    const announced: string[] = [];
    const second = await createServices(config, { announce: (line) => announced.push(line) });
    await second.close();
    expect(announced).toEqual([
      'warning: a user and a service account share the name "shared"; their registry tokens have the same subject: ' +
        'rename the service account (PUT /api/v1/service-accounts/<id>)',
    ]);
  });
});
