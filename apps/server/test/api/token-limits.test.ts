/**
 * Limits on the tokens one user may hold, and token writes applied to the in-memory access state without reloading
 * all of it: repeated `docker login`s must neither grow the store without bound nor make every request slower.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { basic, createTestApp, createUser, type TestApp } from './fixture';

const SERVICE = 'container_registry';
const MAX_CLIENTS = 3;
const MAX_PATS = 2;

describe('token limits per user', () => {
  let t: TestApp;
  const userAuth = { authorization: basic('ana', 'ana-password') };

  beforeAll(async () => {
    // No replica polling in this suite: the access state changes only through the writes under test.
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    t = await createTestApp({ auth: { 'max-refresh-tokens': MAX_CLIENTS, 'max-personal-tokens': MAX_PATS } });
    await createUser(t.app, 'ana', 'ana-password');
  });
  afterAll(async () => {
    await t.close();
    vi.useRealTimers();
  });

  async function offlineLogin(clientId: string): Promise<string> {
    const response = await t.app.inject({
      url: `/api/v1/registry/auth?service=${SERVICE}&account=ana&client_id=${clientId}&offline_token=true`,
      headers: userAuth,
    });
    expect(response.statusCode, response.body).toBe(200);
    return response.json().refresh_token as string;
  }
  const refreshGrant = (refreshToken: string) =>
    t.app.inject({
      method: 'POST',
      url: '/api/v1/registry/auth',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({
        grant_type: 'refresh_token',
        refresh_token: refreshToken,
        service: SERVICE,
        client_id: 'docker',
        scope: 'repository:ana/app:pull',
      }).toString(),
    });
  const clients = async () =>
    (await t.app.inject({ url: '/api/v1/clients', headers: userAuth })).json() as Array<{ clientId: string }>;

  it('keeps each login its own entry up to the limit, then ends the oldest first', async () => {
    const logins: string[] = [];
    for (let n = 0; n < MAX_CLIENTS; n++) logins.push(await offlineLogin(`machine-${n}`));
    expect((await clients()).map((client) => client.clientId).sort()).toEqual(['machine-0', 'machine-1', 'machine-2']);
    for (const token of logins) expect((await refreshGrant(token)).statusCode).toBe(200);

    for (let n = MAX_CLIENTS; n < MAX_CLIENTS + 4; n++) logins.push(await offlineLogin(`machine-${n}`));
    expect((await clients()).map((client) => client.clientId).sort()).toEqual(['machine-4', 'machine-5', 'machine-6']);
    const ended = logins.slice(0, logins.length - MAX_CLIENTS);
    for (const token of ended) {
      const refused = await refreshGrant(token);
      expect(refused.statusCode).toBe(401);
      expect(refused.json().error).toBe('invalid_grant');
    }
    for (const token of logins.slice(-MAX_CLIENTS)) expect((await refreshGrant(token)).statusCode).toBe(200);
    const stored = await t.services.store.tokens.list({ filter: { kind: 'refresh' } });
    expect(stored.total).toBe(MAX_CLIENTS);
  });

  it('refuses a personal access token over the limit with 409 and never ends one', async () => {
    const create = (name: string) =>
      t.app.inject({ method: 'POST', url: '/api/v1/tokens', headers: userAuth, payload: { name } });
    const made = [];
    for (let n = 0; n < MAX_PATS; n++) {
      const response = await create(`pat-${n}`);
      expect(response.statusCode).toBe(201);
      made.push(response.json() as { id: number; token: string });
    }
    const over = await create('one too many');
    expect(over.statusCode).toBe(409);
    expect(over.json().error.code).toBe('ERR_STORE_CONFLICT');
    expect(over.json().error.message).toBe(
      `a user may hold at most ${MAX_PATS} personal access tokens: revoke one first`,
    );
    const listed = (await t.app.inject({ url: '/api/v1/tokens', headers: userAuth })).json() as unknown[];
    expect(listed).toHaveLength(MAX_PATS);
    for (const pat of made) {
      const me = await t.app.inject({ url: '/api/v1/auth/me', headers: { authorization: `Bearer ${pat.token}` } });
      expect(me.statusCode).toBe(200);
    }
    const first = made[0] as { id: number };
    expect(
      (await t.app.inject({ method: 'DELETE', url: `/api/v1/tokens/${first.id}`, headers: userAuth })).statusCode,
    ).toBe(200);
    expect((await create('after revoking one')).statusCode).toBe(201);
  });

  it('applies token writes to the access state without reloading it', async () => {
    const load = vi.spyOn(t.services.store, 'loadAccessSnapshot');
    try {
      const refreshToken = await offlineLogin('machine-spy');
      expect((await refreshGrant(refreshToken)).statusCode).toBe(200);
      const pats = (await t.app.inject({ url: '/api/v1/tokens', headers: userAuth })).json() as Array<{ id: number }>;
      for (const pat of pats) {
        await t.app.inject({ method: 'DELETE', url: `/api/v1/tokens/${pat.id}`, headers: userAuth });
      }
      const created = await t.app.inject({
        method: 'POST',
        url: '/api/v1/tokens',
        headers: userAuth,
        payload: { name: 'spy', readOnly: true },
      });
      expect(created.statusCode).toBe(201);
      const { id, token } = created.json() as { id: number; token: string };
      const bearer = { authorization: `Bearer ${token}` };
      expect((await t.app.inject({ url: '/api/v1/auth/me', headers: bearer })).statusCode).toBe(200);
      const listed = (await clients()) as Array<{ clientId: string; id?: number }>;
      const spy = listed.find((client) => client.clientId === 'machine-spy') as { id: number };
      await t.app.inject({ method: 'DELETE', url: `/api/v1/clients/${spy.id}`, headers: userAuth });
      expect((await refreshGrant(refreshToken)).statusCode).toBe(401);
      await t.app.inject({ method: 'DELETE', url: `/api/v1/tokens/${id}`, headers: userAuth });
      expect((await t.app.inject({ url: '/api/v1/auth/me', headers: bearer })).statusCode).toBe(401);
      expect(load).not.toHaveBeenCalled();
      // The snapshot's revision kept step with the store, so the replica poll has nothing to reload either.
      expect(t.services.access.revision).toBe(await t.services.store.revision());
    } finally {
      load.mockRestore();
    }
  });

  it('still reloads when another writer changed something in between', async () => {
    const user = t.services.access.userByLogin('ana');
    if (!user) throw new Error('ana is missing');
    // A change the access state did not see (as from another replica): the next token write is not revision+1.
    await t.services.store.groups.create({ name: 'from-elsewhere' });
    const load = vi.spyOn(t.services.store, 'loadAccessSnapshot');
    try {
      await offlineLogin('machine-after-other-write');
      expect(load).toHaveBeenCalledTimes(1);
      expect(t.services.access.revision).toBe(await t.services.store.revision());
    } finally {
      load.mockRestore();
    }
  });
});
