import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import fc from 'fast-check';
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { describe, expect, it } from 'vitest';
import {
  createJwks,
  createTokenIssuer,
  formatScope,
  jwkThumbprint,
  libtrustKeyId,
  parseScope,
  parseScopes,
  parseTokenRequest,
  TokenServiceError,
} from './index';

/** Known answer computed with openssl + sha256sum + Python's base32 over the same key. */
const KAT_PUBLIC_KEY = `-----BEGIN PUBLIC KEY-----
MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE49tIrva4TkdvZ681cekRIvNn510L
P6L9/Wk2E+Pw+6cO9P26k6X6xNyVj/EyXmihst/8MoOmb3Spmb0URfmdDQ==
-----END PUBLIC KEY-----`;
const KAT_LIBTRUST_ID = 'AWYK:UC7E:2DKA:3M2S:B3ON:GC7Y:SNWA:I5Q6:UANE:LPSA:EDJF:UQ4Q';

/** RFC 7638 §3.1. */
const RFC7638_KEY = {
  kty: 'RSA',
  n: '0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw',
  e: 'AQAB',
};

function codeOf(run: () => unknown): string | undefined {
  try {
    run();
  } catch (error) {
    return (error as TokenServiceError).code;
  }
  return undefined;
}

describe('scope grammar', () => {
  it.each([
    ['repository:team/app:pull', [{ type: 'repository', name: 'team/app', actions: ['pull'] }]],
    ['repository:team/app:pull,push', [{ type: 'repository', name: 'team/app', actions: ['pull', 'push'] }]],
    [
      'repository:localhost:5000/team/app:pull',
      [{ type: 'repository', name: 'localhost:5000/team/app', actions: ['pull'] }],
    ],
    ['repository:reg.example.com/a:push', [{ type: 'repository', name: 'reg.example.com/a', actions: ['push'] }]],
    ['repository(plugin):vieux/sshfs:pull', [{ type: 'repository(plugin)', name: 'vieux/sshfs', actions: ['pull'] }]],
    ['registry:catalog:*', [{ type: 'registry', name: 'catalog', actions: ['*'] }]],
    ['repository:a__b/c-d.e_f:', [{ type: 'repository', name: 'a__b/c-d.e_f', actions: [] }]],
    [
      'repository:a:pull  repository:b:push',
      [
        { type: 'repository', name: 'a', actions: ['pull'] },
        { type: 'repository', name: 'b', actions: ['push'] },
      ],
    ],
    ['', []],
  ])('parses %j', (value, expected) => {
    expect(parseScope(value)).toEqual(expected);
  });

  it.each([
    ['repository:Foo:pull', 'resource name "Foo" is invalid'],
    ['REPO:foo:pull', 'resource type "REPO" is invalid'],
    ['repository:foo:pu$h', 'action "pu$h" is invalid'],
    ['repository:foo', 'expected type:name:actions'],
    ['nonsense', 'expected type:name:actions'],
    ['repository::pull', 'resource name is empty'],
    ['repository:a//b:pull', 'resource name "a//b" is invalid'],
    ['repository:-a:pull', 'invalid'],
    [`repository:${'a'.repeat(256)}:pull`, '255'],
  ])('rejects %j naming the bad part', (value, message) => {
    expect(() => parseScope(value)).toThrow(message);
    expect(codeOf(() => parseScope(value))).toBe('ERR_SCOPE_INVALID');
  });

  it('merges repeated parameters and duplicate resources', () => {
    expect(parseScopes(['repository:a:pull', 'repository:a:push repository:b:pull', 'repository:a:pull'])).toEqual([
      { type: 'repository', name: 'a', actions: ['pull', 'push'] },
      { type: 'repository', name: 'b', actions: ['pull'] },
    ]);
    expect(parseScopes(undefined)).toEqual([]);
  });

  it('property: format and parse round-trip', () => {
    const component = fc.stringMatching(/^[a-z0-9]{1,5}([._-][a-z0-9]{1,3})?$/);
    const name = fc
      .tuple(
        fc.option(fc.constantFrom('localhost:5000', 'reg.example.com', 'host:1'), { nil: undefined }),
        fc.array(component, { minLength: 1, maxLength: 3 }),
      )
      .map(([host, parts]) => [host, ...parts].filter(Boolean).join('/'));
    const scope = fc.record({
      type: fc.constantFrom('repository', 'repository(plugin)', 'registry'),
      name,
      actions: fc.uniqueArray(fc.constantFrom('pull', 'push', 'delete', '*'), { maxLength: 4 }),
    });
    fc.assert(
      fc.property(scope, (s) => {
        expect(parseScope(formatScope(s))).toEqual([s]);
      }),
    );
  });
});

