/** The session cookie's Secure flag follows how the browser reached the server, never what a client claims. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConfigInput } from '../../src/config/schema';
import { ADMIN_PASSWORD, createTestApp, type TestApp } from './fixture';

const PROXY = '10.1.2.3';
const STRANGER = '192.0.2.7';

/** Signs in as admin, then out, from `remoteAddress`; returns both Set-Cookie headers. */
async function cookies(t: TestApp, headers: Record<string, string>, remoteAddress = '127.0.0.1') {
  const login = await t.app.inject({
    method: 'POST',
    url: '/api/v1/auth/login',
    remoteAddress,
    headers,
    payload: { login: 'admin', password: ADMIN_PASSWORD },
  });
  expect(login.statusCode).toBe(200);
  const set = String(login.headers['set-cookie']);
  const session = /ra_session=[^;]*/.exec(set)?.[0] ?? '';
  const logout = await t.app.inject({
    method: 'POST',
    url: '/api/v1/auth/logout',
    remoteAddress,
    headers: { ...headers, cookie: session, 'x-csrf-token': login.json().csrfToken },
  });
  expect(logout.statusCode).toBe(204);
  return { set, cleared: String(logout.headers['set-cookie']) };
}

const cases: Array<{
  name: string;
  config: ConfigInput;
  headers?: Record<string, string>;
  from?: string;
  secure: boolean;
}> = [
  { name: 'plain HTTP with an http public URL', config: { 'public-url': 'http://registry.test:8080' }, secure: false },
  { name: 'an https public URL (TLS proxy in front)', config: { 'public-url': 'https://registry.test' }, secure: true },
  {
    name: 'a trusted proxy reporting X-Forwarded-Proto: https',
    config: { 'trusted-proxies': ['10.0.0.0/8'] },
    headers: { 'x-forwarded-proto': 'https' },
    from: PROXY,
    secure: true,
  },
  {
    name: 'an untrusted client sending X-Forwarded-Proto: https',
    config: { 'trusted-proxies': ['10.0.0.0/8'] },
    headers: { 'x-forwarded-proto': 'https' },
    from: STRANGER,
    secure: false,
  },
  {
    name: 'X-Forwarded-Proto without any trusted proxy',
    config: {},
    headers: { 'x-forwarded-proto': 'https' },
    secure: false,
  },
];

describe.each(cases)('session cookie with $name', ({ config, headers, from, secure }) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp(config);
  });
  afterAll(() => t.close());

  it(secure ? 'is Secure, and cleared with the same attributes' : 'is not Secure', async () => {
    const { set, cleared } = await cookies(t, headers ?? {}, from);
    for (const header of [set, cleared]) {
      expect(header).toMatch(/^ra_session=/);
      expect(header).toMatch(/; HttpOnly/);
      expect(header).toMatch(/; SameSite=Strict/);
      expect(header).toMatch(/; Path=\//);
      if (secure) expect(header).toMatch(/; Secure/);
      else expect(header).not.toMatch(/Secure/);
    }
    expect(cleared).toMatch(/Expires=Thu, 01 Jan 1970/);
  });
});

describe('an ended session presented again', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ 'public-url': 'https://registry.test' });
  });
  afterAll(() => t.close());

  it('is cleared with the attributes it was set with', async () => {
    const response = await t.app.inject({
      url: '/api/v1/auth/me',
      headers: { cookie: `ra_session=${'A'.repeat(43)}` },
    });
    expect(response.statusCode).toBe(401);
    const cleared = String(response.headers['set-cookie']);
    expect(cleared).toMatch(/^ra_session=;/);
    expect(cleared).toMatch(/; HttpOnly/);
    expect(cleared).toMatch(/; SameSite=Strict/);
    expect(cleared).toMatch(/; Secure/);
  });
});
