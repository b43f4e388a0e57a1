/**
 * HTTPS for the listener, by `--ssl.type`: `static` serves `--ssl.cert`/`--ssl.key` and reloads them when they change;
 * `auto` serves the ACME certificate (a stored one, else a self-signed stand-in until the first is issued) and swaps
 * each renewal in. With `--ssl.http-port` (default 80 in auto mode) a plain-HTTP listener redirects to HTTPS and
 * answers the ACME challenges.
 */
import type { Server as HttpServer } from 'node:http';
import type { Server as HttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { EVERY_INTERFACE } from '../config/listen-address';
import type { Config } from '../config/schema';
import { AcmeCertificates } from './acme-certificates';
import { loadCertificateFiles, type ServerCertificate, watchCertificateFiles } from './certificate-files';
import { createRedirectServer } from './http-redirect';

export interface HttpsSetup {
  /** The certificate the listener starts with. */
  initial: ServerCertificate;
  /** Starts reloads or renewals that swap the certificate of `server`, and the plain-HTTP listener. */
  attach(server: HttpsServer): Promise<void>;
  /** The ACME certificates (auto mode), e.g. to renew on demand. */
  acme?: AcmeCertificates;
  /** The plain-HTTP listener's port once attached. */
  httpPort?: number;
  close(): Promise<void>;
}

interface Log {
  info(message: string): void;
  warn(message: string): void;
}

export async function prepareHttps(
  config: Config,
  dataDir: string,
  log: Log,
  now?: () => Date,
): Promise<HttpsSetup | undefined> {
  const ssl = config.ssl;
  if (ssl.type === 'none') return undefined;
  const closers: Array<() => Promise<void> | void> = [];
  const names = ssl.fqdn.length > 0 ? ssl.fqdn : [config.hostname];
  let acme: AcmeCertificates | undefined;
  let initial: ServerCertificate;
  if (ssl.type === 'static') {
    initial = await loadCertificateFiles(ssl.cert as string, ssl.key as string);
  } else {
    acme = new AcmeCertificates({
      directoryUrl: ssl['acme-directory'],
      names,
      ...(ssl['acme-email'] ? { email: ssl['acme-email'] } : {}),
      location: resolve(dataDir, ssl['acme-location'] ?? 'acme'),
      renewBeforeSeconds: ssl['acme-renew-before'],
      ...(ssl['acme-ca'] ? { directoryCa: (await loadCa(ssl['acme-ca'])) as string } : {}),
      log,
      ...(now ? { now } : {}),
    });
    initial = (await acme.stored()) ?? (await standIn(names));
  }
  const given = config['public-url'];
  const publicOrigin = given?.toLowerCase().startsWith('https:') ? new URL(given).origin : undefined;
  const httpPort = ssl['http-port'] ?? (ssl.type === 'auto' ? 80 : undefined);
  const setup: HttpsSetup = {
    initial,
    ...(acme ? { acme } : {}),
    async attach(server) {
      const install = (certificate: ServerCertificate) => server.setSecureContext(certificate);
      if (ssl.type === 'static') {
        const watcher = watchCertificateFiles(
          ssl.cert as string,
          ssl.key as string,
          (certificate) => {
            install(certificate);
            log.info(`HTTPS certificate reloaded from ${ssl.cert}`);
          },
          log,
        );
        closers.push(() => watcher.close());
      }
      if (httpPort !== undefined) {
        const redirect = createRedirectServer({
          knownHosts: [...names, config.hostname],
          defaultHost: names[0] ?? config.hostname,
          httpsPort: (server.address() as AddressInfo).port,
          ...(publicOrigin ? { publicOrigin } : {}),
          ...(acme ? { challenges: acme.challenges } : {}),
        });
        await listenHttp(redirect, config.listen, httpPort);
        setup.httpPort = (redirect.address() as AddressInfo).port;
        closers.push(() => new Promise<void>((done) => redirect.close(() => done())));
      }
      if (acme) {
        const certificates = acme;
        certificates.start(install);
        closers.push(() => certificates.close());
      }
    },
    async close() {
      for (const close of closers.reverse()) await close();
    },
  };
  return setup;
}

async function loadCa(path: string): Promise<string> {
  const { readFile } = await import('node:fs/promises');
  return readFile(path, 'utf8');
}

/** A self-signed certificate for the names, served only until the ACME server issues the real one. */
async function standIn(names: readonly string[]): Promise<ServerCertificate> {
  const { generateCertificateSet } = await import('@registry-admin/cert-builder');
  const set = await generateCertificateSet({ dnsNames: names, validityDays: 7 });
  return { cert: set.certificatePem, key: set.privateKeyPem };
}

function listenHttp(server: HttpServer, host: string, port: number): Promise<void> {
  return new Promise((resolveListen, reject) => {
    server.once('error', reject);
    server.listen({ host: host === EVERY_INTERFACE ? undefined : host, port }, () => {
      server.off('error', reject);
      resolveListen();
    });
  });
}
