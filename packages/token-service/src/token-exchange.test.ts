/**
 * The token exchange against every rule of the protocol: each test drives `exchangeToken` with a raw request as an
 * HTTP server would hand it over and checks status, headers and body as docker, containerd and skopeo read them.
 */
import { generateKeyPairSync } from 'node:crypto';
import { decodeJwt, jwtVerify } from 'jose';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  type AuthenticationResult,
  type Credentials,
  createTokenIssuer,
  exchangeToken,
  type RefreshTokenIssuer,
  type ResourceScope,
  type TokenAccess,
  type TokenAuthenticator,
  type TokenAuthorizer,
  type TokenExchangeContext,
  type TokenExchangeOptions,
  type TokenExchangeRequest,
} from './index';

const SERVICE = 'registry.example';
const NOW = Date.UTC(2024, 0, 2, 3, 4, 5);
const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const issuer = createTokenIssuer({
  privateKey,
  issuer: 'test-issuer',
  audience: SERVICE,
  ttlSeconds: 300,
  now: () => NOW,
});

interface User {
  name: string;
  rights: Record<string, string[]>;
}
const USERS: Record<string, { password: string; user: User; readOnly?: boolean }> = {
  alice: { password: 'alice-password', user: { name: 'alice', rights: { 'team/app': ['pull', 'push'] } } },
  mallory: { password: 'mallory-password', user: { name: 'mallory', rights: { 'mallory/app': ['pull', 'push'] } } },
  reader: {
    password: 'reader-password',
    user: { name: 'reader', rights: { 'team/app': ['pull', 'push', 'delete', '*'] } },
    readOnly: true,
  },
};
const REFRESH_TOKEN = 'refresh-secret-of-alice';
const ANONYMOUS_RIGHTS: Record<string, string[]> = { 'public/app': ['pull'] };

/** What the plug-ins saw, so tests can assert on calls as well as answers. */
let seen: { credentials: Credentials[]; contexts: TokenExchangeContext[]; principals: Array<User | undefined> };
let throttled: number | undefined;
let issuedRefreshTokens: number;

const authenticator: TokenAuthenticator<User> = {
  async authenticate(credentials, context): Promise<AuthenticationResult<User>> {
    seen.credentials.push(credentials);
    seen.contexts.push(context);
    if (throttled !== undefined) return { outcome: 'throttled', retryAfterSeconds: throttled };
    if (credentials.kind === 'refresh-token') {
      const alice = USERS.alice;
      return credentials.token === REFRESH_TOKEN && alice
        ? { outcome: 'authenticated', subject: 'alice', principal: alice.user }
        : { outcome: 'denied' };
    }
    if (credentials.kind !== 'basic') return { outcome: 'denied' };
    const entry = USERS[credentials.username];
    if (!entry || entry.password !== credentials.password) return { outcome: 'denied' };
    return {
      outcome: 'authenticated',
      subject: entry.user.name,
      principal: entry.user,
      ...(entry.readOnly ? { readOnly: true } : {}),
    };
  },
};

const authorizer: TokenAuthorizer<User> = {
  authorize(principal, requested: readonly ResourceScope[]): TokenAccess[] {
    seen.principals.push(principal);
    const rights = principal ? principal.rights : ANONYMOUS_RIGHTS;
    return requested.map((scope) => ({
      ...scope,
      actions: scope.actions.filter((action) => rights[scope.name]?.includes(action)),
    }));
  },
};

const refreshTokens: RefreshTokenIssuer<User> = {
  async issue(authenticated, context) {
    issuedRefreshTokens++;
    return `refresh-for-${authenticated.subject}-${context.clientId ?? 'none'}`;
  },
};

const options: TokenExchangeOptions<User> = { service: SERVICE, authenticator, authorizer, issuer, refreshTokens };

const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

function get(query: Record<string, string | string[]>, authorization?: string): TokenExchangeRequest {
  return { method: 'GET', query, headers: authorization ? { authorization } : {}, address: '192.0.2.7' };
}
function post(form: Record<string, string>, query: Record<string, string> = {}): TokenExchangeRequest {
  return { method: 'POST', query, body: form, headers: {}, address: '192.0.2.7' };
}
const claimsOf = (token: unknown) => decodeJwt(String(token));

beforeEach(() => {
  seen = { credentials: [], contexts: [], principals: [] };
  throttled = undefined;
  issuedRefreshTokens = 0;
});

