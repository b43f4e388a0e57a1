/**
 * Who presented which credential: a password (argon2id, with successful checks cached), a personal access token,
 * a refresh token, or a service-account secret. Everything is checked against the in-memory access snapshot, so the
 * token endpoint does no database work for a cached password or a valid token; last-used times are written in the
 * background, at most once a minute.
 */
import type { Store } from '@registry-admin/store';
import type { AccessState, SnapshotServiceAccount, SnapshotToken, SnapshotUser } from './access-state';
import type { CredentialCache } from './credential-cache';
import type { RegistryPasswords } from './htpasswd';
import type { LoginThrottle } from './login-throttle';
import { PASSWORD_MAX_LENGTH, type PasswordHasher } from './passwords';
import { hashSecret, isExpired, SECRET_PREFIX, secretMatches } from './secrets';

export type Identity =
  | { kind: 'user'; user: SnapshotUser; via: 'password' | 'pat' | 'refresh'; readOnly: boolean }
  | { kind: 'service-account'; account: SnapshotServiceAccount };

/**
 * Every method takes the client address: attempts are counted against it (and against the account from it) before
 * any password hash is checked, so no caller can reach argon2 without passing the throttle.
 */
export interface Authenticator {
  /** The enabled user these password credentials belong to, or undefined. Never throws for bad input. */
  verifyPassword(login: string, password: string, address: string): Promise<SnapshotUser | undefined>;
  /** HTTP Basic at the token endpoint and the API: a password, a personal access token or a service-account secret. */
  authenticateBasic(login: string, secret: string, address: string): Promise<Identity | undefined>;
  /** `Authorization: Bearer <personal access token>`. */
  authenticateBearer(token: string, address: string): Promise<Identity | undefined>;
  /** A refresh token from the OAuth2 refresh grant. */
  authenticateRefresh(token: string, address: string): Promise<Identity | undefined>;
}

const TOUCH_INTERVAL_MS = 60_000;
/** Credentials whose last use is remembered at once; past it (all used within the interval) the rest wait. */
const MAX_TOUCHED = 10_000;

