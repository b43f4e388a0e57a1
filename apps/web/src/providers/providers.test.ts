import { HttpError } from 'react-admin';
import { describe, expect, it } from 'vitest';
import { createApiClient, memoryCsrfSource } from './api-client';
import { createAuthProvider } from './auth-provider';
import { createDataProvider } from './data-provider';

interface Call {
  url: string;
  method: string;
  headers: Headers;
  body: unknown;
  credentials: RequestCredentials | undefined;
}

/** A fetch that records each request and answers from a queue. */
function recordingFetch(answers: Array<{ status?: number; body?: unknown; headers?: Record<string, string> }>) {
  const calls: Call[] = [];
  const fetch = async (input: RequestInfo | URL, init?: RequestInit) => {
    calls.push({
      url: String(input),
      method: init?.method ?? 'GET',
      headers: new Headers(init?.headers),
      body: typeof init?.body === 'string' ? JSON.parse(init.body) : undefined,
      credentials: init?.credentials,
    });
    const answer = answers.shift() ?? { status: 500 };
    const text = answer.body === undefined ? '' : JSON.stringify(answer.body);
    return new Response(answer.status === 204 ? null : text, {
      status: answer.status ?? 200,
      headers: { 'content-type': 'application/json', ...answer.headers },
    });
  };
  return { calls, fetch: fetch as typeof globalThis.fetch };
}

const admin = { id: 1, login: 'admin', name: '', email: null, role: 'admin' };

describe('data provider', () => {
  it('lists with sort, range and filter as JSON parameters and reads the total from Content-Range', async () => {
    const { calls, fetch } = recordingFetch([{ body: [{ id: 3 }], headers: { 'Content-Range': 'users 25-25/26' } }]);
    const data = createDataProvider(createApiClient({ fetch }));
    const result = await data.getList('users', {
      sort: { field: 'login', order: 'DESC' },
      pagination: { page: 2, perPage: 25 },
      filter: { q: 'al' },
    });
    expect(result).toEqual({ data: [{ id: 3 }], total: 26 });
    const url = new URL(calls[0]?.url ?? '', 'http://x');
    expect(url.pathname).toBe('/api/v1/users');
    expect(url.searchParams.get('sort')).toBe('["login","DESC"]');
    expect(url.searchParams.get('range')).toBe('[25,49]');
    expect(url.searchParams.get('filter')).toBe('{"q":"al"}');
    expect(calls[0]?.credentials).toBe('same-origin');
  });

  it('passes on that a search total is estimated, so the pagination can say "about"', async () => {
    const { fetch } = recordingFetch([
      { body: [{ id: 'a:1' }], headers: { 'Content-Range': 'tags 0-0/20000', 'X-Total-Estimated': 'true' } },
      { body: [{ id: 'a:1' }], headers: { 'Content-Range': 'tags 0-0/1' } },
    ]);
    const data = createDataProvider(createApiClient({ fetch }));
    const params = { pagination: { page: 1, perPage: 1 }, sort: { field: 'name', order: 'ASC' as const }, filter: {} };
    expect(await data.getList('tags', params)).toEqual({
      data: [{ id: 'a:1' }],
      total: 20000,
      meta: { totalEstimated: true },
    });
    expect(await data.getList('tags', params)).toEqual({ data: [{ id: 'a:1' }], total: 1 });
  });

  it('fails loudly on a list without Content-Range', async () => {
    const { fetch } = recordingFetch([{ body: [] }]);
    const data = createDataProvider(createApiClient({ fetch }));
    await expect(
      data.getList('groups', { pagination: { page: 1, perPage: 10 }, sort: { field: 'id', order: 'ASC' }, filter: {} }),
    ).rejects.toThrow(/Content-Range/);
  });

  it('asks for many records by filter.id', async () => {
    const { calls, fetch } = recordingFetch([
      { body: [{ id: 4 }, { id: 9 }], headers: { 'Content-Range': 'groups 0-1/2' } },
    ]);
    const data = createDataProvider(createApiClient({ fetch }));
    await data.getMany('groups', { ids: [4, 9] });
    const url = new URL(calls[0]?.url ?? '', 'http://x');
    expect(url.searchParams.get('filter')).toBe('{"id":[4,9]}');
    expect(url.searchParams.get('range')).toBe('[0,1]');
  });

  it('sends the CSRF token on writes only, fetching it first after a reload', async () => {
    const csrf = memoryCsrfSource();
    const { calls, fetch } = recordingFetch([
      { body: [], headers: { 'Content-Range': 'users 0-0/0' } },
      { body: { user: admin, csrfToken: 'tok-1' } },
      { status: 201, body: { id: 7, login: 'bob' } },
    ]);
    let auth: ReturnType<typeof createAuthProvider> | undefined;
    const api = createApiClient({ fetch, csrf, refreshCsrf: () => auth?.refreshSession() ?? Promise.resolve() });
    auth = createAuthProvider(api);
    const data = createDataProvider(api);
    await data.getList('users', {
      pagination: { page: 1, perPage: 1 },
      sort: { field: 'id', order: 'ASC' },
      filter: {},
    });
    const created = await data.create('users', { data: { login: 'bob', password: 'x' } });
    expect(created.data).toEqual({ id: 7, login: 'bob' });
    expect(calls.map((call) => `${call.method} ${call.url.split('?')[0]}`)).toEqual([
      'GET /api/v1/users',
      'GET /api/v1/auth/me',
      'POST /api/v1/users',
    ]);
    expect(calls[0]?.headers.has('X-CSRF-Token')).toBe(false);
    expect(calls[2]?.headers.get('X-CSRF-Token')).toBe('tok-1');
    expect(calls[2]?.headers.get('Content-Type')).toBe('application/json');
  });

  it('turns an error body into an HttpError with the message and the field error', async () => {
    const { fetch } = recordingFetch([
      {
        status: 400,
        body: { error: { code: 'ERR_VALIDATION', message: 'login: must be 1-64 characters', field: 'login' } },
      },
    ]);
    const api = createApiClient({ fetch });
    api.csrf.set('t');
    const error = await createDataProvider(api)
      .create('users', { data: { login: '!' } })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(HttpError);
    expect(error).toMatchObject({
      status: 400,
      message: 'login: must be 1-64 characters',
      body: { code: 'ERR_VALIDATION', errors: { login: 'must be 1-64 characters' } },
    });
  });

  it('answers a delete with the record that went, even without a body', async () => {
    const { calls, fetch } = recordingFetch([{ status: 204 }]);
    const api = createApiClient({ fetch });
    api.csrf.set('t');
    const result = await createDataProvider(api).delete('groups', { id: 5, previousData: { id: 5, name: 'ops' } });
    expect(result.data).toEqual({ id: 5, name: 'ops' });
    expect(calls[0]).toMatchObject({ method: 'DELETE', url: '/api/v1/groups/5' });
  });
});

