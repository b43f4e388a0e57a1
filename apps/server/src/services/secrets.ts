/**
 * Random machine credentials — personal access tokens, refresh tokens, service-account secrets — and their stored
 * form. They carry 256 random bits, so a fast hash (SHA-256) is the right way to store them and keeps the token
 * endpoint fast; the prefix tells which kind a presented credential claims to be.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

export const SECRET_PREFIX = {
  pat: 'ra_pat_',
  refresh: 'ra_rt_',
  serviceAccount: 'ra_sa_',
  reset: 'ra_reset_',
} as const;

export type SecretKind = keyof typeof SECRET_PREFIX;

export function newSecret(kind: SecretKind): { value: string; hash: string; prefix: string } {
  const value = `${SECRET_PREFIX[kind]}${randomBytes(32).toString('base64url')}`;
  return { value, hash: hashSecret(value), prefix: value.slice(0, SECRET_PREFIX[kind].length + 6) };
}

export function hashSecret(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}

/** Constant-time comparison of a presented secret with a stored hash. */
export function secretMatches(value: string, storedHash: string): boolean {
  const presented = Buffer.from(hashSecret(value), 'hex');
  const stored = Buffer.from(storedHash, 'hex');
  return presented.length === stored.length && timingSafeEqual(presented, stored);
}

export function isExpired(expiresAt: string | null, now = Date.now()): boolean {
  return expiresAt !== null && Date.parse(expiresAt) <= now;
}