describe('token requests', () => {
  const basic = (value: string) => `Basic ${Buffer.from(value).toString('base64')}`;

  it('parses the docker login GET (no scope, offline token, account)', () => {
    const request = parseTokenRequest({
      method: 'GET',
      query: { account: 'alice', client_id: 'docker', offline_token: 'true', service: 'registry' },
      authorization: basic('alice:pa:ss'),
    });
    expect(request).toEqual({
      method: 'GET',
      service: 'registry',
      scopes: [],
      account: 'alice',
      clientId: 'docker',
      offlineToken: true,
      credentials: { kind: 'basic', username: 'alice', password: 'pa:ss' },
    });
  });

  it('parses repeated scope parameters and anonymous requests', () => {
    const request = parseTokenRequest({
      method: 'GET',
      query: { service: 'r', scope: ['repository:a:pull', 'repository:b:push,pull'] },
    });
    expect(request.credentials).toBeUndefined();
    expect(request.scopes).toHaveLength(2);
  });

  it('parses OAuth2 password and refresh_token POSTs', () => {
    const password = parseTokenRequest({
      method: 'POST',
      query: {},
      body: {
        grant_type: 'password',
        service: 'r',
        client_id: 'containerd-client',
        scope: 'repository:a:pull repository:b:pull',
        username: 'bob',
        password: 'secret',
        access_type: 'offline',
      },
    });
    expect(password.credentials).toEqual({ kind: 'basic', username: 'bob', password: 'secret' });
    expect(password.scopes).toHaveLength(2);
    expect(password.offlineToken).toBe(true);
    const refresh = parseTokenRequest({
      method: 'POST',
      query: {},
      body: { grant_type: 'refresh_token', service: 'r', refresh_token: 'abc', client_id: 'docker' },
    });
    expect(refresh.credentials).toEqual({ kind: 'refresh-token', token: 'abc' });
  });

  it('rejects malformed requests without echoing secrets', () => {
    const cases: Array<[() => unknown, string]> = [
      [() => parseTokenRequest({ method: 'GET', query: {}, authorization: 'Basic !!!!' }), 'ERR_REQUEST_INVALID'],
      [() => parseTokenRequest({ method: 'GET', query: {}, authorization: basic('no-colon') }), 'ERR_REQUEST_INVALID'],
      [() => parseTokenRequest({ method: 'GET', query: {}, authorization: 'Digest x' }), 'ERR_REQUEST_INVALID'],
      [() => parseTokenRequest({ method: 'GET', query: { service: ['a', 'b'] } }), 'ERR_REQUEST_INVALID'],
      [
        () => parseTokenRequest({ method: 'GET', query: { scope: Array(65).fill('repository:a:pull') } }),
        'ERR_REQUEST_INVALID',
      ],
      [
        () => parseTokenRequest({ method: 'POST', query: {}, body: { grant_type: 'password', username: 'x' } }),
        'ERR_REQUEST_INVALID',
      ],
      [
        () => parseTokenRequest({ method: 'POST', query: {}, body: { grant_type: 'client_credentials' } }),
        'ERR_UNSUPPORTED_GRANT',
      ],
      [() => parseTokenRequest({ method: 'POST', query: {}, body: {} }), 'ERR_REQUEST_INVALID'],
      [() => parseTokenRequest({ method: 'GET', query: { scope: 'bad' } }), 'ERR_SCOPE_INVALID'],
    ];
    for (const [run, code] of cases) expect(codeOf(run)).toBe(code);
    try {
      parseTokenRequest({ method: 'POST', query: {}, body: { grant_type: 'password', password: 'TOPSECRET' } });
    } catch (error) {
      expect((error as Error).message).not.toContain('TOPSECRET');
    }
  });
});

describe('key ids', () => {
  it('computes the libtrust key id (known answer)', () => {
    expect(libtrustKeyId(createPublicKey(KAT_PUBLIC_KEY))).toBe(KAT_LIBTRUST_ID);
  });

  it('computes the RFC 7638 thumbprint (RFC example)', () => {
    expect(jwkThumbprint(createPublicKey({ key: RFC7638_KEY, format: 'jwk' }))).toBe(
      'NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs',
    );
  });
});

