/**
 * Who presented which credential: a password (argon2id, with successful checks cached), a personal access token,
 * a refresh token, or a service-account secret. Everything is checked against the in-memory access snapshot, so the
 * token endpoint does no database work; last-used times are written in the background, at most once a minute.
 */
import type { Store } from '@registry-admin/store';
import type { AccessState, SnapshotServiceAccount, SnapshotToken, SnapshotUser } from './access-state';
import type { CredentialCache } from './credential-cache';
import { decoyPasswordHash, PASSWORD_MAX_LENGTH, verifyPassword } from './passwords';
import { hashSecret, isExpired, SECRET_PREFIX, secretMatches } from './secrets';

export type Identity =
  | { kind: 'user'; user: SnapshotUser; via: 'password' | 'pat' | 'refresh'; readOnly: boolean; tokenId?: number }
  | { kind: 'service-account'; account: SnapshotServiceAccount };

export interface Authenticator {
  /** The enabled user these password credentials belong to, or undefined. Never throws for bad input. */
  verifyPassword(login: string, password: string): Promise<SnapshotUser | undefined>;
  /** HTTP Basic at the token endpoint and the API: a password, a personal access token or a service-account secret. */
  authenticateBasic(login: string, secret: string): Promise<Identity | undefined>;
  /** `Authorization: Bearer <personal access token>`. */
  authenticateBearer(token: string): Identity | undefined;
  /** A refresh token from the OAuth2 refresh grant. */
  authenticateRefresh(token: string): Identity | undefined;
}

const TOUCH_INTERVAL_MS = 60_000;

export function createAuthenticator(
  access: AccessState,
  cache: CredentialCache,
  options: { store?: Store; onError?: (error: unknown) => void; now?: () => number } = {},
): Authenticator {
  const now = options.now ?? Date.now;
  const lastTouched = new Map<string, number>();
  const touch = (kind: 'token' | 'service-account', id: number) => {
    const store = options.store;
    if (!store) return;
    const key = `${kind}:${id}`;
    const at = now();
    if ((lastTouched.get(key) ?? 0) + TOUCH_INTERVAL_MS > at) return;
    lastTouched.set(key, at);
    const write =
      kind === 'token' ? store.tokens.touch(id, new Date(at)) : store.serviceAccounts.touch(id, new Date(at));
    write.catch((error: unknown) => options.onError?.(error));
  };

  const tokenIdentity = (token: SnapshotToken | undefined, kind: 'pat' | 'refresh'): Identity | undefined => {
    if (!token || token.kind !== kind || isExpired(token.expiresAt, now())) return undefined;
    const user = access.userById(token.userId);
    if (!user || user.disabled) return undefined;
    touch('token', token.id);
    return { kind: 'user', user, via: kind, readOnly: token.readOnly, tokenId: token.id };
  };

  async function checkPassword(login: string, password: string): Promise<SnapshotUser | undefined> {
    if (password.length === 0 || password.length > PASSWORD_MAX_LENGTH) return undefined;
    const user = access.userByLogin(login);
    if (!user) {
      // Spend the same time as for a known login, so timing does not reveal which logins exist.
      await verifyPassword(await decoyPasswordHash(), password);
      return undefined;
    }
    const cached = cache.lookup(login, password, user.passwordHash);
    if (cached === user.id) return user.disabled ? undefined : user;
    if (!(await verifyPassword(user.passwordHash, password))) return undefined;
    // Re-read: the user may have changed while the hash was being checked.
    const current = access.userById(user.id);
    if (!current || current.passwordHash !== user.passwordHash) return undefined;
    cache.remember(login, password, user.id, user.passwordHash);
    return current.disabled ? undefined : current;
  }

  return {
    verifyPassword: checkPassword,

    async authenticateBasic(login, secret) {
      if (secret.startsWith(SECRET_PREFIX.pat)) {
        const identity = tokenIdentity(access.tokenByHash(hashSecret(secret)), 'pat');
        return identity?.kind === 'user' && identity.user.login === login ? identity : undefined;
      }
      if (secret.startsWith(SECRET_PREFIX.serviceAccount)) {
        const account = access.serviceAccountByName(login);
        if (!account || !secretMatches(secret, account.secretHash)) return undefined;
        if (account.disabled || isExpired(account.expiresAt, now())) return undefined;
        touch('service-account', account.id);
        return { kind: 'service-account', account };
      }
      const user = await checkPassword(login, secret);
      return user ? { kind: 'user', user, via: 'password', readOnly: false } : undefined;
    },

    authenticateBearer(token) {
      if (!token.startsWith(SECRET_PREFIX.pat)) return undefined;
      return tokenIdentity(access.tokenByHash(hashSecret(token)), 'pat');
    },

    authenticateRefresh(token) {
      if (!token.startsWith(SECRET_PREFIX.refresh)) return undefined;
      return tokenIdentity(access.tokenByHash(hashSecret(token)), 'refresh');
    },
  };
}
