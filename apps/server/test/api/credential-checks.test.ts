/**
 * The token endpoint's password checks under load: one argon2id check per credential at a time, however many
 * requests and addresses bring it, and a credential in steady use is renewed in the background before its cache entry
 * runs out, so its requests never all wait on argon2 together (the latency spikes of a fixed cache lifetime).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createPasswordHasher, type PasswordHasher } from '../../src/services/passwords';
import { basic, createTestApp, createUser, type TestApp } from './fixture';

const SERVICE = 'container_registry';
const CACHE_TTL_S = 60;
/** How long to wait for background work: bounded, and generous for a loaded machine. */
const WAIT = { timeout: 30_000, interval: 20 };

/** The real hasher, counting verifications; while `hold` is set, each verification waits for its release. */
function gatedHasher(inner: PasswordHasher = createPasswordHasher()) {
  let gate: Promise<void> | undefined;
  let open: (() => void) | undefined;
  const state = {
    verifies: 0,
    hold() {
      gate = new Promise((resolve) => {
        open = resolve;
      });
    },
    release() {
      open?.();
      gate = undefined;
    },
  };
  const hasher: PasswordHasher = {
    ...inner,
    policy: inner.policy,
    hash: (password) => inner.hash(password),
    async verify(hash, password) {
      state.verifies++;
      if (gate) await gate;
      return inner.verify(hash, password);
    },
    needsRehash: (hash) => inner.needsRehash(hash),
    decoyHash: () => inner.decoyHash(),
    problem: (password) => inner.problem(password),
  };
  return { hasher, state };
}

describe('password checks at the token endpoint', { timeout: 60_000 }, () => {
  let t: TestApp;
  const { hasher, state } = gatedHasher();

  beforeAll(async () => {
    t = await createTestApp({ auth: { 'cache-ttl': CACHE_TTL_S } }, { passwords: hasher });
    await createUser(t.app, 'fleet', 'fleet-password');
  });
  afterAll(() => t.close());
  afterEach(() => {
    state.release();
    vi.restoreAllMocks();
  });

  const token = (address: string, password = 'fleet-password') =>
    t.app.inject({
      url: `/api/v1/registry/auth?service=${SERVICE}&scope=repository:x/y:pull`,
      remoteAddress: address,
      headers: { authorization: basic('fleet', password) },
    });
  const statuses = (responses: Array<{ statusCode: number }>) => [...new Set(responses.map((r) => r.statusCode))];

  it('runs one argon2id check for a burst of one credential from many addresses', async () => {
    state.verifies = 0;
    state.hold();
    const pending = Promise.all(Array.from({ length: 64 }, (_, i) => token(`10.30.${i % 16}.1`)));
    // Every request is waiting on the one check, which has not finished yet.
    // The check starts after the throttle's reservation (a store write): on a busy machine, a while.
    await vi.waitFor(() => expect(state.verifies).toBe(1), WAIT);
    state.release();
    expect(statuses(await pending)).toEqual([200]);
    expect(state.verifies).toBe(1);
    // A wrong password is a different credential: it gets its own check, and is refused.
    const wrong = await Promise.all(Array.from({ length: 8 }, () => token('10.30.99.1', 'not-the-password')));
    expect(statuses(wrong)).toEqual([401]);
    expect(state.verifies).toBe(2);
  });

  it('renews an entry near its end in the background: no request waits, one check runs', async () => {
    // The entry from the burst above is cached; move the clock into the last fifth of its lifetime.
    const start = Date.now();
    vi.spyOn(Date, 'now').mockReturnValue(start + CACHE_TTL_S * 850);
    state.verifies = 0;
    state.hold();
    // Answered from the cache while the renewal is held: had they waited for it, this would not resolve.
    const responses = await Promise.all(Array.from({ length: 32 }, (_, i) => token(`10.31.${i % 4}.1`)));
    expect(statuses(responses)).toEqual([200]);
    // One renewal started in the background (it reaches the hasher after the throttle's reservation).
    await vi.waitFor(() => expect(state.verifies).toBe(1), WAIT);
    state.release();
    const cache = t.services.credentialCache;
    await vi.waitFor(
      () => expect(cache.refreshDue('fleet', 'fleet-password', start + CACHE_TTL_S * 850)).toBe(false),
      WAIT,
    );
    // Renewed: past the first lifetime the entry still answers, with no check.
    vi.mocked(Date.now).mockReturnValue(start + CACHE_TTL_S * 1500);
    state.verifies = 0;
    expect((await token('10.31.9.1')).statusCode).toBe(200);
    expect(state.verifies).toBe(0);
  });
});
