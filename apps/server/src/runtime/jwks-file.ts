/**
 * The JWKS file registry 3.x reads (`auth.token.jwks`): the public keys of every certificate in the bundle, each with
 * its RFC 7638 thumbprint as `kid`, so tokens signed with `--registry.key-id thumbprint` verify, and during a key
 * rotation (old and new certificate in one bundle) both keys do. It is rewritten whenever its content would change:
 * by `registry-config` and at each start, so a rotated key reaches the file before the first token it signs.
 */
import { X509Certificate } from 'node:crypto';
import { readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { CertificateSet } from '@registry-admin/cert-builder';
import { createJwks } from '@registry-admin/token-service';
import type { RuntimePaths } from './paths';

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/** Beside the CA bundle: `registry_auth.jwks`. */
export function jwksFilePath(paths: RuntimePaths): string {
  return join(dirname(paths.certs.ca), 'registry_auth.jwks');
}

/** The JWKS of the bundle's keys, the signing key first, and the algorithms they sign with. */
export function bundleJwks(set: CertificateSet): { jwks: ReturnType<typeof createJwks>; algorithms: string[] } {
  const current = set.publicKey.export({ type: 'spki', format: 'der' }).toString('base64');
  const others = (set.certificatePem.match(PEM_CERTIFICATE) ?? [])
    .map((pem) => new X509Certificate(pem).publicKey)
    .filter((key) => key.export({ type: 'spki', format: 'der' }).toString('base64') !== current);
  const seen = new Set<string>();
  const jwks = createJwks([set.publicKey, ...others], { keyIdFormat: 'thumbprint' });
  jwks.keys = jwks.keys.filter((key) => !seen.has(key.kid ?? '') && seen.add(key.kid ?? ''));
  return { jwks, algorithms: [...new Set(jwks.keys.map((key) => key.alg ?? ''))].filter(Boolean) };
}

/** Writes the file when its content differs; resolves with whether it did. */
export async function writeJwksFile(path: string, set: CertificateSet): Promise<boolean> {
  const text = `${JSON.stringify(bundleJwks(set).jwks, null, 2)}\n`;
  const current = await readFile(path, 'utf8').catch(() => undefined);
  if (current === text) return false;
  const temp = `${path}.${process.pid}.tmp`;
  await writeFile(temp, text, { mode: 0o644 });
  await rename(temp, path);
  return true;
}
