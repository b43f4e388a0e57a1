/** Login CSRF: other sites' pages cannot sign a visitor in, nor drive the password-reset endpoints. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_PASSWORD, createTestApp, type TestApp } from './fixture';

const HOST = 'registry.test:8080';
const credentials = JSON.stringify({ login: 'admin', password: ADMIN_PASSWORD });
const json = { 'content-type': 'application/json' };

describe('sign-in from another site', () => {
  let t: TestApp;
  const logLines: string[] = [];
  beforeAll(async () => {
    t = await createTestApp({ 'trusted-proxies': ['10.0.0.0/8'] }, { logLines });
  });
  afterAll(() => t.close());

  const login = (headers: Record<string, string>, payload = credentials, remoteAddress = '127.0.0.1') =>
    t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      remoteAddress,
      headers: { host: HOST, ...headers },
      payload,
    });

  const refused: Array<[string, Record<string, string>, string?]> = [
    ['a foreign Origin', { origin: 'https://evil.example' }],
    ['a foreign Origin on the same host name but another port', { origin: 'http://registry.test:9999' }],
    ['an opaque Origin', { origin: 'null' }],
    ['a foreign Referer without Origin', { referer: 'https://evil.example/page' }],
    [
      'a plain-HTTP page of this host when a trusted proxy reports HTTPS',
      { origin: 'http://registry.test:8080', 'x-forwarded-proto': 'https' },
      '10.0.0.1',
    ],
  ];
  it.each(refused)('refuses %s with 403, logged, and sets no session', async (_name, headers, from) => {
    const before = logLines.length;
    const response = await login({ ...json, ...headers }, credentials, from);
    expect(response.statusCode).toBe(403);
    expect(response.headers['set-cookie']).toBeUndefined();
    expect(response.json().error.code).toBe('ERR_FORBIDDEN');
    expect(logLines.slice(before).join('\n')).toMatch(/cross-site sign-in request refused/);
  });

  it.each([
    ['a form body', 'application/x-www-form-urlencoded', `login=admin&password=${ADMIN_PASSWORD}`],
    ['a text body holding JSON', 'text/plain', credentials],
    ['a multipart body', 'multipart/form-data; boundary=x', '--x--'],
  ])('refuses %s with 415 and sets no session', async (_name, type, payload) => {
    const response = await login({ 'content-type': type }, payload);
    expect(response.statusCode).toBe(415);
    expect(response.headers['set-cookie']).toBeUndefined();
    expect(response.json().error.code).toBe('ERR_UNSUPPORTED_MEDIA_TYPE');
  });

  it.each([
    ['its own Origin', { origin: 'http://registry.test:8080' }],
    ['an https page of its own host (TLS proxy not configured as trusted)', { origin: 'https://registry.test:8080' }],
    ['its own Referer', { referer: 'http://registry.test:8080/#/login' }],
    ['no Origin or Referer (curl, scripts)', {}],
    ['JSON with a charset', { 'content-type': 'application/json; charset=utf-8' }],
  ])('signs in with %s', async (_name, headers) => {
    const response = await login({ ...json, ...headers });
    expect(response.statusCode).toBe(200);
    expect(String(response.headers['set-cookie'])).toMatch(/^ra_session=/);
  });

  it('accepts the https page of its own host through a trusted proxy', async () => {
    const response = await login(
      { ...json, origin: 'https://registry.test:8080', 'x-forwarded-proto': 'https' },
      credentials,
      '10.0.0.1',
    );
    expect(response.statusCode).toBe(200);
  });

  it('guards the password-reset endpoints the same way', async () => {
    for (const url of ['/api/v1/auth/password-reset', '/api/v1/auth/password-reset/complete']) {
      const payload = url.endsWith('complete')
        ? JSON.stringify({ token: 'reset_not-a-real-token', password: 'a-new-password-123' })
        : JSON.stringify({ login: 'admin' });
      const foreign = await t.app.inject({
        method: 'POST',
        url,
        headers: { host: HOST, ...json, origin: 'https://evil.example' },
        payload,
      });
      expect(foreign.statusCode).toBe(403);
      const form = await t.app.inject({
        method: 'POST',
        url,
        headers: { host: HOST, 'content-type': 'application/x-www-form-urlencoded' },
        payload: 'login=admin',
      });
      expect(form.statusCode).toBe(415);
      // Same origin reaches the route: no mailer here (503) and a made-up link (400).
      const own = await t.app.inject({
        method: 'POST',
        url,
        headers: { host: HOST, ...json, origin: 'http://registry.test:8080' },
        payload,
      });
      expect(own.statusCode).toBe(url.endsWith('complete') ? 400 : 503);
    }
  });

  it('refuses cookie-authenticated writes named by a foreign Referer', async () => {
    const signedIn = await login(json);
    const cookie = /ra_session=[^;]*/.exec(String(signedIn.headers['set-cookie']))?.[0] ?? '';
    const response = await t.app.inject({
      method: 'POST',
      url: '/api/v1/groups',
      headers: {
        host: HOST,
        cookie,
        referer: 'https://evil.example/',
        'x-csrf-token': signedIn.json().csrfToken,
      },
      payload: { name: 'from-elsewhere' },
    });
    expect(response.statusCode).toBe(403);
  });
});

describe('sign-in behind a proxy with a public URL', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ 'public-url': 'https://registry.example.org' });
  });
  afterAll(() => t.close());

  it('accepts the public URL as its own origin whatever Host the proxy sends', async () => {
    const response = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      headers: { host: '127.0.0.1:8080', ...json, origin: 'https://registry.example.org' },
      payload: credentials,
    });
    expect(response.statusCode).toBe(200);
    const foreign = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      headers: { host: '127.0.0.1:8080', ...json, origin: 'https://registry.example.org.evil.example' },
      payload: credentials,
    });
    expect(foreign.statusCode).toBe(403);
  });
});
