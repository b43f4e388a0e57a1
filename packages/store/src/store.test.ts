/** One suite, run against SQLite always and PostgreSQL when RA_TEST_POSTGRES_URL is set. */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore, type Store, type StoreConfig, StoreError } from './index';

const postgresUrl = process.env.RA_TEST_POSTGRES_URL;

interface Target {
  name: string;
  config(): Promise<StoreConfig>;
  cleanup(): Promise<void>;
}

function sqliteTarget(): Target {
  let dir = '';
  return {
    name: 'sqlite',
    async config() {
      dir = await mkdtemp(join(tmpdir(), 'ra-store-'));
      return { type: 'sqlite', path: join(dir, 'nested', 'store.db') };
    },
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
}

function postgresTarget(url: string): Target {
  const schema = `ra_test_${randomBytes(6).toString('hex')}`;
  return {
    name: 'postgres',
    config: async () => ({ type: 'postgres', url, schema, poolSize: 5 }),
    async cleanup() {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      await client.query(`drop schema if exists "${schema}" cascade`);
      await client.end();
    },
  };
}

const targets = [sqliteTarget(), ...(postgresUrl ? [postgresTarget(postgresUrl)] : [])];
if (!postgresUrl) console.warn('RA_TEST_POSTGRES_URL is not set: the store suite runs on SQLite only');

async function errorOf(run: () => Promise<unknown>): Promise<StoreError> {
  try {
    await run();
  } catch (error) {
    expect(error).toBeInstanceOf(StoreError);
    return error as StoreError;
  }
  throw new Error('expected a StoreError');
}

describe.each(targets)('store on $name', (target) => {
  let store: Store;
  let config: StoreConfig;
  // The store's clock: the system's, moved forward by tests that need time to pass (instead of sleeping).
  let clockOffsetMs = 0;
  const now = () => new Date(Date.now() + clockOffsetMs);

  beforeAll(async () => {
    config = await target.config();
    store = await openStore(config, { now });
  });
  afterAll(async () => {
    await store?.close();
    await target.cleanup();
  });

  it('runs migrations idempotently (a second open finds nothing to do)', async () => {
    const again = await openStore(config);
    expect(await again.users.count()).toBe(await store.users.count());
    await again.close();
  });

  it.runIf(target.name === 'sqlite')('keeps a 4 MiB page cache, not the 16 MiB better-sqlite3 sets', async () => {
    const { rows } = await sql<{ cache_size: number }>`pragma cache_size`.execute(store.db);
    expect(rows).toEqual([{ cache_size: -4096 }]);
  });

  describe('users', () => {
    it('creates, reads and never returns the hash', async () => {
      const user = await store.users.create({ login: 'alice', passwordHash: '$argon2id$fake', email: 'a@example.com' });
      expect(user).toMatchObject({ login: 'alice', role: 'user', disabled: false, groups: [], email: 'a@example.com' });
      expect(JSON.stringify(user)).not.toContain('argon2');
      expect(await store.users.get(user.id)).toEqual(user);
      expect(await store.users.getByLogin('alice')).toEqual(user);
      expect((await store.users.getCredentials('alice'))?.passwordHash).toBe('$argon2id$fake');
      expect(await store.users.getCredentials('nobody')).toBeUndefined();
    });

    it('refuses duplicate logins with a conflict naming the field', async () => {
      const error = await errorOf(() => store.users.create({ login: 'alice', passwordHash: 'x' }));
      expect(error.code).toBe('ERR_STORE_CONFLICT');
      expect(error.field).toBe('login');
    });

    it('validates roles and references', async () => {
      expect(
        (await errorOf(() => store.users.create({ login: 'r', passwordHash: 'x', role: 'root' as never }))).field,
      ).toBe('role');
      const missing = await errorOf(() => store.users.create({ login: 'r', passwordHash: 'x', groups: [99999] }));
      expect(missing.code).toBe('ERR_STORE_REFERENCE');
      expect(await store.users.getByLogin('r')).toBeUndefined();
    });

    it('changing the password or disabling ends sessions and stamps passwordChangedAt', async () => {
      const user = await store.users.create({ login: 'sess', passwordHash: 'h1' });
      await store.sessions.create({ id: 's1', userId: user.id, expiresAt: new Date(Date.now() + 60_000) });
      clockOffsetMs += 1000;
      const updated = await store.users.update(user.id, { passwordHash: 'h2' });
      expect(updated.passwordChangedAt > user.passwordChangedAt).toBe(true);
      expect(await store.sessions.get('s1')).toBeUndefined();
      await store.sessions.create({ id: 's2', userId: user.id, expiresAt: new Date(Date.now() + 60_000) });
      await store.users.update(user.id, { disabled: true });
      expect(await store.sessions.get('s2')).toBeUndefined();
      await store.users.update(user.id, { name: 'only the name' });
      expect((await store.users.getCredentials('sess'))?.passwordHash).toBe('h2');
    });

    it('keeps the last enabled admin', async () => {
      const root = await store.users.create({ login: 'root', passwordHash: 'x', role: 'admin' });
      for (const run of [
        () => store.users.delete(root.id),
        () => store.users.update(root.id, { disabled: true }),
        () => store.users.update(root.id, { role: 'user' }),
      ]) {
        expect((await errorOf(run)).code).toBe('ERR_STORE_LAST_ADMIN');
      }
      const second = await store.users.create({ login: 'root2', passwordHash: 'x', role: 'admin' });
      await store.users.update(root.id, { role: 'manager' });
      expect((await errorOf(() => store.users.delete(second.id))).code).toBe('ERR_STORE_LAST_ADMIN');
      await store.users.update(root.id, { role: 'admin' });
    });

    it('keeps the last admin under concurrent demotions', async () => {
      const admins = await store.users.list({ filter: { role: 'admin', disabled: false } });
      const results = await Promise.allSettled(
        admins.items.map((admin) => store.users.update(admin.id, { role: 'user' })),
      );
      expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(admins.items.length - 1);
      const left = await store.users.list({ filter: { role: 'admin', disabled: false } });
      expect(left.total).toBe(1);
      for (const admin of admins.items) await store.users.update(admin.id, { role: 'admin' });
    });

    it('lists with sort, range, q, id and filters, and counts the total', async () => {
      for (const login of ['list-c', 'list-a', 'list-b', 'other_list']) {
        await store.users.create({ login, passwordHash: 'x', name: login.toUpperCase() });
      }
      const page = await store.users.list({ sort: ['login', 'DESC'], range: [0, 1], filter: { q: 'LIST-' } });
      expect(page.total).toBe(3);
      expect(page.items.map((u) => u.login)).toEqual(['list-c', 'list-b']);
      const rest = await store.users.list({ sort: ['login', 'DESC'], range: [2, 10], filter: { q: 'list-' } });
      expect(rest.items.map((u) => u.login)).toEqual(['list-a']);
      const ids = page.items.map((u) => u.id);
      expect((await store.users.list({ filter: { id: ids } })).items.map((u) => u.id).sort()).toEqual([...ids].sort());
      expect((await store.users.list({ filter: { id: [] } })).total).toBe(0);
      // `_` is a LIKE wildcard: it must match only itself.
      expect((await store.users.list({ filter: { q: 'r_l' } })).items.map((u) => u.login)).toEqual(['other_list']);
      expect((await store.users.list({ filter: { q: '%' } })).total).toBe(0);
    });

    it('rejects bad list queries with the field, and injection strings change nothing', async () => {
      const before = await store.users.count();
      const cases: Array<[Parameters<Store['users']['list']>[0], string]> = [
        [{ sort: ['password_hash', 'ASC'] }, 'sort'],
        [{ sort: ['login; drop table users', 'ASC'] }, 'sort'],
        [{ sort: ['login', 'UP' as never] }, 'sort'],
        [{ range: [5, 1] }, 'range'],
        [{ range: [-1, 3] }, 'range'],
        [{ filter: { nope: 1 } }, 'filter'],
        [{ filter: { disabled: 'yes' } }, 'filter'],
        [{ filter: { id: ['1 or 1=1'] } }, 'filter'],
      ];
      for (const [query, field] of cases) {
        const error = await errorOf(() => store.users.list(query));
        expect(error.code).toBe('ERR_STORE_QUERY_INVALID');
        expect(error.field).toBe(field);
      }
      const injected = await store.users.list({ filter: { q: "' or 1=1; drop table users; --" } });
      expect(injected.total).toBe(0);
      expect(await store.users.count()).toBe(before);
    });
  });

  describe('registry password hashes (htpasswd mode)', () => {
    const BCRYPT_A = `$2b$10$${'a'.repeat(53)}`;
    const BCRYPT_B = `$2y$10$${'b'.repeat(53)}`;
    const registryHashOf = async (id: number) =>
      (await store.loadAccessSnapshot()).users.find((user) => user.id === id)?.registryPasswordHash;

    it('keeps the bcrypt hash with the password, and never past a change of password', async () => {
      const user = await store.users.create({
        login: 'htp',
        passwordHash: '$argon2id$one',
        registryPasswordHash: BCRYPT_A,
      });
      expect(await registryHashOf(user.id)).toBe(BCRYPT_A);
      expect(JSON.stringify(user)).not.toContain(BCRYPT_A);
      // Other changes keep it.
      await store.users.update(user.id, { name: 'H' });
      expect(await registryHashOf(user.id)).toBe(BCRYPT_A);
      // A new password with its own bcrypt replaces it; a new password without one clears it.
      await store.users.update(user.id, { passwordHash: '$argon2id$two', registryPasswordHash: BCRYPT_B });
      expect(await registryHashOf(user.id)).toBe(BCRYPT_B);
      await store.users.update(user.id, { passwordHash: '$argon2id$three' });
      expect(await registryHashOf(user.id)).toBeNull();
      // Set at sign-in only while the password is the one checked.
      expect(await store.users.setRegistryPasswordHash(user.id, '$argon2id$two', BCRYPT_A)).toBe(false);
      expect(await store.users.setRegistryPasswordHash(user.id, '$argon2id$three', BCRYPT_A)).toBe(true);
      expect(await registryHashOf(user.id)).toBe(BCRYPT_A);
      expect(await store.users.clearRegistryPasswordHashes()).toBeGreaterThanOrEqual(1);
      expect(await registryHashOf(user.id)).toBeNull();
      expect((await errorOf(() => store.users.setRegistryPasswordHash(user.id, '$argon2id$three', 'md5'))).field).toBe(
        'registryPasswordHash',
      );
      await store.users.delete(user.id);
    });
  });

  describe('groups and rules', () => {
    it('manages members and deletes a group with its rules and memberships', async () => {
      const user = await store.users.create({ login: 'member', passwordHash: 'x' });
      const group = await store.groups.create({ name: 'devs', members: [user.id] });
      expect(group.members).toEqual([user.id]);
      expect((await store.users.get(user.id))?.groups).toEqual([group.id]);
      expect((await errorOf(() => store.groups.create({ name: 'devs' }))).code).toBe('ERR_STORE_CONFLICT');
      const rule = await store.rules.create({
        subjectType: 'group',
        subjectId: group.id,
        pattern: 'devs/**',
        actions: ['pull', 'push', 'pull'],
      });
      expect(rule.actions).toEqual(['pull', 'push']);
      expect((await store.groups.list({ filter: { member: user.id } })).items.map((g) => g.name)).toEqual(['devs']);
      await store.groups.delete(group.id);
      expect(await store.rules.get(rule.id)).toBeUndefined();
      expect((await store.users.get(user.id))?.groups).toEqual([]);
    });

    it('checks rule subjects and actions', async () => {
      expect(
        (
          await errorOf(() =>
            store.rules.create({ subjectType: 'user', subjectId: 424242, pattern: 'a', actions: ['pull'] }),
          )
        ).code,
      ).toBe('ERR_STORE_REFERENCE');
      expect(
        (await errorOf(() => store.rules.create({ subjectType: 'user', pattern: 'a', actions: ['pull'] }))).field,
      ).toBe('subjectId');
      expect(
        (
          await errorOf(() =>
            store.rules.create({ subjectType: 'everyone', subjectId: 1, pattern: 'a', actions: ['pull'] }),
          )
        ).field,
      ).toBe('subjectId');
      expect(
        (await errorOf(() => store.rules.create({ subjectType: 'everyone', pattern: 'a', actions: [] }))).field,
      ).toBe('actions');
      expect(
        (
          await errorOf(() =>
            store.rules.create({ subjectType: 'everyone', pattern: 'a', actions: ['steal' as never] }),
          )
        ).field,
      ).toBe('actions');
      const rule = await store.rules.create({ subjectType: 'everyone', pattern: 'public/*', actions: ['pull'] });
      const updated = await store.rules.update(rule.id, { actions: ['pull', 'push'], description: 'shared' });
      expect(updated).toMatchObject({
        subjectType: 'everyone',
        subjectId: null,
        actions: ['pull', 'push'],
        description: 'shared',
      });
      expect((await store.rules.list({ filter: { subjectType: 'everyone' } })).items.map((r) => r.id)).toContain(
        rule.id,
      );
    });

    it('deleting a user removes its rules, memberships and sessions', async () => {
      const user = await store.users.create({ login: 'leaving', passwordHash: 'x' });
      const group = await store.groups.create({ name: 'leavers', members: [user.id] });
      const rule = await store.rules.create({
        subjectType: 'user',
        subjectId: user.id,
        pattern: 'x/*',
        actions: ['pull'],
      });
      await store.sessions.create({ id: 'leaving-session', userId: user.id, expiresAt: new Date(Date.now() + 60_000) });
      const deleted = await store.users.delete(user.id);
      expect(deleted.login).toBe('leaving');
      expect(await store.rules.get(rule.id)).toBeUndefined();
      expect((await store.groups.get(group.id))?.members).toEqual([]);
      expect(await store.sessions.get('leaving-session')).toBeUndefined();
      expect((await errorOf(() => store.users.delete(user.id))).code).toBe('ERR_STORE_NOT_FOUND');
    });
  });

  describe('service accounts and tokens', () => {
    it('keeps names unique across users and service accounts, on create and on rename, both ways', async () => {
      const user = await store.users.create({ login: 'shared-name', passwordHash: 'x' });
      const taken = await errorOf(() => store.serviceAccounts.create({ name: 'shared-name', secretHash: 'h' }));
      expect([taken.code, taken.field, taken.message]).toEqual([
        'ERR_STORE_CONFLICT',
        'name',
        'name is already taken by a user',
      ]);
      const account = await store.serviceAccounts.create({ name: 'robot-name', secretHash: 'h' });
      const takenBack = await errorOf(() => store.users.create({ login: 'robot-name', passwordHash: 'x' }));
      expect([takenBack.code, takenBack.field, takenBack.message]).toEqual([
        'ERR_STORE_CONFLICT',
        'login',
        'login is already taken by a service account',
      ]);
      expect((await errorOf(() => store.users.update(user.id, { login: 'robot-name' }))).field).toBe('login');
      expect((await errorOf(() => store.serviceAccounts.update(account.id, { name: 'shared-name' }))).field).toBe(
        'name',
      );
      // Keeping one's own name is no conflict.
      expect((await store.users.update(user.id, { login: 'shared-name', name: 'Kept' })).name).toBe('Kept');
      expect((await store.serviceAccounts.update(account.id, { name: 'robot-name' })).name).toBe('robot-name');
      expect(await store.serviceAccounts.namesSharedWithUsers()).toEqual([]);
    });

    it('lets only one of a user and a service account created at once take a name', async () => {
      for (let round = 0; round < 5; round++) {
        const name = `race-name-${round}`;
        const results = await Promise.allSettled([
          store.users.create({ login: name, passwordHash: 'x' }),
          store.serviceAccounts.create({ name, secretHash: 'h' }),
          store.users.create({ login: `${name}-other`, passwordHash: 'x' }),
          store.serviceAccounts.create({ name: `${name}-other`, secretHash: 'h' }),
        ]);
        expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(2);
      }
      expect(await store.serviceAccounts.namesSharedWithUsers()).toEqual([]);
    });

    it('reports names a user and a service account shared before the rule', async () => {
      // Data from before names were unique across both: written around the repositories.
      const at = new Date().toISOString();
      await store.db
        .insertInto('service_accounts')
        .values({
          name: 'legacy-clash',
          description: '',
          disabled: 0,
          secret_hash: 'h',
          expires_at: null,
          last_used_at: null,
          created_at: at,
          updated_at: at,
        })
        .execute();
      await store.db
        .insertInto('users')
        .values({
          login: 'legacy-clash',
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
      expect(await store.serviceAccounts.namesSharedWithUsers()).toEqual(['legacy-clash']);
      await store.db.deleteFrom('users').where('login', '=', 'legacy-clash').execute();
      await store.db.deleteFrom('service_accounts').where('name', '=', 'legacy-clash').execute();
    });

    it('creates service accounts with unique names, their rules, and snapshots their secret hashes', async () => {
      const account = await store.serviceAccounts.create({
        name: 'ci',
        secretHash: 'sa-hash',
        expiresAt: new Date('2030-01-01T00:00:00Z'),
      });
      expect(account).toMatchObject({
        name: 'ci',
        disabled: false,
        expiresAt: '2030-01-01T00:00:00.000Z',
        lastUsedAt: null,
      });
      expect(JSON.stringify(account)).not.toContain('sa-hash');
      expect((await errorOf(() => store.serviceAccounts.create({ name: 'ci', secretHash: 'x' }))).code).toBe(
        'ERR_STORE_CONFLICT',
      );
      const rule = await store.rules.create({
        subjectType: 'service-account',
        subjectId: account.id,
        pattern: 'ci/**',
        actions: ['push'],
      });
      const snapshot = await store.loadAccessSnapshot();
      expect(snapshot.serviceAccounts.find((a) => a.id === account.id)?.secretHash).toBe('sa-hash');
      await store.serviceAccounts.touch(account.id, new Date('2029-01-01T00:00:00Z'));
      expect((await store.serviceAccounts.get(account.id))?.lastUsedAt).toBe('2029-01-01T00:00:00.000Z');
      const rotated = await store.serviceAccounts.update(account.id, { secretHash: 'sa-hash-2', disabled: true });
      expect(rotated.disabled).toBe(true);
      expect((await store.loadAccessSnapshot()).serviceAccounts.find((a) => a.id === account.id)?.secretHash).toBe(
        'sa-hash-2',
      );
      await store.serviceAccounts.delete(account.id);
      expect(await store.rules.get(rule.id)).toBeUndefined();
      expect(
        (
          await errorOf(() =>
            store.rules.create({
              subjectType: 'service-account',
              subjectId: account.id,
              pattern: 'x',
              actions: ['pull'],
            }),
          )
        ).code,
      ).toBe('ERR_STORE_REFERENCE');
    });

    it('keeps tokens hashed, lists them per user and kind, and revokes refresh tokens on password change', async () => {
      const user = await store.users.create({ login: 'tokens', passwordHash: 'x' });
      const pat = await store.tokens.create({
        kind: 'pat',
        userId: user.id,
        name: 'laptop',
        tokenHash: 'pat-hash',
        prefix: 'ra_pat_abc',
        readOnly: true,
      });
      await store.tokens.create({
        kind: 'refresh',
        userId: user.id,
        name: 'docker',
        tokenHash: 'rt-hash',
        prefix: 'ra_rt_abc',
        clientId: 'docker',
      });
      expect(pat).toMatchObject({ kind: 'pat', readOnly: true, prefix: 'ra_pat_abc', lastUsedAt: null });
      expect(JSON.stringify(pat)).not.toContain('pat-hash');
      expect((await store.tokens.list({ filter: { userId: user.id, kind: 'pat' } })).total).toBe(1);
      expect(
        (await store.loadAccessSnapshot()).tokens
          .filter((t) => t.userId === user.id)
          .map((t) => t.tokenHash)
          .sort(),
      ).toEqual(['pat-hash', 'rt-hash']);
      await store.users.update(user.id, { passwordHash: 'new' });
      expect((await store.tokens.list({ filter: { userId: user.id } })).items.map((t) => t.kind)).toEqual(['pat']);
      expect(await store.tokens.deleteForUser(user.id, 'pat')).toBe(1);
      expect(
        (
          await errorOf(() =>
            store.tokens.create({ kind: 'pat', userId: 999999, name: 'x', tokenHash: 'h', prefix: 'p' }),
          )
        ).code,
      ).toBe('ERR_STORE_REFERENCE');
    });
    it('holds at most the limit of refresh tokens per user, ending the oldest, and refuses personal ones over it', async () => {
      const user = await store.users.create({ login: 'many-clients', passwordHash: 'x' });
      const other = await store.users.create({ login: 'other-clients', passwordHash: 'x' });
      const refresh = (userId: number, n: number) =>
        store.tokens.issue(
          {
            kind: 'refresh',
            userId,
            name: `machine ${n}`,
            tokenHash: `rt-${userId}-${n}`,
            prefix: 'ra_rt_x',
            clientId: 'docker',
          },
          { max: 3, whenFull: 'end-oldest' },
        );
      const otherToken = await refresh(other.id, 0);
      const issued = [];
      for (let n = 0; n < 5; n++) issued.push(await refresh(user.id, n));
      // Each login is its own entry until the limit; then each new one ends exactly the oldest.
      expect(issued.map((entry) => entry.ended.length)).toEqual([0, 0, 0, 1, 1]);
      expect(issued[3]?.ended).toEqual([issued[0]?.token.id]);
      expect(issued[4]?.ended).toEqual([issued[1]?.token.id]);
      const left = await store.tokens.list({ filter: { userId: user.id, kind: 'refresh' }, sort: ['id', 'ASC'] });
      expect(left.items.map((token) => token.name)).toEqual(['machine 2', 'machine 3', 'machine 4']);
      expect(await store.tokens.get(otherToken.token.id)).toBeDefined();
      // Each write reports the revision it made, one after the other.
      expect(issued[4]?.revision).toBe((issued[3]?.revision ?? 0) + 1);
      expect(await store.revision()).toBe(issued[4]?.revision);
      // A lower limit (changed configuration) trims a user holding more than it in one step.
      const lower = await store.tokens.issue(
        { kind: 'refresh', userId: user.id, name: 'machine 6', tokenHash: `rt-${user.id}-6`, prefix: 'ra_rt_x' },
        { max: 2, whenFull: 'end-oldest' },
      );
      expect(lower.ended).toEqual([issued[2]?.token.id, issued[3]?.token.id]);
      expect((await store.tokens.list({ filter: { userId: user.id, kind: 'refresh' } })).total).toBe(2);

      const pat = (n: number) =>
        store.tokens.issue(
          { kind: 'pat', userId: user.id, name: `pat ${n}`, tokenHash: `pat-${user.id}-${n}`, prefix: 'ra_pat_x' },
          { max: 2, whenFull: 'refuse' },
        );
      await pat(0);
      await pat(1);
      const before = await store.revision();
      const refused = await errorOf(() => pat(2));
      expect(refused.code).toBe('ERR_STORE_CONFLICT');
      expect(refused.message).toContain('at most 2 personal access tokens');
      expect(await store.revision()).toBe(before);
      expect((await store.tokens.list({ filter: { userId: user.id, kind: 'pat' } })).total).toBe(2);
    });

    it('never lets concurrent creations pass the personal token limit', async () => {
      const user = await store.users.create({ login: 'racing-tokens', passwordHash: 'x' });
      const results = await Promise.allSettled(
        Array.from({ length: 8 }, (_, n) =>
          store.tokens.issue(
            { kind: 'pat', userId: user.id, name: `pat ${n}`, tokenHash: `race-${user.id}-${n}`, prefix: 'ra_pat_x' },
            { max: 3, whenFull: 'refuse' },
          ),
        ),
      );
      expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(3);
      expect((await store.tokens.list({ filter: { userId: user.id, kind: 'pat' } })).total).toBe(3);
    });
  });

  describe('login failures', () => {
    const policy = { maxFailures: 3, windowMs: 60_000, lockoutMs: 1000, maxLockoutMs: 3000 };
    const address = (key: string) => [{ key, policy }];

    it('lets the limit through, then locks for twice as long each time, and forgets on release', async () => {
      const t0 = new Date('2030-01-01T00:00:00Z');
      const at = (ms: number) => new Date(t0.getTime() + ms);
      const key = 'address:10.0.0.1';
      for (let i = 0; i < 3; i++)
        expect(await store.loginFailures.reserve(address(key), at(i))).toEqual({ allowed: true });
      expect(await store.loginFailures.reserve(address(key), at(3))).toEqual({ allowed: false, lockedUntil: at(1003) });
      expect(await store.loginFailures.reserve(address(key), at(500))).toEqual({
        allowed: false,
        lockedUntil: at(1003),
      });
      for (let i = 0; i < 3; i++)
        expect((await store.loginFailures.reserve(address(key), at(1003 + i))).allowed).toBe(true);
      expect(await store.loginFailures.reserve(address(key), at(1010))).toEqual({
        allowed: false,
        lockedUntil: at(3010),
      });
      // An attempt given back does not count; a cleared key starts over.
      for (let i = 0; i < 3; i++)
        expect((await store.loginFailures.reserve(address(key), at(3010 + i))).allowed).toBe(true);
      await store.loginFailures.release([], [key]);
      expect((await store.loginFailures.reserve(address(key), at(3020))).allowed).toBe(true);
      expect((await store.loginFailures.reserve(address(key), at(3021))).allowed).toBe(false);
      await store.loginFailures.release([key], []);
      expect((await store.loginFailures.reserve(address(key), at(3022))).allowed).toBe(true);
      // A window that has passed starts the count again.
      expect((await store.loginFailures.reserve(address(key), at(3022 + 60_000))).allowed).toBe(true);
    });

    it('counts nothing against any key when one of them is locked', async () => {
      const now = new Date('2030-06-01T00:00:00Z');
      const account = { key: 'account:x@10.0.0.2', policy: { ...policy, maxFailures: 1 } };
      const wide = { key: 'address:10.0.0.2', policy };
      expect((await store.loginFailures.reserve([wide, account], now)).allowed).toBe(true);
      for (let i = 0; i < 5; i++) expect((await store.loginFailures.reserve([account, wide], now)).allowed).toBe(false);
      // The address has one failure counted: two more are let through for other accounts.
      expect((await store.loginFailures.reserve([wide], now)).allowed).toBe(true);
      expect((await store.loginFailures.reserve([wide], now)).allowed).toBe(true);
      expect((await store.loginFailures.reserve([wide], now)).allowed).toBe(false);
    });

    it('lets exactly the limit through however many reserve at once (on PostgreSQL through two pools, as replicas do)', async () => {
      const now = new Date('2031-01-01T00:00:00Z');
      // Replicas share PostgreSQL; SQLite serves one process, whose transactions take turns on its one connection.
      const other = store.dialect === 'postgres' ? await openStore(config) : store;
      try {
        const keys = [
          { key: 'address:10.0.0.3', policy: { ...policy, maxFailures: 12 } },
          { key: 'account:x@10.0.0.3', policy: { ...policy, maxFailures: 7 } },
        ];
        const answers = await Promise.all(
          Array.from({ length: 100 }, (_, i) => (i % 2 === 0 ? store : other).loginFailures.reserve(keys, now)),
        );
        expect(answers.filter((answer) => answer.allowed)).toHaveLength(7);
        const wide = await Promise.all(
          Array.from({ length: 100 }, (_, i) =>
            (i % 2 === 0 ? store : other).loginFailures.reserve(
              [{ key: 'address:10.0.0.3', policy: keys[0]!.policy }],
              now,
            ),
          ),
        );
        expect(wide.filter((answer) => answer.allowed)).toHaveLength(12 - 7);
      } finally {
        if (other !== store) await other.close();
      }
    });
  });

  describe('audit events', () => {
    it('records events and lists them newest first with filters', async () => {
      const base = {
        actorId: null,
        actorName: 'root',
        targetType: 'user',
        targetId: '7',
        address: '10.0.0.1',
        details: {},
      };
      await store.audit.record({
        ...base,
        action: 'user.create',
        targetName: 'alice',
        at: new Date('2030-01-01T00:00:00Z'),
      });
      await store.audit.record({
        ...base,
        action: 'user.disable',
        targetName: 'alice',
        at: new Date('2030-01-02T00:00:00Z'),
        details: { disabled: true },
      });
      await store.audit.record({
        ...base,
        actorName: 'other',
        action: 'group.create',
        targetType: 'group',
        targetName: 'devs',
        at: new Date('2030-01-03T00:00:00Z'),
      });
      const all = await store.audit.list({});
      expect(all.items.slice(0, 3).map((e) => e.action)).toEqual(['group.create', 'user.disable', 'user.create']);
      expect(all.items[1]?.details).toEqual({ disabled: true });
      expect((await store.audit.list({ filter: { actor: 'root' } })).total).toBe(2);
      expect((await store.audit.list({ filter: { targetType: 'group' } })).items.map((e) => e.targetName)).toEqual([
        'devs',
      ]);
      expect(
        (
          await store.audit.list({ filter: { since: '2030-01-02T00:00:00Z', until: '2030-01-03T00:00:00Z' } })
        ).items.map((e) => e.action),
      ).toEqual(['user.disable']);
      expect((await errorOf(() => store.audit.list({ filter: { since: 'yesterday-ish' } }))).field).toBe('filter');
    });
  });

  describe('registry events', () => {
    it('records each event id once and lists with filters', async () => {
      const event = (id: string, action: string, extra: Record<string, unknown> = {}) => ({
        id,
        timestamp: '2030-02-01T00:00:00.000Z',
        action,
        repository: 'team/app',
        tag: 'v1',
        digest: 'sha256:abc',
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        size: 1234,
        actor: 'alice',
        address: '10.0.0.1',
        userAgent: 'skopeo',
        ...extra,
      });
      expect(
        await store.registryEvents.record([
          event('e1', 'push'),
          event('e2', 'pull', { timestamp: '2030-02-02T00:00:00.000Z' }),
        ]),
      ).toEqual(['e1', 'e2']);
      expect(await store.registryEvents.record([event('e1', 'push'), event('e2', 'pull')])).toEqual([]);
      expect(await store.registryEvents.record([event('e3', 'delete', { actor: 'bob', tag: null })])).toEqual(['e3']);
      expect([...(await store.registryEvents.known(['e3', 'e9', 'e1', 'e3']))].sort()).toEqual(['e1', 'e3']);
      const all = await store.registryEvents.list({});
      expect(all.total).toBe(3);
      expect(all.items[0]?.id).toBe('e2');
      expect(all.items.find((e) => e.id === 'e1')?.size).toBe(1234);
      expect((await store.registryEvents.list({ filter: { actor: 'bob' } })).items.map((e) => e.action)).toEqual([
        'delete',
      ]);
      expect((await store.registryEvents.list({ filter: { action: 'pull', repository: 'team/app' } })).total).toBe(1);
      expect(
        (await store.registryEvents.list({ filter: { since: '2030-02-02T00:00:00Z' } })).items.map((e) => e.id),
      ).toEqual(['e2']);
    });

    it('pages through events of one time in id order, read from one index', async () => {
      const ids = Array.from({ length: 30 }, (_, i) => `same-${String(i).padStart(2, '0')}`);
      await store.registryEvents.record(
        ids.map((id) => ({
          id,
          timestamp: '2030-03-01T00:00:00.000Z',
          action: 'pull',
          repository: 'same/time',
          tag: 'v1',
          digest: null,
          mediaType: null,
          size: null,
          actor: 'ci',
          address: null,
          userAgent: null,
        })),
      );
      const seen: string[] = [];
      for (let start = 0; start < 30; start += 10) {
        const page = await store.registryEvents.list({
          filter: { repository: 'same/time' },
          sort: ['timestamp', 'DESC'],
          range: [start, start + 9],
        });
        seen.push(...page.items.map((event) => event.id));
      }
      expect(seen).toEqual([...ids].reverse());
      if (target.name === 'sqlite') {
        const plan = await sql<{ detail: string }>`explain query plan
          select * from registry_events order by timestamp desc, id desc limit 25`.execute(store.db);
        const details = plan.rows.map((row) => row.detail).join('\n');
        expect(details).toContain('registry_events_timestamp_id_idx');
        expect(details).not.toContain('TEMP B-TREE');
      }
    });
  });

  describe('registry index', () => {
    const manifest = (digest: string, blobs: Array<[string, number]>, extra: Record<string, unknown> = {}) => ({
      digest,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      size: blobs.reduce((sum, [, size]) => sum + size, 0),
      created: '2030-01-01T00:00:00Z',
      platforms: [{ os: 'linux', architecture: 'amd64' }],
      blobs,
      ...extra,
    });

    it('keeps tags pointing at manifests, with per-repository sizes counting each blob once', async () => {
      const id = await store.index.ensureRepository('idx/app');
      expect(await store.index.ensureRepository('idx/app')).toBe(id);
      await store.index.putManifest(
        id,
        manifest('sha256:m1', [
          ['sha256:c1', 100],
          ['sha256:shared', 1000],
        ]),
      );
      await store.index.putManifest(
        id,
        manifest('sha256:m2', [
          ['sha256:c2', 200],
          ['sha256:shared', 1000],
        ]),
      );
      await store.index.applyTags(id, [
        { name: 'v1', digest: 'sha256:m1', pushedAt: '2030-01-01T00:00:00.000Z' },
        { name: 'v2', digest: 'sha256:m2', pushedAt: '2030-01-02T00:00:00.000Z' },
        { name: 'latest', digest: 'sha256:m2', pushedAt: '2030-01-02T00:00:00.000Z' },
      ]);
      const [repository] = (await store.index.listRepositories({ filter: { name: 'idx/app' } })).items;
      expect(repository).toMatchObject({ tagCount: 3, size: 1300, lastPushAt: '2030-01-02T00:00:00.000Z' });
      const tags = await store.index.listTags('idx/app', { sort: ['size', 'DESC'] });
      // Ties are ordered by name in the sort's direction.
      expect(tags.items.map((tag) => [tag.name, tag.size])).toEqual([
        ['v2', 1200],
        ['latest', 1200],
        ['v1', 1100],
      ]);
      expect(tags.items[0]?.platforms).toEqual([{ os: 'linux', architecture: 'amd64' }]);
      expect(await store.index.tagDigests(id)).toEqual(
        new Map([
          ['v1', 'sha256:m1'],
          ['v2', 'sha256:m2'],
          ['latest', 'sha256:m2'],
        ]),
      );

      await store.index.addPulls([
        { repository: 'idx/app', tag: 'v2', count: 3, at: '2030-01-03T00:00:00.000Z' },
        { repository: 'idx/missing', tag: 'x', count: 1, at: '2030-01-03T00:00:00.000Z' },
      ]);
      expect((await store.index.listTags('idx/app', { filter: { q: 'v2' } })).items[0]).toMatchObject({
        pullCount: 3,
        lastPulledAt: '2030-01-03T00:00:00.000Z',
      });
      expect((await store.index.listRepositories({ filter: { name: 'idx/app' } })).items[0]?.pulls).toBe(3);
      // A manifest delete untags every tag that pointed at it.
      expect((await store.index.removeDigest(id, 'sha256:m2')).sort()).toEqual(['latest', 'v2']);
      await store.index.applyTags(id, [{ name: 'v2', digest: 'sha256:m1' }]);
      await store.index.applyTags(id, [], ['v1', 'v2']);
      expect(await store.index.hasManifest(id, 'sha256:m1')).toBe(false);
      expect((await store.index.listRepositories({ filter: { name: 'idx/app' } })).items[0]).toMatchObject({
        tagCount: 0,
        size: 0,
      });
      expect((await store.index.listTags('idx/missing', {})).total).toBe(0);
      await store.index.removeRepositories(['idx/app']);
      expect(await store.index.getRepository({ name: 'idx/app' })).toBeUndefined();
    });

    it('keeps the configs still to be read, pages through them and fills their manifests and tags', async () => {
      const ids = await store.index.ensureRepositories(['pend/a', 'pend/b']);
      const [a, b] = [ids.get('pend/a') as number, ids.get('pend/b') as number];
      const pending = (digest: string, config: string) =>
        manifest(digest, [[config, 10]], { created: null, platforms: [], pendingConfig: config });
      await store.index.applyChanges([
        {
          repositoryId: a,
          set: [
            { name: 'v1', digest: 'sha256:a1' },
            { name: 'same', digest: 'sha256:a1' },
            { name: 'v2', digest: 'sha256:a2' },
          ],
          manifests: [pending('sha256:a1', 'sha256:ca1'), pending('sha256:a2', 'sha256:ca2')],
        },
        {
          repositoryId: b,
          set: [{ name: 'v1', digest: 'sha256:b1' }],
          manifests: [pending('sha256:b1', 'sha256:cb1')],
        },
      ]);
      const first = await store.index.pendingConfigs(2);
      expect(first).toEqual([
        { repositoryId: a, repository: 'pend/a', digest: 'sha256:a1', config: 'sha256:ca1' },
        { repositoryId: a, repository: 'pend/a', digest: 'sha256:a2', config: 'sha256:ca2' },
      ]);
      expect(await store.index.pendingConfigs(2, first[1])).toEqual([
        { repositoryId: b, repository: 'pend/b', digest: 'sha256:b1', config: 'sha256:cb1' },
      ]);
      expect((await store.index.getManifest(a, 'sha256:a1'))?.pendingConfig).toBe('sha256:ca1');

      const arm = [{ os: 'linux', architecture: 'arm64', variant: 'v8' }];
      await store.index.fillConfigs([
        { repositoryId: a, digest: 'sha256:a1', config: 'sha256:ca1', created: '2031-01-01T00:00:00Z', platforms: arm },
        // No longer the pending config (the manifest was stored again meanwhile): left alone.
        {
          repositoryId: b,
          digest: 'sha256:b1',
          config: 'sha256:other',
          created: '2031-01-01T00:00:00Z',
          platforms: arm,
        },
      ]);
      const tags = (await store.index.listTags('pend/a', { sort: ['name', 'ASC'] })).items;
      expect(tags.map((tag) => [tag.name, tag.created, tag.platforms])).toEqual([
        ['same', '2031-01-01T00:00:00Z', arm],
        ['v1', '2031-01-01T00:00:00Z', arm],
        ['v2', null, []],
      ]);
      expect((await store.index.getManifest(a, 'sha256:a1'))?.pendingConfig).toBeUndefined();
      expect((await store.index.pendingConfigs(10)).map((entry) => entry.digest)).toEqual(['sha256:a2', 'sha256:b1']);
      // Stored again with its details (a push): nothing pending any more.
      await store.index.putManifest(b, manifest('sha256:b1', [['sha256:cb1', 10]]));
      expect((await store.index.pendingConfigs(10)).map((entry) => entry.digest)).toEqual(['sha256:a2']);
      await store.index.removeRepositories(['pend/a', 'pend/b']);
      expect(await store.index.pendingConfigs(10)).toEqual([]);
    });

    it('searches and sorts repositories on an allow-list', async () => {
      for (const name of ['srch/alpha', 'srch/beta', 'other/gamma']) await store.index.ensureRepository(name);
      expect(
        (await store.index.listRepositories({ filter: { q: 'SRCH/' }, sort: ['name', 'DESC'] })).items.map(
          (r) => r.name,
        ),
      ).toEqual(['srch/beta', 'srch/alpha']);
      expect((await errorOf(() => store.index.listRepositories({ sort: ['secret', 'ASC'] }))).field).toBe('sort');
    });

    it('searches many matches as exactly as few; above 2,000 matches SQLite estimates the total and says so', async () => {
      const id = await store.index.ensureRepository('dense/app');
      await store.index.putManifest(id, manifest('sha256:d', [['sha256:dc', 1]]));
      const names = Array.from({ length: 5100 }, (_, i) => `t${String(i).padStart(4, '0')}`);
      await store.index.applyTags(
        id,
        names.map((name) => ({ name, digest: 'sha256:d' })),
      );
      const dense = await store.index.listTags(undefined, { filter: { q: 'dense/app:t' }, range: [100, 102] });
      expect(dense.items.map((tag) => tag.name)).toEqual(['t0100', 't0101', 't0102']);
      // Short text (no trigram) takes the other path: the same rows, the same kind of total.
      const short = await store.index.listTags(undefined, {
        filter: { q: ':t' },
        sort: ['name', 'ASC'],
        range: [0, 1],
      });
      const later = await store.index.listTags(undefined, { filter: { q: 'dense/app:t' }, range: [4000, 4001] });
      expect(later.items.map((tag) => tag.name)).toEqual(['t4000', 't4001']);
      if (target.name === 'sqlite') {
        for (const result of [dense, short, later]) {
          expect(result.estimated).toBe(true);
          // Sampled over the table (this repository is most of it): near the real count, never below what was counted.
          expect(result.total).toBeGreaterThan(2000);
          expect(Math.abs(result.total - 5100)).toBeLessThanOrEqual(5100 * 0.25);
        }
        // Every page of one search gives the same total.
        expect(later.total).toBe(dense.total);
      } else {
        expect([dense.total, dense.estimated, later.total]).toEqual([5100, undefined, 5100]);
      }
      const few = await store.index.listTags(undefined, { filter: { q: 'DENSE/APP:T00' }, sort: ['name', 'DESC'] });
      expect([few.total, few.items[0]?.name]).toEqual([100, 't0099']);
      const some = await store.index.listTags(undefined, { filter: { q: 'dense/app:t0' }, range: [998, 1000] });
      expect([some.total, some.items.map((tag) => tag.name)]).toEqual([1000, ['t0998', 't0999']]);
      await store.index.removeRepositories(['dense/app']);
    }, 60_000);

    it('searches any text: a result equal to a substring test, or a query error for NUL and lone surrogates', async () => {
      // Stored text with FTS syntax, quotes, LIKE wildcards and non-ASCII, next to plain names.
      const stored = [
        'fz/alpha',
        'fz/a"b"c',
        'fz/near(x)*y',
        'fz/and:or^not',
        'fz/100%_off\\x',
        'fz/über-日本語',
        'fz/NEAR AND OR',
        'fz/kelvin',
      ];
      const id = await store.index.ensureRepository('fz/tagged');
      await store.index.putManifest(id, manifest('sha256:fz', [['sha256:fzc', 1]]));
      await store.index.applyTags(
        id,
        ['v1', 'a"b', 'x*y(1)', 'n:e^a-r', '%_'].map((name) => ({ name, digest: 'sha256:fz' })),
      );
      for (const name of stored) await store.index.ensureRepository(name);
      const repositories = (await store.index.listRepositories({ range: [0, 999] })).items.map((r) => r.name);
      const tags = (await store.index.listTags(undefined, { range: [0, 999] })).items.map(
        (t) => `${t.repository}:${t.name}`,
      );
      expect(tags.length).toBeLessThan(900);
      const sorted = (names: string[]) => [...names].sort();
      const contains = (text: string, q: string) => text.toLowerCase().includes(q.toLowerCase());
      const specials = ['"', '*', '(', ')', ':', '^', '%', '_', '\\', ' NEAR ', ' AND ', ' OR ', ' NOT ', '\0', '\n'];
      const query = fc.oneof(
        fc.string({ maxLength: 12 }),
        fc.string({ unit: 'binary', maxLength: 12 }),
        // Any UTF-16 code unit, lone surrogates included.
        fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)), maxLength: 8 }),
        fc.string({
          unit: fc.constantFrom(...specials, 'a', 'b', 'fz', '/', 'ü', 'İ', '\u212a', 'elvin'),
          maxLength: 8,
        }),
        // Pieces of what is stored, in mixed case: searches that must find something.
        fc.tuple(fc.constantFrom(...stored, ...tags), fc.nat(), fc.nat(), fc.boolean()).map(([text, a, b, upper]) => {
          const piece = text.slice(a % text.length, (a % text.length) + 1 + (b % 8));
          return upper ? piece.toUpperCase() : piece;
        }),
      );
      const isQueryError = (error: unknown) =>
        error instanceof StoreError && error.code === 'ERR_STORE_QUERY_INVALID' && error.field === 'filter';
      await fc.assert(
        fc.asyncProperty(query, async (q) => {
          const malformed = q.includes('\0') || /\p{Cs}/u.test(q);
          const runs = [
            async () => {
              const found = await store.index.listRepositories({ filter: { q }, range: [0, 999] });
              expect(found.total).toBe(found.items.length);
              return [found.items.map((r) => r.name), repositories.filter((name) => contains(name, q))];
            },
            async () => {
              const found = await store.index.listTags(undefined, { filter: { q }, range: [0, 999] });
              expect(found.total).toBe(found.items.length);
              return [found.items.map((t) => `${t.repository}:${t.name}`), tags.filter((text) => contains(text, q))];
            },
            async () => {
              const found = await store.index.listTags('fz/tagged', { filter: { q }, range: [0, 999] });
              const own = tags.filter((text) => text.startsWith('fz/tagged:')).map((text) => text.slice(10));
              return [found.items.map((t) => t.name), own.filter((name) => contains(name, q))];
            },
          ];
          for (const run of runs) {
            if (malformed) {
              await expect(run()).rejects.toSatisfy(isQueryError);
            } else {
              const [found, expected] = await run();
              expect(sorted(found as string[]), JSON.stringify(q)).toEqual(sorted(expected as string[]));
            }
          }
        }),
        { numRuns: 150 },
      );
      // Exact-match text filters take the same text: NUL (which PostgreSQL cannot hold) is a query error, not a 500.
      await expect(store.index.listTags(undefined, { filter: { digest: 'sha256:\0' } })).rejects.toSatisfy(
        isQueryError,
      );
      await expect(store.index.listRepositories({ filter: { name: 'fz/\ud800' } })).rejects.toSatisfy(isQueryError);
      await expect(store.users.list({ filter: { q: 'a\0' } })).rejects.toSatisfy(isQueryError);
      await store.index.removeRepositories([...stored, 'fz/tagged']);
    }, 120_000);

    it('orders tags by version, lists and searches tags across repositories, limited to the repositories given', async () => {
      const a = await store.index.ensureRepository('ver/a');
      const b = await store.index.ensureRepository('ver/b');
      for (const id of [a, b]) await store.index.putManifest(id, manifest('sha256:v', [['sha256:c', 10]]));
      const names = ['latest', '1.10.0', '1.9.0', 'v1.10.0-rc.1', '2.0.0', 'build-10', 'build-9'];
      await store.index.applyTags(
        a,
        names.map((name) => ({ name, digest: 'sha256:v' })),
      );
      await store.index.applyTags(b, [{ name: '1.0.0', digest: 'sha256:v' }]);
      const byVersion = await store.index.listTags('ver/a', { sort: ['version', 'ASC'] });
      expect(byVersion.items.map((tag) => tag.name)).toEqual([
        '1.9.0',
        'v1.10.0-rc.1',
        '1.10.0',
        '2.0.0',
        'build-9',
        'build-10',
        'latest',
      ]);
      expect((await store.index.getTag('ver/b', '1.0.0'))?.repository).toBe('ver/b');
      expect(await store.index.getTag('ver/b', 'latest')).toBeUndefined();
      expect((await store.index.getManifest(a, 'sha256:v'))?.blobs).toEqual([['sha256:c', 10]]);

      const everywhere = await store.index.listTags(undefined, { filter: { q: 'VER/B:1.0' } });
      expect(everywhere.items.map((tag) => `${tag.repository}:${tag.name}`)).toEqual(['ver/b:1.0.0']);
      const all = await store.index.listTags(undefined, { filter: { q: 'ver/' }, range: [0, 2] });
      expect(all.total).toBe(8);
      expect(all.items.map((tag) => `${tag.repository}:${tag.name}`)).toEqual([
        'ver/a:1.10.0',
        'ver/a:1.9.0',
        'ver/a:2.0.0',
      ]);
      const onlyB = await store.index.listTags(undefined, { filter: { q: 'ver/' } }, { only: [b] });
      expect(onlyB.items.map((tag) => tag.name)).toEqual(['1.0.0']);
      expect((await store.index.listTags('ver/a', {}, { only: [b] })).total).toBe(0);
      const repos = await store.index.listRepositories({ filter: { q: 'ver/' } }, { only: [b] });
      expect([repos.total, repos.items.map((r) => r.name)]).toEqual([1, ['ver/b']]);
      expect((await store.index.listRepositories({}, { only: [] })).total).toBe(0);
      expect(await store.index.stats({ only: [a, b] })).toEqual({ repositories: 2, tags: 8, size: 20 });
      expect(await store.index.stats({ only: [] })).toEqual({ repositories: 0, tags: 0, size: 0 });
      const many = Array.from({ length: 70_000 }, (_, i) => i + 1_000_000).concat([b]);
      expect((await store.index.stats({ only: many })).repositories).toBe(1);
      // The search index follows removals (tags, and repositories with their tags).
      expect((await store.index.listTags(undefined, { filter: { q: 'ver/a:lat' } })).total).toBe(1);
      await store.index.applyTags(a, [], ['latest']);
      expect((await store.index.listTags(undefined, { filter: { q: 'ver/a:lat' } })).total).toBe(0);
      expect((await store.index.listTags(undefined, { filter: { q: 'a:1' } })).total).toBe(2);
      await store.index.removeRepositories(['ver/a', 'ver/b']);
      expect((await store.index.listTags(undefined, { filter: { q: 'ver/' } })).total).toBe(0);
      expect((await store.index.listRepositories({ filter: { q: 'ver/' } })).total).toBe(0);
      await store.index.ensureRepository('ver/a');
      expect((await store.index.listRepositories({ filter: { q: 'VER/A' } })).items.map((r) => r.name)).toEqual([
        'ver/a',
      ]);
      await store.index.removeRepositories(['ver/a']);
    }, 60_000);
  });

  describe('snapshot, revision, sessions, settings', () => {
    it('bumps the revision on every access-relevant write and snapshots users, groups and rules', async () => {
      const r0 = await store.revision();
      const user = await store.users.create({ login: 'snap', passwordHash: 'hash-snap' });
      const r1 = await store.revision();
      expect(r1).toBeGreaterThan(r0);
      const group = await store.groups.create({ name: 'snappers', members: [user.id] });
      await store.rules.create({ subjectType: 'group', subjectId: group.id, pattern: 'snap/*', actions: ['pull'] });
      const snapshot = await store.loadAccessSnapshot();
      expect(snapshot.revision).toBe(await store.revision());
      expect(snapshot.revision).toBeGreaterThan(r1);
      expect(snapshot.users.find((u) => u.login === 'snap')).toEqual({
        id: user.id,
        login: 'snap',
        role: 'user',
        disabled: false,
        passwordHash: 'hash-snap',
        registryPasswordHash: null,
        groups: [group.id],
      });
      expect(snapshot.rules.some((r) => r.pattern === 'snap/*' && r.subjectId === group.id)).toBe(true);
    });

    it('keeps sessions until they expire', async () => {
      const user = await store.users.create({ login: 'sessions', passwordHash: 'x' });
      await store.sessions.create({
        id: 'old',
        userId: user.id,
        expiresAt: new Date(Date.now() - 1000),
        address: '127.0.0.1',
      });
      await store.sessions.create({ id: 'new', userId: user.id, expiresAt: new Date(Date.now() + 60_000) });
      await store.sessions.touch('new', new Date('2030-01-01T00:00:00Z'));
      expect((await store.sessions.get('new'))?.lastSeenAt).toBe('2030-01-01T00:00:00.000Z');
      expect(await store.sessions.deleteExpired(new Date())).toBeGreaterThanOrEqual(1);
      expect(await store.sessions.get('old')).toBeUndefined();
      expect(await store.sessions.deleteForUser(user.id)).toBe(1);
    });

    it('stores settings as JSON and creates them once under concurrency', async () => {
      await store.settings.set('a', { b: [1, 2] });
      expect(await store.settings.get('a')).toEqual({ b: [1, 2] });
      await store.settings.set('a', 3);
      expect(await store.settings.get('a')).toBe(3);
      let n = 0;
      const values = await Promise.all(
        Array.from({ length: 8 }, () => store.settings.getOrCreate('secret', () => `v${n++}`)),
      );
      expect(new Set(values).size).toBe(1);
    });
  });

  describe('session limit and pruning', () => {
    const t0 = new Date('2032-01-01T00:00:00Z');
    const at = (ms: number) => new Date(t0.getTime() + ms);
    const sessionIds = async (userId: number) =>
      (await store.db.selectFrom('sessions').select('id').where('user_id', '=', userId).orderBy('id').execute()).map(
        (row) => row.id,
      );

    it('ends the oldest sessions past the limit and always keeps the new one', async () => {
      const user = await store.users.create({ login: 'many-sessions', passwordHash: 'x' });
      const other = await store.users.create({ login: 'other-sessions', passwordHash: 'x' });
      await store.sessions.create({ id: 'other-1', userId: other.id, expiresAt: at(3600_000), createdAt: at(0) });
      for (let i = 0; i < 5; i++) {
        await store.sessions.create({
          id: `s${i}`,
          userId: user.id,
          expiresAt: at(3600_000),
          createdAt: at(i * 1000),
          maxPerUser: 3,
        });
      }
      expect(await sessionIds(user.id)).toEqual(['s2', 's3', 's4']);
      // Same creation time as the newest: the new one still stays.
      await store.sessions.create({
        id: 'a-tie',
        userId: user.id,
        expiresAt: at(3600_000),
        createdAt: at(4000),
        maxPerUser: 3,
      });
      const afterTie = await sessionIds(user.id);
      expect(afterTie).toHaveLength(3);
      expect(afterTie).toContain('a-tie');
      expect(afterTie).not.toContain('s2');
      await store.sessions.create({ id: 'only', userId: user.id, expiresAt: at(3600_000), maxPerUser: 1 });
      expect(await sessionIds(user.id)).toEqual(['only']);
      expect(await sessionIds(other.id)).toEqual(['other-1']);
    });

    it('holds the limit under concurrent sign-ins', async () => {
      const user = await store.users.create({ login: 'burst-sessions', passwordHash: 'x' });
      await Promise.all(
        Array.from({ length: 30 }, (_, i) =>
          store.sessions.create({ id: `burst-${i}`, userId: user.id, expiresAt: at(3600_000), maxPerUser: 4 }),
        ),
      );
      expect(await sessionIds(user.id)).toHaveLength(4);
    });

    it('prunes expired and idle sessions, stale login failures and expired reset links', async () => {
      const user = await store.users.create({ login: 'prune-me', passwordHash: 'x' });
      const session = (id: string, expiresAt: Date, lastSeenAt: Date) =>
        store.sessions
          .create({ id, userId: user.id, expiresAt, createdAt: at(0) })
          .then(() => store.sessions.touch(id, lastSeenAt));
      await session('expired', at(5000), at(1000));
      await session('idle', at(3600_000), at(1000));
      await session('live', at(3600_000), at(9000));
      // Other users' sessions may go too (the clock here is years ahead); only this user's are asserted.
      expect(await store.sessions.deleteExpired(at(10_000), 5000)).toBeGreaterThanOrEqual(2);
      expect(await sessionIds(user.id)).toEqual(['live']);

      const policy = { maxFailures: 100, windowMs: 60_000, lockoutMs: 1000, maxLockoutMs: 1000 };
      await store.loginFailures.reserve(
        ['address:stale', 'address:fresh'].map((key) => ({ key, policy })),
        at(0),
      );
      await store.loginFailures.reserve([{ key: 'address:fresh', policy }], at(100_000));
      expect(await store.loginFailures.prune(at(120_000), 60_000)).toBeGreaterThanOrEqual(1);
      const keys = await store.db
        .selectFrom('login_failures')
        .select('key')
        .where('key', 'like', 'address:%')
        .execute();
      expect(keys.map((row) => row.key).filter((key) => key === 'address:stale' || key === 'address:fresh')).toEqual([
        'address:fresh',
      ]);

      const resets = () =>
        store.db.selectFrom('password_resets').select('token_hash').where('user_id', '=', user.id).execute();
      await store.passwordResets.create({ userId: user.id, tokenHash: 'reset-old', expiresAt: at(1000), now: at(0) });
      await store.passwordResets.deleteExpired(at(500));
      expect(await resets()).toEqual([{ token_hash: 'reset-old' }]);
      expect(await store.passwordResets.deleteExpired(at(1000))).toBeGreaterThanOrEqual(1);
      expect(await resets()).toEqual([]);

      // Concurrent requests for a link within the interval: one is stored, the others are told no.
      const made = await Promise.all(
        Array.from({ length: 30 }, (_, i) =>
          store.passwordResets.create({
            userId: user.id,
            tokenHash: `reset-burst-${i}`,
            expiresAt: at(5000),
            now: at(2000),
            notWithinMs: 60_000,
          }),
        ),
      );
      expect(made.filter(Boolean)).toHaveLength(1);
      expect(await resets()).toHaveLength(1);
      expect(
        await store.passwordResets.create({
          userId: user.id,
          tokenHash: 'reset-later',
          expiresAt: at(200_000),
          now: at(2000 + 60_001),
          notWithinMs: 60_000,
        }),
      ).toBe(true);
    });

    it('prunes personal access and refresh tokens that expired before a time, and no others', async () => {
      const user = await store.users.create({ login: 'prune-tokens', passwordHash: 'x' });
      const token = (kind: 'pat' | 'refresh', name: string, expiresAt: Date | null) =>
        store.tokens.create({ kind, userId: user.id, name, tokenHash: `prune-${name}`, prefix: 'ra_x', expiresAt });
      await token('pat', 'expired-long-ago', at(1000));
      await token('refresh', 'refresh-expired', at(2000));
      await token('pat', 'expired-lately', at(9000));
      await token('pat', 'never-expires', null);
      await token('refresh', 'live', at(3600_000));
      const names = async () =>
        (await store.tokens.list({ filter: { userId: user.id }, sort: ['name', 'ASC'] })).items.map(
          (entry) => entry.name,
        );
      const revision = await store.revision();
      // Tokens of other users may go too (the clock here is years ahead); only this user's are asserted.
      expect(await store.tokens.deleteExpired(at(5000))).toBeGreaterThanOrEqual(2);
      expect(await names()).toEqual(['expired-lately', 'live', 'never-expires']);
      expect(await store.revision()).toBeGreaterThan(revision);
      await store.tokens.deleteExpired(at(9000));
      expect(await names()).toEqual(['expired-lately', 'live', 'never-expires']);
      expect(await store.tokens.deleteExpired(at(9001))).toBeGreaterThanOrEqual(1);
      expect(await names()).toEqual(['live', 'never-expires']);
    });
  });
  describe('transactions', () => {
    const auditOf = (targetName: string) => ({
      actorId: null,
      actorName: 'test',
      action: 'user.create',
      targetType: 'user',
      targetId: null,
      targetName,
      address: null,
      details: {},
    });

    it('commits a change and its audit event together', async () => {
      const user = await store.transaction(async (tx) => {
        const created = await tx.users.create({ login: 'tx-both', passwordHash: 'x', groups: [] });
        await tx.audit.record(auditOf('tx-both'));
        return created;
      });
      expect(await store.users.get(user.id)).toEqual(user);
      expect((await store.audit.list({ filter: { q: 'tx-both' } })).total).toBe(1);
    });

    it('leaves neither when the work fails after both writes, including writes that open their own transaction', async () => {
      const revision = await store.revision();
      await expect(
        store.transaction(async (tx) => {
          // users.create runs in a transaction of its own outside; here it joins this one.
          await tx.users.create({ login: 'tx-neither', passwordHash: 'x' });
          await tx.audit.record(auditOf('tx-neither'));
          await tx.registryEvents.record([
            {
              id: 'tx-neither-event',
              timestamp: '2030-03-01T00:00:00.000Z',
              action: 'push',
              repository: 'tx/app',
              tag: 'v1',
              digest: 'sha256:tx',
              mediaType: null,
              size: null,
              actor: '',
              address: null,
              userAgent: null,
            },
          ]);
          throw new Error('injected');
        }),
      ).rejects.toThrow('injected');
      expect(await store.users.getByLogin('tx-neither')).toBeUndefined();
      expect((await store.audit.list({ filter: { q: 'tx-neither' } })).total).toBe(0);
      expect((await store.registryEvents.list({ filter: { repository: 'tx/app' } })).total).toBe(0);
      expect(await store.revision()).toBe(revision);
    });

    it('rolls back a store error inside it, and the store stays usable', async () => {
      const error = await errorOf(() =>
        store.transaction(async (tx) => {
          await tx.audit.record(auditOf('tx-conflict'));
          await tx.users.create({ login: 'tx-both', passwordHash: 'x' });
        }),
      );
      expect(error.code).toBe('ERR_STORE_CONFLICT');
      expect((await store.audit.list({ filter: { q: 'tx-conflict' } })).total).toBe(0);
      expect((await store.users.getByLogin('tx-both'))?.login).toBe('tx-both');
    });
  });

  describe('clock', () => {
    it('stamps every default timestamp from the clock it was opened with', async () => {
      const fixed = new Date('2031-05-06T07:08:09.000Z');
      const clocked = await openStore(config, { now: () => fixed });
      try {
        const user = await clocked.users.create({ login: 'clocked', passwordHash: 'x' });
        expect([user.createdAt, user.updatedAt, user.passwordChangedAt]).toEqual(Array(3).fill(fixed.toISOString()));
        const group = await clocked.groups.create({ name: 'clocked-group' });
        expect(group.createdAt).toBe(fixed.toISOString());
        await clocked.audit.record({
          actorId: null,
          actorName: 'test',
          action: 'clock.test',
          targetType: 'user',
          targetId: null,
          targetName: 'clocked',
          address: null,
          details: {},
        });
        expect((await clocked.audit.list({ filter: { action: 'clock.test' } })).items[0]?.at).toBe(fixed.toISOString());
        const session = await clocked.sessions.create({
          id: 'clocked-s',
          userId: user.id,
          expiresAt: new Date(fixed.getTime() + 1000),
        });
        expect(session.createdAt).toBe(fixed.toISOString());
        await clocked.registryEvents.record([
          {
            id: 'clocked-event',
            timestamp: '2030-03-01T00:00:00.000Z',
            action: 'pull',
            repository: 'clock/app',
            tag: null,
            digest: null,
            mediaType: null,
            size: null,
            actor: '',
            address: null,
            userAgent: null,
          },
        ]);
        expect((await clocked.registryEvents.list({ filter: { repository: 'clock/app' } })).items[0]?.receivedAt).toBe(
          fixed.toISOString(),
        );
      } finally {
        await clocked.close();
      }
    });
  });
});