describe('token issuer', () => {
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const access = [{ type: 'repository', name: 'team/app', actions: ['pull', 'push'] }];

  it('issues ES256 tokens with a libtrust kid that verify with the public key', async () => {
    let n = 0;
    const issuer = createTokenIssuer({
      privateKey: ec.privateKey,
      issuer: 'registry-admin',
      audience: 'registry',
      ttlSeconds: 300,
      now: () => Date.UTC(2026, 10, 22, 12, 0, 0, 500),
      randomId: () => `jti-${n++}`,
    });
    const issued = await issuer.issue({ subject: 'alice', access });
    expect(issued.token).toBe(issued.access_token);
    expect(issued.expires_in).toBe(300);
    expect(issued.issued_at).toBe('2026-11-22T12:00:00Z');
    const header = decodeProtectedHeader(issued.token);
    expect(header).toEqual({ alg: 'ES256', typ: 'JWT', kid: libtrustKeyId(ec.publicKey) });
    const { payload } = await jwtVerify(issued.token, ec.publicKey, {
      issuer: 'registry-admin',
      audience: 'registry',
      currentDate: new Date(Date.UTC(2026, 10, 22, 12, 1)),
    });
    const iat = Date.UTC(2026, 10, 22, 12) / 1000;
    expect(payload).toEqual({
      iss: 'registry-admin',
      sub: 'alice',
      aud: 'registry',
      iat,
      nbf: iat,
      exp: iat + 300,
      jti: 'jti-0',
      access,
    });
    expect(typeof payload.aud).toBe('string');
  });

  it('uses 128-bit random jtis by default', async () => {
    const issuer = createTokenIssuer({ privateKey: ec.privateKey, issuer: 'i', audience: 'a', ttlSeconds: 60 });
    const ids = new Set<string>();
    for (let i = 0; i < 50; i++) {
      const { token } = await issuer.issue({ subject: '', access: [] });
      const jti = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString()).jti as string;
      expect(Buffer.from(jti, 'base64url')).toHaveLength(16);
      ids.add(jti);
    }
    expect(ids.size).toBe(50);
  });

  it('refuses a certificate chain that does not parse (x5c with real certificates is covered by the server tests)', () => {
    const other = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    expect(() =>
      createTokenIssuer({
        privateKey: other.privateKey,
        certificateChain: ['not a certificate'],
        issuer: 'i',
        audience: 'a',
        ttlSeconds: 60,
      }),
    ).toThrow(TokenServiceError);
  });

  it('signs RS256 with RSA keys and rejects algorithms that do not fit the key', async () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const issuer = createTokenIssuer({ privateKey: rsa.privateKey, issuer: 'i', audience: 'a', ttlSeconds: 60 });
    expect(issuer.algorithm).toBe('RS256');
    const { token } = await issuer.issue({ subject: 'x', access });
    await expect(jwtVerify(token, rsa.publicKey, { audience: 'a' })).resolves.toBeTruthy();
    expect(
      codeOf(() =>
        createTokenIssuer({
          privateKey: rsa.privateKey,
          algorithm: 'ES256',
          issuer: 'i',
          audience: 'a',
          ttlSeconds: 60,
        }),
      ),
    ).toBe('ERR_KEY_INVALID');
    expect(
      codeOf(() =>
        createTokenIssuer({
          privateKey: ec.privateKey,
          algorithm: 'ES384',
          issuer: 'i',
          audience: 'a',
          ttlSeconds: 60,
        }),
      ),
    ).toBe('ERR_KEY_INVALID');
    expect(
      codeOf(() => createTokenIssuer({ privateKey: ec.publicKey, issuer: 'i', audience: 'a', ttlSeconds: 60 })),
    ).toBe('ERR_KEY_INVALID');
  });

  it.each(['libtrust', 'thumbprint'] as const)('verifies through a JWKS whose kids are %s ids', async (format) => {
    const issuer = createTokenIssuer({
      privateKey: ec.privateKey,
      issuer: 'i',
      audience: 'a',
      ttlSeconds: 60,
      keyIdFormat: format,
    });
    const { token } = await issuer.issue({ subject: 'x', access });
    const jwks = createJwks([ec.publicKey], { keyIdFormat: format });
    expect(jwks.keys[0]?.kid).toBe(format === 'libtrust' ? libtrustKeyId(ec.publicKey) : jwkThumbprint(ec.publicKey));
    expect(jwks.keys[0]).not.toHaveProperty('d');
    await expect(jwtVerify(token, createLocalJWKSet(jwks), { audience: 'a' })).resolves.toBeTruthy();
  });
});
