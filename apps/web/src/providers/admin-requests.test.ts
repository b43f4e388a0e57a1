import { describe, expect, it } from 'vitest';
import { createAdminRequests } from './admin-requests';
import { createApiClient, memoryCsrfSource } from './api-client';

/** A fetch that records each request and answers with `body`. */
function recording(body: unknown, status = 200) {
  const calls: Array<{ url: URL; method: string; headers: Headers; body: unknown }> = [];
  const fetch = async (input: RequestInfo | URL, init?: RequestInit) => {
    calls.push({
      url: new URL(String(input), 'http://x'),
      method: init?.method ?? 'GET',
      headers: new Headers(init?.headers),
      body: typeof init?.body === 'string' ? JSON.parse(init.body) : undefined,
    });
    return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
  };
  return { calls, fetch: fetch as typeof globalThis.fetch };
}

describe('admin requests', () => {
  it('asks for a pattern preview with the pattern and limit as query parameters', async () => {
    const answer = { pattern: '{user}/**', matches: ['a/b'], total: 1, repositories: 3, ownName: true };
    const { calls, fetch } = recording(answer);
    const preview = await createAdminRequests(createApiClient({ fetch })).previewPattern('{user}/**', { limit: 5 });
    expect(preview).toEqual(answer);
    expect(calls[0]?.url.pathname).toBe('/api/v1/access-rules/preview');
    expect(calls[0]?.url.searchParams.get('pattern')).toBe('{user}/**');
    expect(calls[0]?.url.searchParams.get('limit')).toBe('5');
  });

  it('checks access as a token request scope, anonymous without a user', async () => {
    const { calls, fetch } = recording({ user: null, anonymous: true, disabled: false, decisions: [] });
    const requests = createAdminRequests(createApiClient({ fetch }));
    await requests.checkAccess({ user: 'dev', repository: 'team/app', actions: ['pull', 'push'] });
    await requests.checkAccess({ repository: 'team/app', actions: ['pull'] });
    expect(calls[0]?.url.searchParams.get('scope')).toBe('repository:team/app:pull,push');
    expect(calls[0]?.url.searchParams.get('user')).toBe('dev');
    expect(calls[1]?.url.searchParams.has('user')).toBe(false);
  });

  it('rotates a secret with a POST that carries the CSRF token', async () => {
    const { calls, fetch } = recording({ id: 4, name: 'ci', secret: 'ra_sa_x' });
    const csrf = memoryCsrfSource();
    csrf.set('token-1');
    const rotated = await createAdminRequests(createApiClient({ fetch, csrf })).rotateServiceAccountSecret(4);
    expect(rotated.secret).toBe('ra_sa_x');
    expect(calls[0]).toMatchObject({ method: 'POST' });
    expect(calls[0]?.url.pathname).toBe('/api/v1/service-accounts/4/secret');
    expect(calls[0]?.headers.get('X-CSRF-Token')).toBe('token-1');
  });

  it('turns a refusal into an HttpError with the server message', async () => {
    const { fetch } = recording({ error: { code: 'ERR_RESET_UNAVAILABLE', message: 'not configured' } }, 503);
    await expect(createAdminRequests(createApiClient({ fetch })).sendPasswordReset('dev')).rejects.toMatchObject({
      status: 503,
      message: 'not configured',
    });
  });
});
