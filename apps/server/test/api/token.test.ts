import { X509Certificate } from 'node:crypto';
import { jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminAuth, basic, createRule, createTestApp, createUser, decodeJwt, type TestApp } from './fixture';

const SERVICE = 'container_registry';
const auth = (query: string) => `/api/v1/registry/auth?service=${SERVICE}&${query}`;

describe('token endpoint', () => {
  let t: TestApp;
  let aliceId: number;
  let bobId: number;
  let teamId: number;

  beforeAll(async () => {
    t = await createTestApp({ registry: { 'token-ttl': 600 } });
    aliceId = await createUser(t.app, 'alice', 'alice-password');
    bobId = await createUser(t.app, 'bob', 'bob-password');
    await createUser(t.app, 'carol', 'carol-password');
    const group = await t.app.inject({
      method: 'POST',
      url: '/api/v1/groups',
      headers: adminAuth(),
      payload: { name: 'team', members: [bobId] },
    });
    teamId = group.json().id;
    await createRule(t.app, { subjectType: 'user', subjectId: aliceId, pattern: 'alice-only/app', actions: ['pull'] });
    await createRule(t.app, {
      subjectType: 'user',
      subjectId: aliceId,
      pattern: 'projects/**',
      actions: ['pull', 'push'],
    });
    await createRule(t.app, { subjectType: 'group', subjectId: teamId, pattern: 'team/*', actions: ['*'] });
    await createRule(t.app, { subjectType: 'everyone', pattern: 'public/*', actions: ['pull'] });
    await createRule(t.app, { subjectType: 'registered', pattern: 'internal/*', actions: ['pull'] });
    await createRule(t.app, { subjectType: 'registered', pattern: '{user}/**', actions: ['pull', 'push', 'delete'] });
  });
  afterAll(() => t.close());

  async function token(query: string, authorization?: string) {
    const response = await t.app.inject({
      method: 'GET',
      url: auth(query),
      ...(authorization ? { headers: { authorization } } : {}),
    });
    return response;
  }
  async function access(query: string, authorization?: string) {
    const response = await token(query, authorization);
    expect(response.statusCode, response.body).toBe(200);
    return decodeJwt(response.json().token).payload.access as Array<{ type: string; name: string; actions: string[] }>;
  }

  it('issues a verifiable token with kid, x5c, a string audience and the server TTL', async () => {
    const response = await token('scope=repository:public/app:pull&expire=999999');
    expect(response.statusCode).toBe(200);
    const body = response.json();
    expect(body.token).toBe(body.access_token);
    expect(body.expires_in).toBe(600);
    expect(body.issued_at).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/);
    expect(response.headers['cache-control']).toBe('no-store');
    const { header, payload } = decodeJwt(body.token);
    expect(header.alg).toBe('ES256');
    expect(header.kid).toMatch(/^([A-Z2-7]{4}:){11}[A-Z2-7]{4}$/);
    expect(Array.isArray(header.x5c)).toBe(true);
    const cert = new X509Certificate(Buffer.from((header.x5c as string[])[0] ?? '', 'base64'));
    const verified = await jwtVerify(body.token, cert.publicKey, { issuer: 'registry-admin', audience: SERVICE });
    expect(verified.payload.sub).toBe('');
    expect(typeof payload.aud).toBe('string');
    expect((payload.exp as number) - (payload.iat as number)).toBe(600);
    expect(payload.jti).toMatch(/^[A-Za-z0-9_-]{22,}$/);
    expect(payload.access).toEqual([{ type: 'repository', name: 'public/app', actions: ['pull'] }]);
  });

  it('gives each token a different jti', async () => {
    const a = decodeJwt((await token('')).json().token).payload.jti;
    const b = decodeJwt((await token('')).json().token).payload.jti;
    expect(a).not.toBe(b);
  });

  it('intersects every requested action with the rules: pull-only rights never yield push', async () => {
    expect(await access('scope=repository:alice-only/app:pull,push', basic('alice', 'alice-password'))).toEqual([
      { type: 'repository', name: 'alice-only/app', actions: ['pull'] },
    ]);
  });

  it('reads every scope of a parameter and every repeated parameter', async () => {
    const granted = await access(
      `scope=${encodeURIComponent('repository:projects/a/b:push,pull repository:public/x:pull,push')}&scope=repository:nothing/here:pull`,
      basic('alice', 'alice-password'),
    );
    expect(granted).toEqual([
      { type: 'repository', name: 'projects/a/b', actions: ['push', 'pull'] },
      { type: 'repository', name: 'public/x', actions: ['pull'] },
      { type: 'repository', name: 'nothing/here', actions: [] },
    ]);
  });

  it('keeps a registry host:port prefix in the name', async () => {
    const granted = await access('scope=repository:localhost:5000/public/app:pull', undefined);
    expect(granted[0]?.name).toBe('localhost:5000/public/app');
  });

  it('grants group rules to members only', async () => {
    expect(
      (await access('scope=repository:team/app:pull,push,delete', basic('bob', 'bob-password')))[0]?.actions,
    ).toEqual(['pull', 'push', 'delete']);
    expect((await access('scope=repository:team/app:pull', basic('carol', 'carol-password')))[0]?.actions).toEqual([]);
  });

  it('shares with registered users only when the caller authenticated, and keeps public repositories for them', async () => {
    expect((await access('scope=repository:internal/app:pull'))[0]?.actions).toEqual([]);
    expect((await access('scope=repository:internal/app:pull', basic('carol', 'carol-password')))[0]?.actions).toEqual([
      'pull',
    ]);
    expect((await access('scope=repository:public/app:pull', basic('carol', 'carol-password')))[0]?.actions).toEqual([
      'pull',
    ]);
  });

  it('expands the own-name placeholder', async () => {
    expect((await access('scope=repository:carol/tools/x:push', basic('carol', 'carol-password')))[0]?.actions).toEqual(
      ['push'],
    );
    expect((await access('scope=repository:alice/tools/x:push', basic('carol', 'carol-password')))[0]?.actions).toEqual(
      [],
    );
  });

  it('gives admins everything, including the catalog; others not the catalog', async () => {
    expect(await access('scope=registry:catalog:*', adminAuth().authorization)).toEqual([
      { type: 'registry', name: 'catalog', actions: ['*'] },
    ]);
    expect((await access('scope=registry:catalog:*', basic('alice', 'alice-password')))[0]?.actions).toEqual([]);
  });

  it('answers wrong credentials with 401 and a Basic challenge, never 403 or 500', async () => {
    for (const authorization of [basic('alice', 'wrong-password'), basic('nobody', 'whatever1'), basic('alice', '')]) {
      const response = await token('scope=repository:public/app:pull', authorization);
      expect(response.statusCode).toBe(401);
      expect(response.headers['www-authenticate']).toMatch(/^Basic realm=/);
      expect(response.json().errors[0].code).toBe('UNAUTHORIZED');
    }
  });

  it('rejects invalid scopes with a 400 naming the bad part', async () => {
    const response = await token('scope=repository:Bad_Name:pull');
    expect(response.statusCode).toBe(400);
    expect(response.json().errors[0].message).toContain('Bad_Name');
    expect((await token('scope=nonsense')).statusCode).toBe(400);
  });

  it('rejects a malformed Authorization header and an unknown service with 400', async () => {
    expect((await token('', 'Basic !!!')).statusCode).toBeGreaterThanOrEqual(400);
    expect((await token('', 'Basic !!!')).statusCode).toBeLessThan(500);
    const response = await t.app.inject({ method: 'GET', url: '/api/v1/registry/auth?service=other' });
    expect(response.statusCode).toBe(400);
  });

  it('does not let account choose the subject', async () => {
    expect((await token('account=admin&scope=repository:x/y:pull')).statusCode).toBe(401);
    expect((await token('account=admin', basic('alice', 'alice-password'))).statusCode).toBe(400);
    const ok = await token('account=alice', basic('alice', 'alice-password'));
    expect(decodeJwt(ok.json().token).payload.sub).toBe('alice');
  });

  it('supports the OAuth2 password grant over POST', async () => {
    const response = await t.app.inject({
      method: 'POST',
      url: '/api/v1/registry/auth',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({
        grant_type: 'password',
        service: SERVICE,
        client_id: 'containerd',
        scope: 'repository:projects/app:pull,push repository:public/x:pull',
        username: 'alice',
        password: 'alice-password',
      }).toString(),
    });
    expect(response.statusCode, response.body).toBe(200);
    const body = response.json();
    expect(body.access_token).toBeTypeOf('string');
    expect(body.token).toBeUndefined();
    expect(body.expires_in).toBe(600);
    expect(body.scope).toBe('repository:projects/app:pull,push repository:public/x:pull');
    expect(decodeJwt(body.access_token).payload.sub).toBe('alice');
  });

  it('answers bad POST grants with OAuth2 errors', async () => {
    const post = (fields: Record<string, string>) =>
      t.app.inject({
        method: 'POST',
        url: '/api/v1/registry/auth',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: new URLSearchParams(fields).toString(),
      });
    const wrong = await post({ grant_type: 'password', service: SERVICE, username: 'alice', password: 'nope-nope' });
    expect(wrong.statusCode).toBe(401);
    expect(wrong.json().error).toBe('invalid_grant');
    const unsupported = await post({ grant_type: 'client_credentials', service: SERVICE });
    expect(unsupported.statusCode).toBe(400);
    expect(unsupported.json().error).toBe('unsupported_grant_type');
  });

  it('refuses a disabled user on the next request, even with a cached password check', async () => {
    const id = await createUser(t.app, 'dave', 'dave-password');
    expect((await token('', basic('dave', 'dave-password'))).statusCode).toBe(200);
    expect((await token('', basic('dave', 'dave-password'))).statusCode).toBe(200);
    const disable = await t.app.inject({
      method: 'PUT',
      url: `/api/v1/users/${id}`,
      headers: adminAuth(),
      payload: { disabled: true },
    });
    expect(disable.statusCode).toBe(200);
    expect((await token('', basic('dave', 'dave-password'))).statusCode).toBe(401);
  });

  it('refuses the old password right after a password change', async () => {
    const id = await createUser(t.app, 'erin', 'erin-password');
    expect((await token('', basic('erin', 'erin-password'))).statusCode).toBe(200);
    await t.app.inject({
      method: 'PUT',
      url: `/api/v1/users/${id}`,
      headers: adminAuth(),
      payload: { password: 'erin-new-password' },
    });
    expect((await token('', basic('erin', 'erin-password'))).statusCode).toBe(401);
    expect((await token('', basic('erin', 'erin-new-password'))).statusCode).toBe(200);
  });

  it('caches successful password checks but never failures', async () => {
    const cache = t.services.credentialCache;
    await createUser(t.app, 'frank', 'frank-password');
    const before = cache.size;
    await token('', basic('frank', 'bad-password'));
    expect(cache.size).toBe(before);
    await token('', basic('frank', 'frank-password'));
    expect(cache.size).toBe(before + 1);
    await token('', basic('frank', 'frank-password'));
    expect(cache.size).toBe(before + 1);
  });

  it('publishes a JWKS document for the signing key', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/api/v1/registry/jwks' });
    expect(response.statusCode).toBe(200);
    expect(response.json().keys).toHaveLength(1);
    expect(response.json().keys[0].d).toBeUndefined();
  });
});

describe('token endpoint with RS256 and thumbprint key ids', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ registry: { 'key-id': 'thumbprint', certs: { algorithm: 'rsa-2048' } } });
  });
  afterAll(() => t.close());

  it('signs RS256 with the RFC 7638 thumbprint as kid', async () => {
    const response = await t.app.inject({ method: 'GET', url: `/api/v1/registry/auth?service=${SERVICE}` });
    const { header } = decodeJwt(response.json().token);
    expect(header.alg).toBe('RS256');
    expect(header.kid).toBe(t.services.issuer.thumbprint);
    expect(header.kid).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });
});
