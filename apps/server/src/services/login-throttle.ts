/**
 * Brute-force protection for every place a password or secret is checked (token endpoint, API, UI login, password
 * reset links). Attempts are counted per client address and per account from that address, in the store so all
 * replicas agree, before the check runs — the check then gives a successful attempt back — so a burst of parallel
 * guesses gets no more checks than the limit; past it the key is locked out for a while, twice as long each further
 * time. Requests whose credentials were
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
  /**
   * Takes one attempt for the address (and the account from this address) before a password or secret is checked:
   * throws TooManyAttempts when either is locked. The attempt counts as a failure unless `succeeded` gives it back,
   * so at most the limits are checked however many requests race, on any number of replicas.
   */
  reserve(address: string, login?: string): Promise<void>;
  /** The reserved attempt succeeded: forgets the account's failures and gives the address its attempt back. */
  succeeded(address: string, login?: string): Promise<void>;
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

  return {
    async reserve(address, login) {
      const at = now();
      const keys = [{ key: addressKey(address), policy: addressPolicy }];
      if (login !== undefined) keys.push({ key: accountKey(login, address), policy: accountPolicy });
      const answer = await store.loginFailures.reserve(keys, new Date(at));
      if (!answer.allowed)
        throw new TooManyAttempts(Math.max(1, Math.ceil((answer.lockedUntil.getTime() - at) / 1000)));
    },
    async succeeded(address, login) {
      await store.loginFailures.release(login === undefined ? [] : [accountKey(login, address)], [addressKey(address)]);
    },
  };
}
