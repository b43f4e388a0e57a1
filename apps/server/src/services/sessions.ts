/**
 * UI sessions: a random token in an HttpOnly cookie, stored server-side only as its SHA-256 so a database leak does
 * not leak sessions. Sessions end at an absolute lifetime, after an idle period, on logout, and when the user is
 * disabled or deleted (checked against the access snapshot on every request). A user holds at most `maxPerUser`
 * sessions; signing in past that ends the oldest.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Store } from '@registry-admin/store';
import type { AccessState, SnapshotUser } from './access-state';

export interface SessionOptions {
  ttlSeconds: number;
  idleSeconds: number;
  /** Unlimited when absent. */
  maxPerUser?: number;
  now?: () => number;
}

export interface SessionService {
  /**
   * The CSRF token of a session: an HMAC of the session token under a key shared by all replicas. Browsers send it
   * back in `X-CSRF-Token` on every state-changing request; another site can neither read nor forge it.
   */
  csrfToken(sessionToken: string): string;
  csrfMatches(sessionToken: string, presented: string | undefined): boolean;
  create(userId: number, meta: { address?: string; userAgent?: string }): Promise<{ token: string; expiresAt: Date }>;
  resolve(token: string): Promise<{ id: string; user: SnapshotUser } | undefined>;
  revoke(token: string): Promise<void>;
}

const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');
/** lastSeenAt is written at most this often, so browsing does not turn into one write per request. */
const TOUCH_INTERVAL_MS = 30_000;

export function createSessionService(
  store: Store,
  access: AccessState,
  options: SessionOptions & { csrfKey: Buffer },
): SessionService {
  const now = options.now ?? Date.now;
  const csrfToken = (sessionToken: string) =>
    createHmac('sha256', options.csrfKey).update(sessionToken).digest('base64url');
  return {
    csrfToken,
    csrfMatches(sessionToken, presented) {
      if (!presented) return false;
      const expected = Buffer.from(csrfToken(sessionToken));
      const given = Buffer.from(presented);
      return expected.length === given.length && timingSafeEqual(expected, given);
    },
    async create(userId, meta) {
      const token = randomBytes(32).toString('base64url');
      const createdAt = now();
      const expiresAt = new Date(createdAt + options.ttlSeconds * 1000);
      await store.sessions.create({
        id: hashToken(token),
        userId,
        createdAt: new Date(createdAt),
        expiresAt,
        address: meta.address ?? null,
        userAgent: meta.userAgent?.slice(0, 512) ?? null,
        ...(options.maxPerUser === undefined ? {} : { maxPerUser: options.maxPerUser }),
      });
      return { token, expiresAt };
    },
    async resolve(token) {
      if (!/^[A-Za-z0-9_-]{43}$/.test(token)) return undefined;
      const id = hashToken(token);
      const session = await store.sessions.get(id);
      if (!session) return undefined;
      const at = now();
      const lastSeen = Date.parse(session.lastSeenAt);
      if (Date.parse(session.expiresAt) <= at || lastSeen + options.idleSeconds * 1000 <= at) {
        await store.sessions.delete(id);
        return undefined;
      }
      const user = access.userById(session.userId);
      if (!user || user.disabled) {
        await store.sessions.delete(id);
        return undefined;
      }
      if (at - lastSeen > TOUCH_INTERVAL_MS) await store.sessions.touch(id, new Date(at));
      return { id, user };
    },
    async revoke(token) {
      await store.sessions.delete(hashToken(token));
    },
  };
}
