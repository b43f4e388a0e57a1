/** Start-up behaviour: the generated admin password, HTTPS with static certificates, token header options, sessions. */
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { generateCertificateSet } from '@registry-admin/cert-builder';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configSchema } from '../../src/config/schema';
import { createServices, type Services } from '../../src/runtime/services';
import { runServer } from '../../src/server';
import { createSessionService } from '../../src/services/sessions';
import { createTestApp, decodeJwt } from './fixture';

describe('first start', () => {
  let dir: string;
  let services: Services;
  const lines: string[] = [];
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ra-first-'));
    services = await createServices(configSchema.parse({ 'data-dir': dir }), { announce: (line) => lines.push(line) });
  });
  afterAll(async () => {
    await services.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('generates an admin password, prints it once and writes it 0600', async () => {
    const file = join(dir, 'initial-admin-password');
    const password = (await readFile(file, 'utf8')).trim();
    expect(password.length).toBeGreaterThanOrEqual(20);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(lines.join('\n')).toContain(password);
    expect(await services.authenticator.verifyPassword('admin', password, '127.0.0.1')).toBeTruthy();
    expect((await stat(join(dir, 'certs', 'registry_auth.key'))).mode & 0o777).toBe(0o600);
  });

  it('does not create another admin on the next start', async () => {
    const again: string[] = [];
    const second = await createServices(configSchema.parse({ 'data-dir': dir }), {
      announce: (line) => again.push(line),
    });
    expect(again).toEqual([]);
    expect(await second.store.users.count()).toBe(1);
    await second.close();
  });
});

describe('--listen', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ra-listen-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  const start = (listen: string) =>
    runServer(
      configSchema.parse({
        'data-dir': dir,
        listen,
        logger: { level: 'silent' },
        store: { 'admin-password': 'admin-password-for-listen' },
        registry: { sync: false },
      }),
      { cwd: dir, stdout: new PassThrough() },
    );

  it('listens on host:port, taking the port from it', async () => {
    const server = await start('127.0.0.1:0');
    try {
      expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(server.port).toBeGreaterThan(0);
      expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    } finally {
      await server.close();
    }
  });

  it('listens on every interface for *', async () => {
    const server = await start('*:0');
    try {
      expect(server.url).not.toContain('*');
      expect((await fetch(`http://127.0.0.1:${server.port}/healthz`)).status).toBe(200);
    } finally {
      await server.close();
    }
  });
});

describe('HTTPS with static certificates', () => {
  let dir: string;
  let ca: string;
  let server: Awaited<ReturnType<typeof runServer>>;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ra-tls-'));
    const tls = await generateCertificateSet({ dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'] });
    ca = tls.certificatePem;
    await writeFile(join(dir, 'tls.crt'), tls.certificatePem);
    await writeFile(join(dir, 'tls.key'), tls.privateKeyPem, { mode: 0o600 });
    const config = configSchema.parse({
      'data-dir': dir,
      listen: '127.0.0.1',
      port: 0,
      logger: { level: 'silent' },
      store: { 'admin-password': 'admin-password-for-tls' },
      ssl: { type: 'static', cert: join(dir, 'tls.crt'), key: join(dir, 'tls.key') },
    });
    server = await runServer(config, { cwd: dir, stdout: new PassThrough() });
  });
  afterAll(async () => {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('serves HTTPS and marks the session cookie Secure', async () => {
    expect(server.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const response = await new Promise<{ status: number; cookie: string }>((resolve, reject) => {
      const body = JSON.stringify({ login: 'admin', password: 'admin-password-for-tls' });
      const req = request(
        `${server.url}/api/v1/auth/login`,
        {
          method: 'POST',
          ca,
          headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
        },
        (res) => {
          res.resume();
          res.on('end', () => resolve({ status: res.statusCode ?? 0, cookie: String(res.headers['set-cookie']) }));
        },
      );
      req.on('error', reject);
      req.end(body);
    });
    expect(response.status).toBe(200);
    expect(response.cookie).toMatch(/; Secure/);
  });
});

describe('token header options', () => {
  it('leaves x5c out when registry.x5c is false', async () => {
    const t = await createTestApp({ registry: { x5c: false } });
    try {
      const response = await t.app.inject({ url: '/api/v1/registry/auth?service=container_registry' });
      const { header } = decodeJwt(response.json().token);
      expect(header.x5c).toBeUndefined();
      expect(header.kid).toBe(t.services.issuer.keyId);
    } finally {
      await t.close();
    }
  });
});

describe('session lifetimes', () => {
  it('ends sessions after the idle period and after the absolute lifetime', async () => {
    const t = await createTestApp();
    try {
      let now = Date.now();
      const sessions = createSessionService(t.services.store, t.services.access, {
        ttlSeconds: 3600,
        idleSeconds: 600,
        now: () => now,
        csrfKey: Buffer.alloc(32, 1),
      });
      const admin = t.services.access.userByLogin('admin');
      if (!admin) throw new Error('no admin');
      const idle = await sessions.create(admin.id, {});
      now += 599_000;
      expect(await sessions.resolve(idle.token)).toBeTruthy();
      now += 600_000;
      expect(await sessions.resolve(idle.token)).toBeUndefined();

      const absolute = await sessions.create(admin.id, {});
      for (let i = 0; i < 7; i++) {
        now += 540_000;
        const resolved = await sessions.resolve(absolute.token);
        if (i < 6) expect(resolved).toBeTruthy();
        else expect(resolved).toBeUndefined();
      }
      expect(await sessions.resolve('not-a-token')).toBeUndefined();
    } finally {
      await t.close();
    }
  });
});
