import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, stat, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  CertError,
  certPaths,
  ensureCertificateSet,
  generateCertificateSet,
  loadCertificateSet,
  parseCertificateSet,
  writeCertificateSet,
} from './index';

async function codeOf(run: () => unknown): Promise<string | undefined> {
  try {
    await run();
  } catch (error) {
    expect(error).toBeInstanceOf(CertError);
    return (error as CertError).code;
  }
  return undefined;
}

describe('generateCertificateSet', () => {
  it('makes an EC P-256 CA certificate with DNS, IPv4 and IPv6 SANs that belongs to the key', async () => {
    const set = await generateCertificateSet({ dnsNames: ['registry.example.com'], ipAddresses: ['10.0.0.5', '::1'] });
    expect(set.privateKey.asymmetricKeyType).toBe('ec');
    expect(set.certificate.ca).toBe(true);
    expect(set.certificate.checkPrivateKey(set.privateKey)).toBe(true);
    expect(set.certificate.verify(set.publicKey)).toBe(true);
    expect(set.certificate.subject).toContain('CN=registry.example.com');
    expect(set.certificate.subjectAltName).toBe(
      'DNS:registry.example.com, IP Address:10.0.0.5, IP Address:0:0:0:0:0:0:0:1',
    );
    expect(set.chainPem).toEqual([set.certificatePem]);
    expect(new Date(set.certificate.validTo).getTime()).toBeGreaterThan(Date.now() + 3000 * 86_400_000);
  });

  it('makes RSA-2048 keys', async () => {
    const set = await generateCertificateSet({ algorithm: 'rsa-2048' });
    expect(set.privateKey.asymmetricKeyDetails?.modulusLength).toBe(2048);
    expect(set.certificate.checkPrivateKey(set.privateKey)).toBe(true);
  });

  it('gives random serials', async () => {
    const [a, b] = await Promise.all([generateCertificateSet(), generateCertificateSet()]);
    expect(a.certificate.serialNumber).not.toBe(b.certificate.serialNumber);
  });

  it('rejects invalid options naming the value', async () => {
    expect(await codeOf(() => generateCertificateSet({ ipAddresses: ['300.1.1.1'] }))).toBe('ERR_CERT_OPTION_INVALID');
    await expect(generateCertificateSet({ ipAddresses: ['300.1.1.1'] })).rejects.toThrow('300.1.1.1');
    expect(await codeOf(() => generateCertificateSet({ dnsNames: ['bad name'] }))).toBe('ERR_CERT_OPTION_INVALID');
    expect(await codeOf(() => generateCertificateSet({ algorithm: 'dsa' as never }))).toBe('ERR_CERT_OPTION_INVALID');
  });

  it('is readable by openssl as a CA certificate', async () => {
    let openssl = true;
    try {
      execFileSync('openssl', ['version'], { stdio: 'ignore' });
    } catch {
      openssl = false;
    }
    if (!openssl) return;
    const set = await generateCertificateSet({ dnsNames: ['r.local'] });
    const text = execFileSync('openssl', ['x509', '-noout', '-text'], { input: set.certificatePem }).toString();
    expect(text).toMatch(/CA:TRUE/);
    expect(text).toMatch(/Certificate Sign/);
    expect(text).toMatch(/DNS:r\.local/);
  });
});