describe('GET (docker)', () => {
  it('answers token, access_token, expires_in and an RFC 3339 issued_at, not cached', async () => {
    const result = await exchangeToken(
      get({ service: SERVICE, scope: 'repository:team/app:pull,push' }, basic('alice', 'alice-password')),
      options,
    );
    expect(result.status).toBe(200);
    expect(result.headers).toEqual({ 'cache-control': 'no-store' });
    expect(result.ok && result.body).toMatchObject({ expires_in: 300, issued_at: '2024-01-02T03:04:05Z' });
    expect(Object.keys(result.body).sort()).toEqual(['access_token', 'expires_in', 'issued_at', 'token']);
    const body = result.body as { token: string; access_token: string };
    expect(body.token).toBe(body.access_token);
    const { payload } = await jwtVerify(body.token, publicKey, {
      issuer: 'test-issuer',
      audience: SERVICE,
      currentDate: new Date(NOW),
    });
    expect(payload.sub).toBe('alice');
    expect(payload.access).toEqual([{ type: 'repository', name: 'team/app', actions: ['pull', 'push'] }]);
    expect(seen.contexts).toEqual([{ address: '192.0.2.7', clientId: undefined, grantType: undefined }]);
  });

  it('issues a token for anonymous requests with an empty subject, authorized as nobody', async () => {
    const result = await exchangeToken(
      get({ service: SERVICE, scope: ['repository:public/app:pull,push', 'repository:team/app:pull'] }),
      options,
    );
    expect(result.status).toBe(200);
    const claims = claimsOf((result.body as { token: string }).token);
    expect(claims.sub).toBe('');
    expect(claims.access).toEqual([
      { type: 'repository', name: 'public/app', actions: ['pull'] },
      { type: 'repository', name: 'team/app', actions: [] },
    ]);
    expect(seen.credentials).toEqual([]);
    expect(seen.principals).toEqual([undefined]);
  });

  it('accepts a request without service (any client may leave it out)', async () => {
    expect((await exchangeToken(get({}), options)).status).toBe(200);
  });

  it('ignores a body on GET', async () => {
    const request = { ...get({ service: SERVICE }), body: { grant_type: 'password', username: 'x', password: 'y' } };
    const result = await exchangeToken(request, options);
    expect(result.status).toBe(200);
    expect(seen.credentials).toEqual([]);
  });
});

describe('the service (audience) check', () => {
  it('refuses another service with 400 in docker shape for GET', async () => {
    const result = await exchangeToken(get({ service: 'other' }, basic('alice', 'alice-password')), options);
    expect(result.status).toBe(400);
    expect(result.body).toEqual({ errors: [{ code: 'INVALID_REQUEST', message: 'unknown service "other"' }] });
    expect(result.headers['www-authenticate']).toBeUndefined();
    expect(seen.credentials).toEqual([]);
  });

  it('refuses another service with an OAuth2 error for POST', async () => {
    const result = await exchangeToken(
      post({ grant_type: 'password', service: 'other', username: 'alice', password: 'alice-password' }),
      options,
    );
    expect(result.status).toBe(400);
    expect(result.body).toEqual({ error: 'invalid_request', error_description: 'unknown service "other"' });
  });

  it('cuts a long service name in the message', async () => {
    const result = await exchangeToken(get({ service: 'x'.repeat(500) }), options);
    expect(result.ok ? '' : result.error.message).toBe(`unknown service "${'x'.repeat(100)}"`);
  });
});

