/**
 * `--ssl.type auto` against Debian's pebble on loopback: the server answers the http-01 challenge on its plain-HTTP
 * port, serves the issued certificate (verified against pebble's issuing root), keeps it under the data dir (0600),
 * reuses it at the next start without a new order, and renews it without a restart when it falls due.
 */
import type { X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { connect } from 'node:tls';
import { describeE2E } from '@registry-admin/test-support';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { configSchema } from '../../src/config/schema';
import { type RunningServer, runServer } from '../../src/server';
import { type RunningPebble, startPebble } from './harness/pebble';
import { freePort } from './harness/registry-admin';

const NAME = 'registry.acme.test';

/** The certificate presented for NAME, and whether it verifies against `ca` (leaf and chain as the server sends). */
function presented(port: number, ca?: string): Promise<{ cert: X509Certificate; verified: boolean; error?: string }> {
  return new Promise((resolve, reject) => {
    const socket = connect(
      { host: '127.0.0.1', port, servername: NAME, rejectUnauthorized: false, ...(ca ? { ca } : {}) },
      () => {
        const cert = socket.getPeerX509Certificate();
        const result = {
          verified: socket.authorized,
          ...(socket.authorizationError ? { error: String(socket.authorizationError) } : {}),
        };
        socket.end();
        if (!cert) reject(new Error('no certificate presented'));
        else resolve({ cert, ...result });
      },
    );
    socket.once('error', reject);
  });
}

const selfSigned = (cert: X509Certificate) => cert.issuer === cert.subject;

describeE2E(
  'HTTPS with an ACME certificate (pebble)',
  () => {
    let dir: string;
    let pebble: RunningPebble;
    let httpPort: number;
    let clock = new Date();
    const output: string[] = [];

    const start = async (): Promise<RunningServer> => {
      const stdout = new PassThrough();
      stdout.on('data', (chunk: Buffer) => output.push(chunk.toString()));
      return runServer(
        configSchema.parse({
          'data-dir': join(dir, 'data'),
          listen: '127.0.0.1',
          port: 0,
          logger: { level: 'silent' },
          store: { 'admin-password': 'admin-password-for-acme' },
          registry: { sync: false },
          ssl: {
            type: 'auto',
            fqdn: NAME,
            'http-port': httpPort,
            'acme-directory': pebble.directoryUrl,
            'acme-ca': pebble.directoryCaPath,
            'acme-email': 'ops@acme.test',
          },
        }),
        { cwd: dir, stdout, now: () => clock },
      );
    };

    /** Waits (bounded by count) until the served certificate is no longer `previous` nor the stand-in. */
    const issued = async (port: number, previous?: string) => {
      for (let attempt = 0; attempt < 300; attempt += 1) {
        const { cert } = await presented(port);
        if (!selfSigned(cert) && cert.serialNumber !== previous) return cert;
        await new Promise((done) => setTimeout(done, 100));
      }
      throw new Error(`no ACME certificate served:\n${output.join('')}`);
    };

    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), 'ra-acme-'));
      httpPort = await freePort();
      pebble = await startPebble(dir, { httpPort });
    });
    afterAll(async () => {
      await pebble?.stop();
      await rm(dir, { recursive: true, force: true });
    });

    it('obtains, stores, reuses and renews the certificate', async () => {
      let server = await start();
      try {
        // Until the order completes, a self-signed stand-in keeps HTTPS up.
        const first = await issued(server.port);
        const root = await pebble.issuingRoot();
        const check = await presented(server.port, root);
        expect(check.error).toBeUndefined();
        expect(check.verified).toBe(true);
        expect(first.checkHost(NAME)).toBe(NAME);

        const stored = join(dir, 'data', 'acme', `${NAME}.pem`);
        expect((await stat(stored)).mode & 0o777).toBe(0o600);
        expect((await stat(join(dir, 'data', 'acme', 'account.key'))).mode & 0o777).toBe(0o600);
        expect(await readFile(stored, 'utf8')).toContain('PRIVATE KEY');

        // Not due yet: nothing is ordered.
        expect(await server.https?.acme?.renewIfDue()).toBe(false);
        await server.close();

        // The next start serves the stored certificate at once, without a new order.
        server = await start();
        expect((await presented(server.port)).cert.serialNumber).toBe(first.serialNumber);
        expect(await server.https?.acme?.renewIfDue()).toBe(false);

        // 20 days before expiry it is due (default window 30 days): renewed and swapped in on the same listener.
        clock = new Date(new Date(first.validTo).getTime() - 20 * 86400_000);
        expect(await server.https?.acme?.renewIfDue()).toBe(true);
        const renewed = (await presented(server.port, root)).cert;
        expect(renewed.serialNumber).not.toBe(first.serialNumber);
        expect((await presented(server.port, root)).verified).toBe(true);

        // The API answers over HTTPS; plain HTTP is a redirect to it.
        const redirect = await fetch(`http://127.0.0.1:${server.https?.httpPort}/api/v1/auth/me`, {
          redirect: 'manual',
          headers: { host: NAME },
        });
        expect(redirect.status).toBe(301);
        expect(redirect.headers.get('location')).toBe(`https://${NAME}:${server.port}/api/v1/auth/me`);
      } finally {
        await server.close();
      }
    });
  },
  { tools: ['pebble', 'pebble-challtestsrv'] },
);