describe('parseCertificateSet', () => {
  it('finds the certificate of the key in a bundle of several (rotation)', async () => {
    const [oldSet, newSet] = await Promise.all([generateCertificateSet(), generateCertificateSet()]);
    const parsed = parseCertificateSet({
      privateKeyPem: newSet.privateKeyPem,
      certificatePem: oldSet.certificatePem + newSet.certificatePem,
    });
    expect(parsed.certificate.fingerprint256).toBe(newSet.certificate.fingerprint256);
    expect(parsed.chainPem).toHaveLength(1);
  });

  it('refuses a key and certificate that do not belong together', async () => {
    const [a, b] = await Promise.all([generateCertificateSet(), generateCertificateSet()]);
    expect(
      await codeOf(() => parseCertificateSet({ privateKeyPem: a.privateKeyPem, certificatePem: b.certificatePem })),
    ).toBe('ERR_CERT_KEY_MISMATCH');
    expect(
      await codeOf(() =>
        parseCertificateSet({
          privateKeyPem: a.privateKeyPem,
          publicKeyPem: b.publicKeyPem,
          certificatePem: a.certificatePem,
        }),
      ),
    ).toBe('ERR_CERT_KEY_MISMATCH');
  });

  it('refuses certificates out of date', async () => {
    const past = await generateCertificateSet({ now: new Date('2020-01-01T00:00:00Z'), validityDays: 30 });
    expect(await codeOf(() => parseCertificateSet(past))).toBe('ERR_CERT_EXPIRED');
    const future = await generateCertificateSet({ now: new Date(Date.now() + 86_400_000 * 10), validityDays: 30 });
    expect(await codeOf(() => parseCertificateSet(future))).toBe('ERR_CERT_NOT_YET_VALID');
    expect(parseCertificateSet(past, { now: new Date('2020-01-15T00:00:00Z') }).certificate).toBeTruthy();
  });

  it('reads key files written by libtrust (the Go registry-admin): PKCS#1 and PKIX PEM with a keyID header', async () => {
    const set = await generateCertificateSet({ algorithm: 'rsa-2048' });
    const withKeyId = (type: string, der: Buffer) =>
      `-----BEGIN ${type}-----\nkeyID: ABCD:EFGH:IJKL\n\n${der.toString('base64').replace(/.{64}/g, '$&\n')}\n-----END ${type}-----\n`;
    const privateKeyPem = withKeyId('RSA PRIVATE KEY', set.privateKey.export({ type: 'pkcs1', format: 'der' }));
    const publicKeyPem = withKeyId('PUBLIC KEY', set.publicKey.export({ type: 'spki', format: 'der' }));
    const parsed = parseCertificateSet({ privateKeyPem, publicKeyPem, certificatePem: set.certificatePem });
    expect(parsed.certificate.fingerprint256).toBe(set.certificate.fingerprint256);
    expect(parsed.privateKey.asymmetricKeyType).toBe('rsa');
    // An encrypted key (Proc-Type header) is still refused.
    const encrypted = privateKeyPem.replace(
      'keyID: ABCD:EFGH:IJKL',
      'Proc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,00',
    );
    expect(
      await codeOf(() => parseCertificateSet({ privateKeyPem: encrypted, certificatePem: set.certificatePem })),
    ).toBe('ERR_CERT_PARSE');
  });

  it('refuses garbage', async () => {
    const set = await generateCertificateSet();
    expect(await codeOf(() => parseCertificateSet({ privateKeyPem: 'nope', certificatePem: set.certificatePem }))).toBe(
      'ERR_CERT_PARSE',
    );
    expect(await codeOf(() => parseCertificateSet({ privateKeyPem: set.privateKeyPem, certificatePem: 'nope' }))).toBe(
      'ERR_CERT_PARSE',
    );
  });
});

describe('certificate files', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ra-certs-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('writes the key 0600 and the public files 0644, and loads them back', async () => {
    const paths = certPaths(join(dir, 'certs'));
    expect(paths.key.endsWith('registry_auth.key')).toBe(true);
    const set = await generateCertificateSet();
    await writeCertificateSet(paths, set);
    expect((await stat(paths.key)).mode & 0o777).toBe(0o600);
    expect((await stat(paths.publicKey)).mode & 0o777).toBe(0o644);
    expect((await stat(paths.ca)).mode & 0o777).toBe(0o644);
    const loaded = await loadCertificateSet(paths);
    expect(loaded.certificate.fingerprint256).toBe(set.certificate.fingerprint256);
    expect(loaded.privateKeyPem).toBe(set.privateKeyPem);
  });

  it('generates once, then loads the same set', async () => {
    const paths = certPaths(dir);
    const first = await ensureCertificateSet(paths, { dnsNames: ['a.local'] });
    expect(first.generated).toBe(true);
    const second = await ensureCertificateSet(paths);
    expect(second.generated).toBe(false);
    expect(second.set.certificate.fingerprint256).toBe(first.set.certificate.fingerprint256);
    expect(second.warnings).toEqual([]);
  });

  it('refuses a partial set naming what exists and what is missing, and does not regenerate it', async () => {
    const paths = certPaths(dir);
    await ensureCertificateSet(paths);
    await unlink(paths.publicKey);
    const error = await ensureCertificateSet(paths).catch((e: unknown) => e as CertError);
    expect((error as CertError).code).toBe('ERR_CERT_PARTIAL_SET');
    expect((error as CertError).message).toContain('registry_auth.pub missing');
    await unlink(paths.ca);
    expect(await codeOf(() => ensureCertificateSet(paths))).toBe('ERR_CERT_PARTIAL_SET');
  });

  it('refuses a key file that does not belong to the certificate', async () => {
    const paths = certPaths(dir);
    await ensureCertificateSet(paths);
    await writeFile(paths.key, (await generateCertificateSet()).privateKeyPem, { mode: 0o600 });
    expect(await codeOf(() => ensureCertificateSet(paths))).toBe('ERR_CERT_KEY_MISMATCH');
  });

  it('warns about a private key readable by others', async () => {
    const paths = certPaths(dir);
    await ensureCertificateSet(paths);
    const { chmod } = await import('node:fs/promises');
    await chmod(paths.key, 0o644);
    expect((await ensureCertificateSet(paths)).warnings[0]).toMatch(/readable by others/);
  });
});
