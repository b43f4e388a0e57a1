/**
 * The real password hasher, counting every hash and verification it runs: tests assert that requests which have
 * not passed the sign-in throttle never reach argon2.
 */
import { createPasswordHasher, type PasswordHasher } from '../../src/services/passwords';

export interface CountingHasher extends PasswordHasher {
  readonly calls: { hash: number; verify: number };
  reset(): void;
}

export function countingPasswordHasher(inner: PasswordHasher = createPasswordHasher()): CountingHasher {
  const calls = { hash: 0, verify: 0 };
  return {
    calls,
    reset() {
      calls.hash = 0;
      calls.verify = 0;
    },
    policy: inner.policy,
    hash(password) {
      calls.hash++;
      return inner.hash(password);
    },
    verify(hash, password) {
      calls.verify++;
      return inner.verify(hash, password);
    },
    needsRehash: (hash) => inner.needsRehash(hash),
    // The decoy is made once per process by the inner hasher; checks against it still go through verify.
    decoyHash: () => inner.decoyHash(),
    problem: (password) => inner.problem(password),
  };
}
