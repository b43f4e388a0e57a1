/**
 * Brute-force protection for every place a password or secret is checked (token endpoint, API, UI login).
 * Failures are counted per client address and per account from that address, in the store so all replicas agree;
 * past a limit the key is locked out for a while, twice as long each further time. Requests whose credentials were
 * already verified (the credential cache) never get here, so a valid user's burst of pulls is never throttled —
 * and the same user, or any other, from another address goes on working while one address is locked.
 */
import type { LockoutPolicy, Store } from '@registry-admin/store';

export class TooManyAttempts extends Error {
  readonly code = 'ERR_TOO_MANY_ATTEMPTS';
  constructor(readonly retryAfterSeconds: number) {
    super(`too many failed sign-in attempts; try again in ${retryAfterSeconds} s`);
    this.name = 'TooManyAttempts';
  }
}

export interface ThrottleOptions {
  /** Failures of one account from one address before a lockout. */
  maxAccountFailures: number;
  /** Failures from one address, over all accounts, before a lockout. */
  maxAddressFailures: number;
  lockoutSeconds: number;
  windowSeconds?: number;
  maxLockoutSeconds?: number;
  now?: () => number;
}

export interface LoginThrottle {
  /** Throws TooManyAttempts when the address, or the account from this address, is locked. */
  assertAllowed(address: string, login?: string): Promise<void>;
  failed(address: string, login?: string): Promise<void>;
  succeeded(address: string, login: string): Promise<void>;
}

const addressKey = (address: string) => `address:${address}`;
const accountKey = (login: string, address: string) => `account:${login.slice(0, 128)}@${address}`;

export function createLoginThrottle(store: Store, options: ThrottleOptions): LoginThrottle {
  const now = options.now ?? Date.now;
  const base = {
    windowMs: (options.windowSeconds ?? 900) * 1000,
    lockoutMs: options.lockoutSeconds * 1000,
    maxLockoutMs: (options.maxLockoutSeconds ?? 3600) * 1000,
  };
  const addressPolicy: LockoutPolicy = { ...base, maxFailures: options.maxAddressFailures };
  const accountPolicy: LockoutPolicy = { ...base, maxFailures: options.maxAccountFailures };
  const keys = (address: string, login?: string) =>
    login === undefined ? [addressKey(address)] : [addressKey(address), accountKey(login, address)];

  return {
    async assertAllowed(address, login) {
      const at = now();
      const locks = await store.loginFailures.locked(keys(address, login), new Date(at));
      const until = Math.max(0, ...locks.map((lock) => lock.lockedUntil?.getTime() ?? 0));
      if (until > at) throw new TooManyAttempts(Math.ceil((until - at) / 1000));
    },
    async failed(address, login) {
      const at = new Date(now());
      await store.loginFailures.recordFailure([addressKey(address)], at, addressPolicy);
      if (login !== undefined) await store.loginFailures.recordFailure([accountKey(login, address)], at, accountPolicy);
    },
    async succeeded(address, login) {
      await store.loginFailures.clear([accountKey(login, address)]);
    },
  };
}