export function createAuthenticator(
  access: AccessState,
  cache: CredentialCache,
  passwords: PasswordHasher,
  options: {
    store?: Store;
    throttle?: LoginThrottle;
    /** htpasswd mode: a user signing in without a registry (bcrypt) hash gets one made from the password. */
    registryPasswords?: RegistryPasswords;
    onError?: (error: unknown) => void;
    now?: () => number;
  } = {},
): Authenticator {
  const now = options.now ?? (() => Date.now());
  const lastTouched = new Map<string, number>();
  const touch = (kind: 'token' | 'service-account', id: number) => {
    const store = options.store;
    if (!store) return;
    const key = `${kind}:${id}`;
    const at = now();
    if ((lastTouched.get(key) ?? 0) + TOUCH_INTERVAL_MS > at) return;
    // Entries older than the interval say nothing any more: dropping them keeps the map to the credentials used
    // lately, however many tokens come and go over the process's life.
    if (lastTouched.size >= MAX_TOUCHED) {
      for (const [stale, touchedAt] of lastTouched) if (touchedAt + TOUCH_INTERVAL_MS <= at) lastTouched.delete(stale);
    }
    if (lastTouched.size >= MAX_TOUCHED) return;
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
    return { kind: 'user', user, via: kind, readOnly: token.readOnly };
  };

  const throttle = options.throttle;
  /**
   * After a successful password check, in the background (the sign-in does not wait): replaces a bcrypt or weaker
   * argon2 hash, and in htpasswd mode makes the registry's bcrypt hash if the user has none yet — the password is
   * known only now.
   */
  function upgrade(user: SnapshotUser, password: string): void {
    const store = options.store;
    if (!store) return;
    const rehash = passwords.needsRehash(user.passwordHash);
    const forRegistry = options.registryPasswords?.enabled && !user.registryPasswordHash;
    if (!rehash && !forRegistry) return;
    (async () => {
      let current = user.passwordHash;
      let changed = false;
      if (rehash) {
        const hash = await passwords.hash(password);
        if (await store.users.replacePasswordHash(user.id, current, hash)) {
          current = hash;
          changed = true;
        }
      }
      const registryHash = forRegistry ? await options.registryPasswords?.hash(password) : undefined;
      if (registryHash && (await store.users.setRegistryPasswordHash(user.id, current, registryHash))) changed = true;
      if (changed) await access.refresh();
    })().catch((error: unknown) => options.onError?.(error));
  }
  /**
   * A secret that is random (token, service-account secret) failed: counts against the address only. Checking one
   * costs a SHA-256, so it is counted after the check, in the same single store call that refuses a locked address.
   */
  async function secretFailed(address: string): Promise<undefined> {
    if (throttle) await throttle.reserve(address);
    return undefined;
  }

  /**
   * Checks running now, by credentials: however many requests bring the same login and password at once (a pull of
   * many layers, a CI job, a fleet of runners sharing a robot account), one argon2 check answers them all. Only the
   * first request's address is counted by the throttle: the others bring the very same guess, so they learn nothing
   * it did not, and a valid burst larger than the limit cannot lock its own account out.
   */
  const inFlight = new Map<string, Promise<SnapshotUser | undefined>>();

  function singleFlight(user: SnapshotUser | undefined, login: string, password: string, address: string) {
    const key = cache.keyOf(login, password);
    const running = inFlight.get(key);
    if (running) return running;
    const check = verifyPassword(user, login, password, address).finally(() => inFlight.delete(key));
    inFlight.set(key, check);
    return check;
  }

  async function checkPassword(login: string, password: string, address: string): Promise<SnapshotUser | undefined> {
    const user = access.userByLogin(login);
    // Verified recently with this very password: no lockout check, no hashing, no store work.
    if (user && cache.lookup(login, password, user.passwordHash, now()) === user.id) {
      // Near the end of the entry's life, one check renews it in the background while requests go on being answered.
      if (!user.disabled && cache.refreshDue(login, password, now())) {
        singleFlight(user, login, password, address).catch((error: unknown) => options.onError?.(error));
      }
      return user.disabled ? undefined : user;
    }
    return singleFlight(user, login, password, address);
  }

  async function verifyPassword(
    user: SnapshotUser | undefined,
    login: string,
    password: string,
    address: string,
  ): Promise<SnapshotUser | undefined> {
    // The attempt is counted before argon2 runs, so parallel guesses cannot get more checks than the limit.
    await throttle?.reserve(address, login);
    const valid =
      password.length > 0 &&
      password.length <= PASSWORD_MAX_LENGTH &&
      // Unknown logins are checked against a decoy so timing does not reveal which logins exist.
      (await passwords.verify(user?.passwordHash ?? (await passwords.decoyHash()), password)) &&
      user !== undefined;
    // Re-read: the user may have changed while the hash was being checked.
    const current = user ? access.userById(user.id) : undefined;
    // A failure stays counted by the reservation.
    if (!valid || !user || !current || current.passwordHash !== user.passwordHash) return undefined;
    cache.remember(login, password, user.id, user.passwordHash, now());
    await throttle?.succeeded(address, login);
    upgrade(user, password);
    return current.disabled ? undefined : current;
  }

  return {
    verifyPassword: checkPassword,

    async authenticateBasic(login, secret, address) {
      if (secret.startsWith(SECRET_PREFIX.pat)) {
        const identity = tokenIdentity(access.tokenByHash(hashSecret(secret)), 'pat');
        return identity?.kind === 'user' && identity.user.login === login ? identity : secretFailed(address);
      }
      if (secret.startsWith(SECRET_PREFIX.serviceAccount)) {
        const account = access.serviceAccountByName(login);
        if (!account || !secretMatches(secret, account.secretHash)) return secretFailed(address);
        if (account.disabled || isExpired(account.expiresAt, now())) return undefined;
        touch('service-account', account.id);
        return { kind: 'service-account', account };
      }
      const user = await checkPassword(login, secret, address);
      return user ? { kind: 'user', user, via: 'password', readOnly: false } : undefined;
    },

    async authenticateBearer(token, address) {
      const identity = token.startsWith(SECRET_PREFIX.pat)
        ? tokenIdentity(access.tokenByHash(hashSecret(token)), 'pat')
        : undefined;
      return identity ?? secretFailed(address);
    },

    async authenticateRefresh(token, address) {
      const identity = token.startsWith(SECRET_PREFIX.refresh)
        ? tokenIdentity(access.tokenByHash(hashSecret(token)), 'refresh')
        : undefined;
      return identity ?? secretFailed(address);
    },
  };
}
