/**
 * Debian's `pebble` (an ACME test server) on loopback, with `pebble-challtestsrv` as its DNS server so that any name
 * resolves to 127.0.0.1: the http-01 challenges then reach the server under test on the port pebble is told to use.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { generateCertificateSet } from '@registry-admin/cert-builder';
import { startProcess, type Watched } from '@registry-admin/test-support';
import { freePort } from './registry-admin';

export interface RunningPebble {
  directoryUrl: string;
  /** CA of pebble's own HTTPS endpoint (trust it for the directory). */
  directoryCaPath: string;
  /** PEM of the root that signs issued certificates (random per pebble run). */
  issuingRoot(): Promise<string>;
  stop(): Promise<void>;
}

export async function startPebble(dir: string, options: { httpPort: number }): Promise<RunningPebble> {
  const [listen, management, dns, dnsManagement, tlsPort] = await Promise.all([
    freePort(),
    freePort(),
    freePort(),
    freePort(),
    freePort(),
  ]);
  const own = await generateCertificateSet({ dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'] });
  const certificate = join(dir, 'pebble.crt');
  const privateKey = join(dir, 'pebble.key');
  await writeFile(certificate, own.certificatePem);
  await writeFile(privateKey, own.privateKeyPem, { mode: 0o600 });
  const config = join(dir, 'pebble-config.json');
  await writeFile(
    config,
    JSON.stringify({
      pebble: {
        listenAddress: `127.0.0.1:${listen}`,
        managementListenAddress: `127.0.0.1:${management}`,
        certificate,
        privateKey,
        httpPort: options.httpPort,
        tlsPort,
        ocspResponderURL: '',
        externalAccountBindingRequired: false,
      },
    }),
  );
  const resolver: Watched = startProcess('pebble-challtestsrv', [
    '-dns01',
    `127.0.0.1:${dns}`,
    '-http01',
    '',
    '-https01',
    '',
    '-tlsalpn01',
    '',
    '-management',
    `127.0.0.1:${dnsManagement}`,
    '-defaultIPv6',
    '',
  ]);
  await resolver.waitFor(/Starting challenge servers|Answering A questions|DNS/i);
  const pebble = startProcess('pebble', ['-config', config, '-dnsserver', `127.0.0.1:${dns}`], {
    // No random sleeps before validation and no random nonce rejections: the test's time goes to the protocol.
    env: { PEBBLE_VA_NOSLEEP: '1', PEBBLE_WFE_NONCEREJECT: '0' },
  });
  await pebble.waitFor(/Listening on: 127\.0\.0\.1:\d+/);
  await pebble.waitFor(new RegExp(`Root CA|management|${management}`, 'i')).catch(() => undefined);
  return {
    directoryUrl: `https://127.0.0.1:${listen}/dir`,
    directoryCaPath: certificate,
    async issuingRoot() {
      const { request } = await import('node:https');
      return new Promise<string>((resolve, reject) => {
        const req = request(`https://127.0.0.1:${management}/roots/0`, { ca: own.certificatePem }, (response) => {
          let body = '';
          response.setEncoding('utf8');
          response.on('data', (chunk: string) => {
            body += chunk;
          });
          response.on('end', () => resolve(body));
        });
        req.once('error', reject);
        req.end();
      });
    },
    async stop() {
      await pebble.stop();
      await resolver.stop();
    },
  };
}
