/**
 * `--ssl.type static`: a replaced certificate is served without a restart (rename over the file, as renewal tools
 * do), a pair that does not match keeps the old one, and `--ssl.http-port` redirects plain HTTP to HTTPS.
 */
import { X509Certificate } from 'node:crypto';
import { mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { connect } from 'node:tls';
import { generateCertificateSet } from '@registry-admin/cert-builder';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configSchema } from '../../src/config/schema';
import { runServer } from '../../src/server';

/** The serial number of the certificate the server presents. */
function servedSerial(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, servername: 'localhost', rejectUnauthorized: false }, () => {
      const serial = socket.getPeerX509Certificate()?.serialNumber ?? '';
      socket.end();
      resolve(serial);
    });
    socket.once('error', reject);
  });
}

/** Polls the served serial until it is `expected` (bounded by count: file watches fire within milliseconds). */
async function waitForSerial(port: number, expected: string): Promise<string> {
  let serial = '';
  for (let attempt = 0; attempt < 150 && serial !== expected; attempt += 1) {
    serial = await servedSerial(port);
    if (serial !== expected) await new Promise((done) => setTimeout(done, 100));
  }
  return serial;
}

function plainGet(port: number, path: string, host: string) {
  return new Promise<{ status: number; location?: string }>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers: { host } }, (response) => {
      response.resume();
      resolve({
        status: response.statusCode ?? 0,
        ...(response.headers.location ? { location: response.headers.location } : {}),
      });
    });
    req.once('error', reject);
    req.end();
  });
}

async function certificatePair() {
  const set = await generateCertificateSet({ dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'] });
  return {
    cert: set.certificatePem,
    key: set.privateKeyPem,
    serial: new X509Certificate(set.certificatePem).serialNumber,
  };
}

describe('HTTPS with static certificates that change', () => {
  let dir: string;
  let server: Awaited<ReturnType<typeof runServer>>;
  const output: string[] = [];
  let first: Awaited<ReturnType<typeof certificatePair>>;

  const install = async (pair: { cert: string; key: string }, name: string) => {
    await writeFile(join(dir, `${name}.crt.new`), pair.cert);
    await writeFile(join(dir, `${name}.key.new`), pair.key, { mode: 0o600 });
    await rename(join(dir, `${name}.key.new`), join(dir, 'tls.key'));
    await rename(join(dir, `${name}.crt.new`), join(dir, 'tls.crt'));
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ra-tls-reload-'));
    first = await certificatePair();
    await install(first, 'first');
    const stdout = new PassThrough();
    stdout.on('data', (chunk: Buffer) => output.push(chunk.toString()));
    server = await runServer(
      configSchema.parse({
        'data-dir': dir,
        listen: '127.0.0.1',
        port: 0,
        hostname: 'localhost',
        logger: { level: 'silent' },
        store: { 'admin-password': 'admin-password-for-reload' },
        registry: { sync: false },
        ssl: { type: 'static', cert: join(dir, 'tls.crt'), key: join(dir, 'tls.key'), 'http-port': 0 },
      }),
      { cwd: dir, stdout },
    );
  });
  afterAll(async () => {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('serves a renewed certificate without a restart', async () => {
    expect(await servedSerial(server.port)).toBe(first.serial);
    const second = await certificatePair();
    await install(second, 'second');
    expect(await waitForSerial(server.port, second.serial)).toBe(second.serial);
    expect(output.join('')).toContain('HTTPS certificate reloaded');
  });

  it('keeps the served certificate when the new files do not belong together', async () => {
    const current = await servedSerial(server.port);
    const a = await certificatePair();
    const b = await certificatePair();
    await install({ cert: a.cert, key: b.key }, 'mismatch');
    // The watch fires and refuses the pair: wait for its warning, then check nothing changed.
    for (let attempt = 0; attempt < 200 && !output.join('').includes('not reloaded'); attempt += 1) {
      await new Promise((done) => setTimeout(done, 50));
    }
    expect(output.join('')).toMatch(/HTTPS certificate not reloaded/);
    expect(await servedSerial(server.port)).toBe(current);
  });

  it('redirects plain HTTP to HTTPS on the serving port, keeping the path', async () => {
    const httpPort = server.https?.httpPort;
    expect(httpPort).toBeGreaterThan(0);
    const known = await plainGet(httpPort as number, '/api/v1/repositories?range=[0,9]', 'localhost:1234');
    expect(known.status).toBe(301);
    expect(known.location).toBe(`https://localhost:${server.port}/api/v1/repositories?range=[0,9]`);
    // A Host the server does not answer to is not echoed into the redirect.
    const foreign = await plainGet(httpPort as number, '//evil.example/x', 'evil.example');
    expect(foreign.location).toBe(`https://localhost:${server.port}/`);
    expect((await plainGet(httpPort as number, '/.well-known/acme-challenge/none', 'localhost')).status).toBe(404);
  });
});

describe('TLS options', () => {
  it('refuses a redirect port equal to the HTTPS port, and IP addresses as ACME names', () => {
    const http = configSchema.safeParse({
      port: 8443,
      ssl: { type: 'static', cert: 'c', key: 'k', 'http-port': 8443 },
    });
    expect(http.success).toBe(false);
    expect(JSON.stringify(http.error?.issues)).toContain('http-port');
    const acme = configSchema.safeParse({ ssl: { type: 'auto', fqdn: '10.0.0.1' } });
    expect(acme.success).toBe(false);
    expect(JSON.stringify(acme.error?.issues)).toContain('fqdn');
  });
});
