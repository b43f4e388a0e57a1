/**
 * Remembers successful password checks so repeated token requests do not pay for argon2 again.
 *
 * Keyed by an HMAC of login and password under a per-process random key, so the cache never holds a password or a
 * reusable hash of one. An entry is valid only while the user's stored hash is the one it was verified against
 * (a password change or a re-hash drops it) and for a short TTL. Failures are never cached.
 */
import { createHmac, randomBytes } from 'node:crypto';

interface Entry {
  userId: number;
  /** The stored password hash the password was verified against. */
  stamp: string;
  expiresAt: number;
}

export interface CredentialCache {
  /** The user id when `login`/`password` was verified against `currentStamp` within the TTL. */
  lookup(login: string, password: string, currentStamp: string, now?: number): number | undefined;
  /**
   * Whether a valid entry is in the last fifth of its lifetime: a credential in steady use is verified again in the
   * background then, so its requests never all wait on argon2 together when the entry runs out.
   */
  refreshDue(login: string, password: string, now?: number): boolean;
  remember(login: string, password: string, userId: number, stamp: string, now?: number): void;
  /** The key an entry for these credentials has: an HMAC under the per-process key, never the password itself. */
  keyOf(login: string, password: string): string;
  /** Drops every entry of a user (password change, disable, delete). */
  forgetUser(userId: number): void;
  readonly size: number;
}

export function createCredentialCache(options: { ttlMs: number; maxEntries?: number }): CredentialCache {
  const key = randomBytes(32);
  const maxEntries = options.maxEntries ?? 10_000;
  const entries = new Map<string, Entry>();
  const digest = (login: string, password: string) =>
    createHmac('sha256', key).update(login).update('\0').update(password).digest('base64url');

  return {
    lookup(login, password, currentStamp, now = Date.now()) {
      const id = digest(login, password);
      const entry = entries.get(id);
      if (!entry) return undefined;
      if (entry.expiresAt <= now || entry.stamp !== currentStamp) {
        entries.delete(id);
        return undefined;
      }
      return entry.userId;
    },
    refreshDue(login, password, now = Date.now()) {
      const entry = entries.get(digest(login, password));
      return entry !== undefined && entry.expiresAt - now <= options.ttlMs / 5;
    },
    remember(login, password, userId, stamp, now = Date.now()) {
      const id = digest(login, password);
      // Renewed entries move to the end, so the oldest one is always first.
      entries.delete(id);
      if (entries.size >= maxEntries) {
        // Maps iterate in insertion order: drop the oldest entry.
        const oldest = entries.keys().next();
        if (!oldest.done) entries.delete(oldest.value);
      }
      entries.set(id, { userId, stamp, expiresAt: now + options.ttlMs });
    },
    keyOf: digest,
    forgetUser(userId) {
      for (const [id, entry] of entries) if (entry.userId === userId) entries.delete(id);
    },
    get size() {
      return entries.size;
    },
  };
}
