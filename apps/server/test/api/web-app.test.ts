/**
 * Serving the web UI: the page at `/` and at client routes with a strict CSP and no-cache, hashed assets cached for
 * good, the API's JSON 404s untouched, the docs page unaffected, and an API-only start (one log line) when the UI was
 * not built. A small stand-in build is written here, so these tests do not need the real one.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configSchema } from '../../src/config/schema';
import { DOCS_PREFIX } from '../../src/http/openapi';
import { WEB_CONTENT_SECURITY_POLICY } from '../../src/http/web-app';
import { RESET_PAGE_PATH } from '../../src/routes/password-reset';
import { runServer } from '../../src/server';
import { adminAuth, createTestApp, type TestApp } from './fixture';

const INDEX = '<!doctype html><html><head><script type="module" src="/assets/index-abc123.js"></script></head></html>';
const SCRIPT = 'console.log("app");';
const HTML = { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' };

async function writeBuild(dir: string): Promise<void> {
  await mkdir(join(dir, 'assets'), { recursive: true });
  await writeFile(join(dir, 'index.html'), INDEX);
  await writeFile(join(dir, 'assets', 'index-abc123.js'), SCRIPT);
}

describe('web UI served by the app', () => {
  let web: string;
  let t: TestApp;
  beforeAll(async () => {
    web = await mkdtemp(join(tmpdir(), 'ra-web-'));
    await writeBuild(web);
    t = await createTestApp({}, { webDir: web });
  });
  afterAll(async () => {
    await t.close();
    await rm(web, { recursive: true, force: true });
  });

  it('answers / with index.html, no-cache and a CSP without inline scripts', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/', headers: HTML });
    expect(response.statusCode).toBe(200);
    expect(response.body).toBe(INDEX);
    expect(response.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(response.headers['cache-control']).toBe('no-cache');
    const csp = String(response.headers['content-security-policy']);
    expect(csp).toBe(WEB_CONTENT_SECURITY_POLICY);
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toMatch(/script-src[^;]*unsafe-inline/);
    expect(csp).toContain("frame-ancestors 'none'");
    expect(response.headers['x-content-type-options']).toBe('nosniff');
  });

  it('answers a client route (deep link, query string) with the same page', async () => {
    for (const url of ['/users', '/users/3', '/repositories?filter=%7B%7D', '/login', '/profile', RESET_PAGE_PATH]) {
      const response = await t.app.inject({ method: 'GET', url, headers: HTML });
      expect(response.statusCode, url).toBe(200);
      expect(response.body, url).toBe(INDEX);
      expect(response.headers['content-security-policy'], url).toBe(WEB_CONTENT_SECURITY_POLICY);
    }
  });

  it('serves hashed assets as immutable for a year', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/assets/index-abc123.js' });
    expect(response.statusCode).toBe(200);
    expect(response.body).toBe(SCRIPT);
    expect(response.headers['content-type']).toMatch(/javascript/);
    expect(response.headers['cache-control']).toBe('public, max-age=31536000, immutable');
  });

  it('answers HEAD and revalidation of an asset, and nothing outside the assets folder', async () => {
    const head = await t.app.inject({ method: 'HEAD', url: '/assets/index-abc123.js' });
    expect(head.statusCode).toBe(200);
    expect(head.headers['content-length']).toBe(String(Buffer.byteLength(SCRIPT)));
    expect(head.body).toBe('');
    const etag = head.headers.etag as string;
    expect(etag).toBeTruthy();
    const again = await t.app.inject({
      method: 'GET',
      url: '/assets/index-abc123.js?v=1',
      headers: { 'if-none-match': etag },
    });
    expect(again.statusCode).toBe(304);
    for (const url of ['/assets/../index.html', '/assets/%2e%2e/index.html', '/assets/..%2findex.html', '/assets/']) {
      const response = await t.app.inject({ method: 'GET', url });
      expect(response.statusCode, url).toBeGreaterThanOrEqual(400);
      expect(response.statusCode, url).toBeLessThan(500);
      expect(response.body, url).not.toContain('<!doctype html>');
      expect(response.json(), url).toHaveProperty('error.code');
    }
  });

  it('keeps JSON 404s for unknown API paths, missing assets and non-HTML requests', async () => {
    const cases = [
      { url: '/api/v1/nope', headers: HTML },
      { url: '/api/nope', headers: HTML },
      { url: '/assets/missing-123.js', headers: HTML },
      { url: '/some/page', headers: { accept: 'application/json' } },
      { url: '/favicon.ico', headers: { accept: 'image/avif,image/webp,*/*' } },
    ];
    for (const { url, headers } of cases) {
      const response = await t.app.inject({ method: 'GET', url, headers });
      expect(response.statusCode, url).toBe(404);
      expect(response.json(), url).toMatchObject({ error: { code: 'ERR_NOT_FOUND' } });
      expect(response.headers['content-security-policy'], url).toBeUndefined();
    }
  });

  it('leaves the API, the probes and writes as they were', async () => {
    const me = await t.app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: { ...HTML, ...adminAuth() } });
    expect(me.statusCode).toBe(200);
    expect(me.json()).toMatchObject({ user: { login: 'admin' } });
    const health = await t.app.inject({ method: 'GET', url: '/healthz', headers: HTML });
    expect(health.statusCode).toBe(200);
    expect(health.headers['content-type']).toMatch(/json/);
    const post = await t.app.inject({ method: 'POST', url: '/users', headers: HTML, payload: {} });
    expect(post.statusCode).toBe(404);
    expect(post.json()).toMatchObject({ error: { code: 'ERR_NOT_FOUND' } });
  });

  it('keeps the docs page working, without the UI policy', async () => {
    const docs = await t.app.inject({ method: 'GET', url: `${DOCS_PREFIX}/`, headers: HTML });
    expect(docs.statusCode).toBe(200);
    expect(docs.body).toContain('swagger');
    expect(docs.headers['content-security-policy']).not.toBe(WEB_CONTENT_SECURITY_POLICY);
  });

  it('leaves the UI routes out of the OpenAPI document', async () => {
    const document = (await t.app.inject({ method: 'GET', url: '/api/v1/openapi.json' })).json() as {
      paths: Record<string, unknown>;
    };
    // Only the health checks live outside /api/; none of the UI's routes (/, /*, /assets/*) may appear.
    expect(
      Object.keys(document.paths)
        .filter((path) => !path.startsWith('/api/'))
        .sort(),
    ).toEqual(['/healthz', '/readyz']);
  });
});

