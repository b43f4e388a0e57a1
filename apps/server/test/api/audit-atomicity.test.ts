/**
 * A change and its audit event commit together: when recording the event fails after the change was made in the same
 * transaction, neither is kept, the store's revision does not move and the in-memory access state is untouched (every
 * audited write goes through `audited`).
 */
import type { Store } from '@registry-admin/store';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newSecret } from '../../src/services/secrets';
import { adminAuth, basic, createTestApp, createUser, type TestApp } from './fixture';

describe('audit events share their change’s transaction', () => {
  let t: TestApp;
  let original: Store['transaction'];
  beforeAll(async () => {
    t = await createTestApp();
    original = t.services.store.transaction;
  });
  afterAll(() => t.close());

  /**
   * Until restored, every audit event fails to be recorded: inside a transaction after the change before it was
   * written, and outside one too (so a change audited on its own would be kept without its event).
   */
  function failAuditInTransactions() {
    const store = t.services.store;
    const audit = store.audit;
    const failing = {
      ...audit,
      record: async () => {
        throw new Error('audit write failed');
      },
    };
    store.audit = failing;
    store.transaction = (work) => original((tx) => work({ ...tx, audit: failing }));
    return () => {
      store.transaction = original;
      store.audit = audit;
    };
  }

  const groupNamed = async (name: string) =>
    (await t.services.store.groups.list({ filter: { q: name } })).items.filter((group) => group.name === name);
  const auditsOf = async (targetName: string) =>
    (await t.services.store.audit.list({ filter: { q: targetName } })).items.filter((e) => e.targetName === targetName);

  it('creates no group when its audit event cannot be recorded, and creates both once it can', async () => {
    const restore = failAuditInTransactions();
    try {
      const failed = await t.app.inject({
        method: 'POST',
        url: '/api/v1/groups',
        headers: adminAuth(),
        payload: { name: 'atomic-group' },
      });
      expect(failed.statusCode).toBe(500);
      expect(await groupNamed('atomic-group')).toEqual([]);
    } finally {
      restore();
    }
    const created = await t.app.inject({
      method: 'POST',
      url: '/api/v1/groups',
      headers: adminAuth(),
      payload: { name: 'atomic-group' },
    });
    expect(created.statusCode, created.body).toBe(201);
    expect(await groupNamed('atomic-group')).toHaveLength(1);
    expect((await auditsOf('atomic-group')).map((e) => e.action)).toEqual(['group.create']);
  });

  it('keeps an access rule whose deletion could not be audited', async () => {
    const rule = await t.app.inject({
      method: 'POST',
      url: '/api/v1/access-rules',
      headers: adminAuth(),
      payload: { subjectType: 'registered', pattern: 'atomic/**', actions: ['pull'] },
    });
    expect(rule.statusCode, rule.body).toBe(201);
    const id = rule.json().id as number;
    const restore = failAuditInTransactions();
    try {
      const failed = await t.app.inject({ method: 'DELETE', url: `/api/v1/access-rules/${id}`, headers: adminAuth() });
      expect(failed.statusCode).toBe(500);
    } finally {
      restore();
    }
    expect((await t.services.store.rules.get(id))?.pattern).toBe('atomic/**');
    expect((await auditsOf('atomic/**')).map((e) => e.action)).toEqual(['rule.create']);
  });

  /**
   * Runs `request` with audit events failing and expects it to answer 500 having changed nothing: the store's
   * revision and the access state's stay where they were.
   */
  async function failsWithoutChange(request: () => Promise<{ statusCode: number; body: string }>) {
    const revision = await t.services.store.revision();
    const restore = failAuditInTransactions();
    try {
      const failed = await request();
      expect(failed.statusCode, failed.body).toBe(500);
    } finally {
      restore();
    }
    expect(await t.services.store.revision()).toBe(revision);
    expect(t.services.access.revision).toBe(revision);
  }

  /** The actions recorded on a target, oldest first. */
  const actionsOn = async (targetType: string, targetName: string) =>
    (await auditsOf(targetName))
      .filter((e) => e.targetType === targetType)
      .sort((a, b) => a.id - b.id)
      .map((e) => e.action);
  const userNamed = async (login: string) => t.services.store.users.getByLogin(login);
  const whoAmI = async (login: string, password: string) =>
    (await t.app.inject({ url: '/api/v1/auth/me', headers: { authorization: basic(login, password) } })).statusCode;

  it('creates no user when its audit event cannot be recorded, and creates both once it can', async () => {
    const create = () =>
      t.app.inject({
        method: 'POST',
        url: '/api/v1/users',
        headers: adminAuth(),
        payload: { login: 'atomic-user', password: 'atomic-user-password', role: 'manager' },
      });
    await failsWithoutChange(create);
    expect(await userNamed('atomic-user')).toBeUndefined();
    expect(t.services.access.userByLogin('atomic-user')).toBeUndefined();
    expect(await whoAmI('atomic-user', 'atomic-user-password')).toBe(401);

    const created = await create();
    expect(created.statusCode, created.body).toBe(201);
    expect(await whoAmI('atomic-user', 'atomic-user-password')).toBe(200);
    expect(await actionsOn('user', 'atomic-user')).toEqual(['user.create']);
  });

  it('neither updates nor disables nor deletes a user whose change could not be audited', async () => {
    const id = await createUser(t.app, 'atomic-kept', 'atomic-kept-password', { name: 'Kept' });
    const update = () =>
      t.app.inject({
        method: 'PUT',
        url: `/api/v1/users/${id}`,
        headers: adminAuth(),
        payload: { name: 'Renamed', disabled: true, password: 'atomic-new-password' },
      });
    await failsWithoutChange(update);
    const kept = await userNamed('atomic-kept');
    expect(kept?.name).toBe('Kept');
    expect(kept?.disabled).toBe(false);
    expect(await whoAmI('atomic-kept', 'atomic-kept-password')).toBe(200);

    const remove = () => t.app.inject({ method: 'DELETE', url: `/api/v1/users/${id}`, headers: adminAuth() });
    await failsWithoutChange(remove);
    expect((await userNamed('atomic-kept'))?.id).toBe(id);
    expect(t.services.access.userById(id)?.login).toBe('atomic-kept');
    expect(await whoAmI('atomic-kept', 'atomic-kept-password')).toBe(200);
    expect(await actionsOn('user', 'atomic-kept')).toEqual(['user.create']);

    const updated = await update();
    expect(updated.statusCode, updated.body).toBe(200);
    expect(updated.json()).toMatchObject({ name: 'Renamed', disabled: true });
    expect(await whoAmI('atomic-kept', 'atomic-new-password')).toBe(401);
    const removed = await remove();
    expect(removed.statusCode, removed.body).toBe(200);
    expect(await userNamed('atomic-kept')).toBeUndefined();
    expect(await actionsOn('user', 'atomic-kept')).toEqual(['user.create', 'user.disable', 'user.delete']);
  });

  it('creates no service account when its audit event cannot be recorded, and creates both once it can', async () => {
    const create = () =>
      t.app.inject({
        method: 'POST',
        url: '/api/v1/service-accounts',
        headers: adminAuth(),
        payload: { name: 'atomic-robot' },
      });
    await failsWithoutChange(create);
    const listed = await t.services.store.serviceAccounts.list({ filter: { q: 'atomic-robot' } });
    expect(listed.total).toBe(0);

    const created = await create();
    expect(created.statusCode, created.body).toBe(201);
    expect((await t.services.store.serviceAccounts.list({ filter: { q: 'atomic-robot' } })).total).toBe(1);
    expect(await actionsOn('service-account', 'atomic-robot')).toEqual(['service-account.create']);
  });

  it('issues no personal access token when its audit event cannot be recorded, and issues both once it can', async () => {
    const id = await createUser(t.app, 'atomic-tokens', 'atomic-tokens-password');
    const auth = { authorization: basic('atomic-tokens', 'atomic-tokens-password') };
    const create = () =>
      t.app.inject({ method: 'POST', url: '/api/v1/tokens', headers: auth, payload: { name: 'atomic-pat' } });
    await failsWithoutChange(create);
    expect((await t.services.store.tokens.list({ filter: { userId: id } })).total).toBe(0);

    const created = await create();
    expect(created.statusCode, created.body).toBe(201);
    const bearer = { authorization: `Bearer ${created.json().token as string}` };
    expect((await t.app.inject({ url: '/api/v1/auth/me', headers: bearer })).statusCode).toBe(200);
    // Applied to the access state in place, at the revision the committed transaction made.
    expect(t.services.access.revision).toBe(await t.services.store.revision());
    expect(await actionsOn('token', 'atomic-pat')).toEqual(['token.create']);
  });

  it('signs out nowhere when signing out everywhere could not be audited', async () => {
    await createUser(t.app, 'atomic-everywhere', 'atomic-everywhere-password');
    const auth = { authorization: basic('atomic-everywhere', 'atomic-everywhere-password') };
    const login = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { login: 'atomic-everywhere', password: 'atomic-everywhere-password' },
    });
    expect(login.statusCode, login.body).toBe(200);
    const client = await t.app.inject({
      url: '/api/v1/registry/auth?service=container_registry&offline_token=true&client_id=atomic-client',
      headers: auth,
    });
    expect(client.statusCode, client.body).toBe(200);
    const logoutEverywhere = () =>
      t.app.inject({ method: 'POST', url: '/api/v1/auth/logout-everywhere', headers: auth });
    await failsWithoutChange(logoutEverywhere);

    // The session and the refresh token outlived the failed attempt: the next one ends both.
    const done = await logoutEverywhere();
    expect(done.statusCode, done.body).toBe(200);
    expect(done.json()).toEqual({ sessionsEnded: 1, clientsSignedOut: 1 });
    expect(await actionsOn('user', 'atomic-everywhere')).toEqual(['user.create', 'user.logout-everywhere']);
  });

  it('keeps a reset link unused and the password unchanged when the reset could not be audited', async () => {
    const userId = await createUser(t.app, 'atomic-reset', 'atomic-old-password');
    const link = newSecret('reset');
    await t.services.store.passwordResets.create({
      userId,
      tokenHash: link.hash,
      expiresAt: new Date(Date.now() + 3600_000),
    });
    const complete = () =>
      t.app.inject({
        method: 'POST',
        url: '/api/v1/auth/password-reset/complete',
        payload: { token: link.value, password: 'atomic-new-password' },
      });
    await failsWithoutChange(complete);
    expect(await t.services.store.passwordResets.usable(link.hash)).toBe(userId);
    expect(await whoAmI('atomic-reset', 'atomic-old-password')).toBe(200);

    const done = await complete();
    expect(done.statusCode, done.body).toBe(200);
    expect(await whoAmI('atomic-reset', 'atomic-new-password')).toBe(200);
    expect(await actionsOn('user', 'atomic-reset')).toEqual(['user.create', 'user.password-reset']);
  });
});
