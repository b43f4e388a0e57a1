/**
 * The certificate set on disk: `registry_auth.key` (0600), `registry_auth.pub`, `registry_auth_ca.crt`.
 * Files are written atomically; a partial set is an error, never silently replaced.
 */
import { constants } from 'node:fs';
import { access, chmod, mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import {
  type CertificateSet,
  type GenerateOptions,
  generateCertificateSet,
  parseCertificateSet,
} from './certificate-set';
import { CertError } from './errors';

export const CERT_FILES = {
  key: 'registry_auth.key',
  publicKey: 'registry_auth.pub',
  ca: 'registry_auth_ca.crt',
} as const;

export interface CertPaths {
  key: string;
  publicKey: string;
  ca: string;
}

/**
 * @example
 * certPaths('/etc/registry-admin/certs'); // → { key: '…/registry_auth.key', publicKey: '…/registry_auth.pub', ca: '…/registry_auth_ca.crt' }
 */
export function certPaths(dir: string, overrides: Partial<CertPaths> = {}): CertPaths {
  return {
    key: overrides.key ?? join(dir, CERT_FILES.key),
    publicKey: overrides.publicKey ?? join(dir, CERT_FILES.publicKey),
    ca: overrides.ca ?? join(dir, CERT_FILES.ca),
  };
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path, constants.F_OK);
    return true;
  } catch {
    return false;
  }
}

async function read(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    throw new CertError('ERR_CERT_IO', `cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`, {
      cause: error,
    });
  }
}

/**
 * @example
 * const set = await loadCertificateSet(certPaths('/etc/registry-admin/certs'));
 */
export async function loadCertificateSet(paths: CertPaths, options: { now?: Date } = {}): Promise<CertificateSet> {
  const [privateKeyPem, publicKeyPem, certificatePem] = await Promise.all([
    read(paths.key),
    read(paths.publicKey),
    read(paths.ca),
  ]);
  return parseCertificateSet(
    { privateKeyPem, publicKeyPem, certificatePem },
    { ...options, source: { key: paths.key, publicKey: paths.publicKey, ca: paths.ca } },
  );
}

async function writeAtomically(path: string, content: string, mode: number): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const temp = `${path}.${process.pid}.${Date.now()}.tmp`;
  await writeFile(temp, content, { mode, flag: 'wx' });
  await chmod(temp, mode);
  await rename(temp, path);
}

/**
 * Writes the set: key 0600, public key and bundle 0644, each atomically.
 *
 * @example
 * await writeCertificateSet(certPaths(dir), await generateCertificateSet());
 */
export async function writeCertificateSet(paths: CertPaths, set: CertificateSet): Promise<void> {
  try {
    await writeAtomically(paths.key, set.privateKeyPem, 0o600);
    await writeAtomically(paths.publicKey, set.publicKeyPem, 0o644);
    await writeAtomically(paths.ca, set.certificatePem, 0o644);
  } catch (error) {
    if (error instanceof CertError) throw error;
    throw new CertError('ERR_CERT_IO', `cannot write certificates: ${(error as Error).message}`, { cause: error });
  }
}

/**
 * Loads the set when all three files exist, generates and writes it when none does, and refuses a partial set.
 * `warnings` notes a private key readable by others.
 *
 * @example
 * const { set, generated } = await ensureCertificateSet(certPaths(dir), { dnsNames: ['registry.local'] });
 */
export async function ensureCertificateSet(
  paths: CertPaths,
  options: GenerateOptions = {},
): Promise<{ set: CertificateSet; generated: boolean; warnings: string[] }> {
  const present = await Promise.all([paths.key, paths.publicKey, paths.ca].map(exists));
  const count = present.filter(Boolean).length;
  if (count === 0) {
    const set = await generateCertificateSet(options);
    await writeCertificateSet(paths, set);
    return { set, generated: true, warnings: [] };
  }
  if (count < 3) {
    const names = [paths.key, paths.publicKey, paths.ca];
    const found = names.filter((_, i) => present[i]);
    const missing = names.filter((_, i) => !present[i]);
    throw new CertError(
      'ERR_CERT_PARTIAL_SET',
      `incomplete certificate set: found ${found.join(', ')} but ${missing.join(', ')} missing; ` +
        'restore the missing files, or remove all three to generate a new set',
    );
  }
  const set = await loadCertificateSet(paths, options.now ? { now: options.now } : {});
  const warnings: string[] = [];
  const mode = (await stat(paths.key)).mode & 0o777;
  if ((mode & 0o077) !== 0) warnings.push(`${paths.key} is readable by others (mode ${mode.toString(8)}); use 0600`);
  return { set, generated: false, warnings };
}