describe('web UI at start', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ra-web-start-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function start(webDir: string) {
    const config = configSchema.parse({
      'data-dir': join(dir, 'data'),
      listen: '127.0.0.1',
      port: 0,
      logger: { level: 'silent' },
      store: { 'admin-password': 'admin-password-for-web' },
    });
    const stdout = new PassThrough();
    let output = '';
    stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    const server = await runServer(config, { cwd: dir, stdout, env: { RA_WEB_DIR: webDir } });
    return { server, output: () => output };
  }

  it('starts API-only with one clear line when the UI was not built', async () => {
    const missing = join(dir, 'not-built');
    const { server, output } = await start(missing);
    try {
      const lines = output()
        .split('\n')
        .filter((line) => line.includes('web UI'));
      expect(lines).toEqual([
        `web UI not built (no ${missing}/index.html): serving the API only; pnpm --filter @registry-admin/web build builds it`,
      ]);
      const root = await fetch(`${server.url}/`, { headers: HTML });
      expect(root.status).toBe(404);
      expect(await root.json()).toMatchObject({ error: { code: 'ERR_NOT_FOUND' } });
      expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    } finally {
      await server.close();
    }
  });

  it('serves the UI from RA_WEB_DIR when it was built', async () => {
    const built = join(dir, 'built');
    await writeBuild(built);
    const { server, output } = await start(built);
    try {
      expect(output()).toContain(`web UI served from ${built}`);
      const page = await fetch(`${server.url}/repositories`, { headers: HTML });
      expect(page.status).toBe(200);
      expect(await page.text()).toBe(INDEX);
    } finally {
      await server.close();
    }
  });
});