describe('account and credentials', () => {
  it("refuses a token for account=mallory bought with alice's password", async () => {
    let signed = 0;
    const counting: TokenExchangeOptions<User> = {
      ...options,
      issuer: {
        issue(claims) {
          signed++;
          return issuer.issue(claims);
        },
      },
    };
    const result = await exchangeToken(
      get(
        { service: SERVICE, account: 'mallory', scope: 'repository:mallory/app:push' },
        basic('alice', 'alice-password'),
      ),
      counting,
    );
    expect(result.status).toBe(400);
    expect(result.body).toEqual({
      errors: [{ code: 'INVALID_REQUEST', message: 'account does not match the credentials' }],
    });
    expect(signed).toBe(0);
    expect(seen.principals).toEqual([]);
  });

  it('accepts account equal to the subject, and an empty account', async () => {
    for (const account of ['alice', '']) {
      const result = await exchangeToken(get({ service: SERVICE, account }, basic('alice', 'alice-password')), options);
      expect(result.status).toBe(200);
      expect(claimsOf((result.body as { token: string }).token).sub).toBe('alice');
    }
  });

  it('refuses an account without credentials with 401 and a Basic challenge', async () => {
    const result = await exchangeToken(get({ service: SERVICE, account: 'alice' }), options);
    expect(result.status).toBe(401);
    expect(result.headers['www-authenticate']).toBe('Basic realm="registry", charset="UTF-8"');
    expect(result.body).toEqual({ errors: [{ code: 'UNAUTHORIZED', message: 'account given without credentials' }] });
  });

  it('answers wrong credentials with 401, a challenge in the configured realm, and never echoes the secret', async () => {
    const result = await exchangeToken(get({ service: SERVICE }, basic('alice', 'guess-123')), {
      ...options,
      realm: 'my-registry',
    });
    expect(result.status).toBe(401);
    expect(result.headers).toEqual({
      'cache-control': 'no-store',
      'www-authenticate': 'Basic realm="my-registry", charset="UTF-8"',
    });
    expect(result.body).toEqual({ errors: [{ code: 'UNAUTHORIZED', message: 'invalid credentials' }] });
    expect(JSON.stringify(result)).not.toContain('guess-123');
  });

  it('passes a bearer token to the authenticator', async () => {
    const result = await exchangeToken(get({ service: SERVICE }, 'Bearer some-token'), options);
    expect(result.status).toBe(401);
    expect(seen.credentials).toEqual([{ kind: 'bearer', token: 'some-token' }]);
  });

  it('answers a malformed Authorization header with 400, not a failure', async () => {
    for (const authorization of [
      'Basic !!!',
      'Digest abc',
      'Bearer ',
      `Basic ${Buffer.from('nocolon').toString('base64')}`,
    ]) {
      const result = await exchangeToken(get({ service: SERVICE }, authorization), options);
      expect(result.status, authorization).toBe(400);
      expect(result.ok ? '' : result.error.code).toBe('invalid_request');
    }
    expect(seen.credentials).toEqual([]);
  });

  it('answers throttling with 429 and Retry-After, in both shapes', async () => {
    throttled = 42;
    const viaGet = await exchangeToken(get({ service: SERVICE }, basic('alice', 'alice-password')), options);
    expect(viaGet.status).toBe(429);
    expect(viaGet.headers['retry-after']).toBe('42');
    expect(viaGet.body).toEqual({
      errors: [{ code: 'TOOMANYREQUESTS', message: 'too many failed sign-in attempts; try again in 42 s' }],
    });
    const viaPost = await exchangeToken(
      post({ grant_type: 'password', service: SERVICE, username: 'alice', password: 'alice-password' }),
      options,
    );
    expect(viaPost.status).toBe(429);
    expect(viaPost.headers['retry-after']).toBe('42');
    expect(viaPost.body).toMatchObject({ error: 'too_many_attempts' });
  });

  it('passes on a failure of the authenticator itself', async () => {
    const failing = { ...options, authenticator: { authenticate: () => Promise.reject(new Error('directory down')) } };
    await expect(exchangeToken(get({}, basic('alice', 'alice-password')), failing)).rejects.toThrow('directory down');
  });
});

describe('read-only principals', () => {
  it('get pull at most, whatever the authorizer grants', async () => {
    const result = await exchangeToken(
      get({ service: SERVICE, scope: 'repository:team/app:pull,push,delete,*' }, basic('reader', 'reader-password')),
      options,
    );
    expect(result.ok && result.granted).toEqual([{ type: 'repository', name: 'team/app', actions: ['pull'] }]);
    expect(claimsOf((result.body as { token: string }).token).access).toEqual([
      { type: 'repository', name: 'team/app', actions: ['pull'] },
    ]);
  });
});

describe('OAuth2 POST (form body)', () => {
  it('answers the password grant with access_token, expires_in, issued_at and the granted scope, without token', async () => {
    const result = await exchangeToken(
      post({
        grant_type: 'password',
        service: SERVICE,
        client_id: 'containerd',
        scope: 'repository:team/app:pull,push,delete repository:nothing/here:pull',
        username: 'alice',
        password: 'alice-password',
      }),
      options,
    );
    expect(result.status).toBe(200);
    const body = result.body as Record<string, unknown>;
    expect(Object.keys(body).sort()).toEqual(['access_token', 'expires_in', 'issued_at', 'scope']);
    expect(body.scope).toBe('repository:team/app:pull,push');
    expect(body.expires_in).toBe(300);
    expect(claimsOf(body.access_token).sub).toBe('alice');
    expect(seen.contexts[0]).toEqual({ address: '192.0.2.7', clientId: 'containerd', grantType: 'password' });
  });

  it('reads the form, not the query string', async () => {
    const result = await exchangeToken(
      post(
        { grant_type: 'password', service: SERVICE, username: 'alice', password: 'alice-password' },
        { service: 'other', account: 'mallory' },
      ),
      options,
    );
    expect(result.status).toBe(200);
  });

  it('refuses wrong credentials with invalid_grant and a Basic challenge', async () => {
    const result = await exchangeToken(
      post({ grant_type: 'password', service: SERVICE, username: 'alice', password: 'wrong' }),
      options,
    );
    expect(result.status).toBe(401);
    expect(result.headers['www-authenticate']).toMatch(/^Basic realm=/);
    expect(result.body).toEqual({ error: 'invalid_grant', error_description: 'invalid credentials' });
  });

  it('refuses unknown, missing and incomplete grants with 400', async () => {
    const cases: Array<[Record<string, string>, string]> = [
      [{ grant_type: 'client_credentials', service: SERVICE }, 'unsupported_grant_type'],
      [{ service: SERVICE }, 'invalid_request'],
      [{ grant_type: 'password', service: SERVICE, username: 'alice' }, 'invalid_request'],
      [{ grant_type: 'refresh_token', service: SERVICE }, 'invalid_request'],
    ];
    for (const [form, code] of cases) {
      const result = await exchangeToken(post(form), options);
      expect(result.status, JSON.stringify(form)).toBe(400);
      expect((result.body as { error: string }).error).toBe(code);
    }
  });

  it('refuses a POST without a form body', async () => {
    const result = await exchangeToken({ method: 'POST', query: {}, headers: {} }, options);
    expect(result.status).toBe(400);
    expect(result.body).toEqual({ error: 'invalid_request', error_description: 'a form body is required' });
  });

  it('refuses other methods with 400', async () => {
    const result = await exchangeToken({ method: 'PUT', query: {}, headers: {} }, options);
    expect(result.status).toBe(400);
    expect(result.body).toMatchObject({ errors: [{ code: 'INVALID_REQUEST' }] });
  });
});