describe('auth provider', () => {
  it('signs in with login and password as JSON and keeps the CSRF token and the role', async () => {
    const { calls, fetch } = recordingFetch([{ body: { user: admin, csrfToken: 'tok-2' } }]);
    const api = createApiClient({ fetch });
    const auth = createAuthProvider(api);
    await auth.login({ username: 'admin', password: 'secret' });
    expect(calls[0]).toMatchObject({
      method: 'POST',
      url: '/api/v1/auth/login',
      body: { login: 'admin', password: 'secret' },
    });
    expect(api.csrf.get()).toBe('tok-2');
    expect(await auth.getPermissions({})).toBe('admin');
    expect(await auth.getIdentity()).toMatchObject({ id: 1, fullName: 'admin' });
  });

  it('signs in without asking for a CSRF token first, even with a refresher wired', async () => {
    const { calls, fetch } = recordingFetch([{ body: { user: admin, csrfToken: 'tok-5' } }]);
    let auth: ReturnType<typeof createAuthProvider> | undefined;
    const api = createApiClient({ fetch, refreshCsrf: () => auth?.refreshSession() ?? Promise.resolve() });
    auth = createAuthProvider(api);
    await auth.login({ username: 'admin', password: 'secret' });
    expect(calls.map((call) => call.url)).toEqual(['/api/v1/auth/login']);
    expect(calls[0]?.headers.has('X-CSRF-Token')).toBe(false);
  });

  it('sends a write without a token when there is no session to ask, and shows the server answer', async () => {
    const refused = { error: { code: 'ERR_FORBIDDEN', message: 'missing or wrong x-csrf-token header' } };
    const unauthorized = { error: { code: 'ERR_UNAUTHORIZED', message: 'authentication required' } };
    const { calls, fetch } = recordingFetch([
      { status: 401, body: unauthorized },
      { status: 403, body: refused },
    ]);
    let auth: ReturnType<typeof createAuthProvider> | undefined;
    const api = createApiClient({ fetch, refreshCsrf: () => auth?.refreshSession() ?? Promise.resolve() });
    auth = createAuthProvider(api);
    await expect(createDataProvider(api).create('groups', { data: { name: 'ops' } })).rejects.toMatchObject({
      status: 403,
      message: 'missing or wrong x-csrf-token header',
    });
    expect(calls.map((call) => `${call.method} ${call.url}`)).toEqual(['GET /api/v1/auth/me', 'POST /api/v1/groups']);
  });

  it('rejects a wrong password with the server message', async () => {
    const { fetch } = recordingFetch([
      { status: 401, body: { error: { code: 'ERR_UNAUTHORIZED', message: 'invalid login or password' } } },
    ]);
    const auth = createAuthProvider(createApiClient({ fetch }));
    await expect(auth.login({ username: 'admin', password: 'nope' })).rejects.toThrow('invalid login or password');
  });

  it('checkAuth fails and forgets the token when the session is gone', async () => {
    const { fetch } = recordingFetch([
      { body: { user: admin, csrfToken: 'tok-3' } },
      { status: 401, body: { error: { code: 'ERR_UNAUTHORIZED', message: 'authentication required' } } },
    ]);
    const api = createApiClient({ fetch });
    const auth = createAuthProvider(api, { recheckMs: 0 });
    await auth.checkAuth({});
    expect(api.csrf.get()).toBe('tok-3');
    await expect(auth.checkAuth({})).rejects.toMatchObject({ status: 401 });
    expect(api.csrf.get()).toBeUndefined();
  });

  it('asks /auth/me once for concurrent checks and not again until the recheck interval passed', async () => {
    const { calls, fetch } = recordingFetch([
      { body: { user: admin, csrfToken: 'tok-6', initialPassword: true, registryHost: 'registry.test:5000' } },
      { body: { user: admin, csrfToken: 'tok-6', initialPassword: false, registryHost: 'registry.test:5000' } },
    ]);
    let clock = 1_000;
    const auth = createAuthProvider(createApiClient({ fetch }), { recheckMs: 60_000, now: () => clock });
    await Promise.all([auth.checkAuth({}), auth.checkAuth({}), auth.getPermissions({}), auth.getIdentity()]);
    expect(calls).toHaveLength(1);
    clock += 59_000;
    await auth.checkAuth({});
    expect(await auth.getIdentity()).toMatchObject({ initialPassword: true, registryHost: 'registry.test:5000' });
    expect(calls).toHaveLength(1);
    clock += 2_000;
    await auth.checkAuth({});
    expect(calls).toHaveLength(2);
    expect((await auth.getIdentity()).initialPassword).toBe(false);
  });

  it('checks again at once after a 401 signed the user out', async () => {
    const { calls, fetch } = recordingFetch([
      { body: { user: admin, csrfToken: 'tok-7' } },
      { status: 401, body: { error: { code: 'ERR_UNAUTHORIZED', message: 'authentication required' } } },
    ]);
    const auth = createAuthProvider(createApiClient({ fetch }));
    await auth.checkAuth({});
    await expect(auth.checkError({ status: 401 })).rejects.toBeDefined();
    await expect(auth.checkAuth({})).rejects.toMatchObject({ status: 401, message: false });
    expect(calls).toHaveLength(2);
  });

  it('changes the password and keeps the renewed session token from the answer', async () => {
    const { calls, fetch } = recordingFetch([
      { body: { user: admin, csrfToken: 'old-token', initialPassword: true } },
      { body: { user: admin, csrfToken: 'new-token', sessionsEnded: 2, clientsSignedOut: 1 } },
    ]);
    const api = createApiClient({ fetch });
    const auth = createAuthProvider(api);
    await auth.login({ username: 'admin', password: 'generated' });
    expect((await auth.getIdentity()).initialPassword).toBe(true);
    expect(await auth.changePassword('generated', 'chosen-password')).toEqual({
      sessionsEnded: 2,
      clientsSignedOut: 1,
    });
    expect(calls[1]).toMatchObject({
      method: 'POST',
      url: '/api/v1/auth/password',
      body: { currentPassword: 'generated', newPassword: 'chosen-password' },
    });
    expect(calls[1]?.headers.get('X-CSRF-Token')).toBe('old-token');
    expect(api.csrf.get()).toBe('new-token');
    expect((await auth.getIdentity()).initialPassword).toBe(false);
    expect(calls).toHaveLength(2);
  });

  it('checkError signs out on 401 only', async () => {
    const auth = createAuthProvider(createApiClient({ fetch: recordingFetch([]).fetch }));
    await expect(auth.checkError({ status: 401 })).rejects.toBeDefined();
    await expect(auth.checkError({ status: 403 })).resolves.toBeUndefined();
  });

  it('logs out with a CSRF-carrying POST', async () => {
    const { calls, fetch } = recordingFetch([{ body: { user: admin, csrfToken: 'tok-4' } }, { status: 204 }]);
    const api = createApiClient({ fetch });
    const auth = createAuthProvider(api);
    await auth.login({ username: 'admin', password: 'x' });
    await auth.logout({});
    expect(calls[1]).toMatchObject({ method: 'POST', url: '/api/v1/auth/logout' });
    expect(calls[1]?.headers.get('X-CSRF-Token')).toBe('tok-4');
    expect(api.csrf.get()).toBeUndefined();
  });
});