describe('refresh tokens', () => {
  it('issues one on GET with offline_token=true and credentials, naming the client', async () => {
    const result = await exchangeToken(
      get(
        { service: SERVICE, account: 'alice', offline_token: 'true', client_id: 'docker' },
        basic('alice', 'alice-password'),
      ),
      options,
    );
    expect(result.status).toBe(200);
    expect((result.body as { refresh_token: string }).refresh_token).toBe('refresh-for-alice-docker');
  });

  it('issues none without offline_token, for anonymous requests, or when the issuer declines', async () => {
    const plain = await exchangeToken(get({ service: SERVICE }, basic('alice', 'alice-password')), options);
    expect(plain.body).not.toHaveProperty('refresh_token');
    const anonymous = await exchangeToken(get({ service: SERVICE, offline_token: 'true' }), options);
    expect(anonymous.body).not.toHaveProperty('refresh_token');
    expect(issuedRefreshTokens).toBe(0);
    const declining = { ...options, refreshTokens: { issue: async () => undefined } };
    const declined = await exchangeToken(
      get({ service: SERVICE, offline_token: 'true' }, basic('alice', 'alice-password')),
      declining,
    );
    expect(declined.status).toBe(200);
    expect(declined.body).not.toHaveProperty('refresh_token');
    const without = { ...options, refreshTokens: undefined };
    const none = await exchangeToken(
      get({ service: SERVICE, offline_token: 'true' }, basic('alice', 'alice-password')),
      without,
    );
    expect(none.body).not.toHaveProperty('refresh_token');
  });

  it('issues one on the POST password grant with access_type=offline', async () => {
    const result = await exchangeToken(
      post({
        grant_type: 'password',
        service: SERVICE,
        access_type: 'offline',
        client_id: 'ctr',
        username: 'alice',
        password: 'alice-password',
      }),
      options,
    );
    expect((result.body as { refresh_token: string }).refresh_token).toBe('refresh-for-alice-ctr');
  });

  it('accepts the same refresh token again and again on the refresh grant', async () => {
    for (let n = 0; n < 3; n++) {
      const result = await exchangeToken(
        post({
          grant_type: 'refresh_token',
          service: SERVICE,
          refresh_token: REFRESH_TOKEN,
          scope: 'repository:team/app:pull',
        }),
        options,
      );
      expect(result.status).toBe(200);
      expect((result.body as { scope: string }).scope).toBe('repository:team/app:pull');
    }
    expect(seen.credentials[0]).toEqual({ kind: 'refresh-token', token: REFRESH_TOKEN });
    expect(seen.contexts[0]?.grantType).toBe('refresh_token');
  });

  it('refuses a refresh grant whose username is not the token owner, and an unknown refresh token', async () => {
    const mismatch = await exchangeToken(
      post({ grant_type: 'refresh_token', service: SERVICE, refresh_token: REFRESH_TOKEN, username: 'mallory' }),
      options,
    );
    expect(mismatch.status).toBe(400);
    expect(mismatch.body).toEqual({
      error: 'invalid_request',
      error_description: 'account does not match the credentials',
    });
    const unknown = await exchangeToken(
      post({ grant_type: 'refresh_token', service: SERVICE, refresh_token: 'not-a-token' }),
      options,
    );
    expect(unknown.status).toBe(401);
    expect(unknown.body).toEqual({ error: 'invalid_grant', error_description: 'invalid credentials' });
  });
});
