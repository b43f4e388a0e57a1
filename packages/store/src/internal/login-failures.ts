/**
 * Counters of failed sign-ins per key (a client address, or an account from an address) with growing lockouts.
 * Kept in the database so every replica sees the same counts and locks.
 */
import { type Kysely, sql } from 'kysely';
import type { Database, Dialect } from './database';

export interface LockoutPolicy {
  /** Failures within the window that trigger a lockout. */
  maxFailures: number;
  windowMs: number;
  /** The first lockout; each further one in the same window doubles, up to maxLockoutMs. */
  lockoutMs: number;
  maxLockoutMs: number;
}

export interface LockState {
  key: string;
  /** Until when the key is locked, if it is. */
  lockedUntil: Date | null;
  failures: number;
}

export function loginFailuresRepository(db: Kysely<Database>, dialect: Dialect) {
  return {
    /** The locked keys among `keys` at `now`. */
    async locked(keys: string[], now: Date): Promise<LockState[]> {
      if (keys.length === 0) return [];
      const rows = await db
        .selectFrom('login_failures')
        .selectAll()
        .where('key', 'in', keys)
        .where('locked_until', '>', now.toISOString())
        .execute();
      return rows.map((row) => ({
        key: row.key,
        lockedUntil: row.locked_until ? new Date(row.locked_until) : null,
        failures: row.failures,
      }));
    },

    /** Counts one failure for each key and locks those that reached the limit; returns their new state. */
    async recordFailure(keys: string[], now: Date, policy: LockoutPolicy): Promise<LockState[]> {
      return db.transaction().execute(async (trx) => {
        const states: LockState[] = [];
        for (const key of keys) {
          if (dialect === 'postgres') await sql`select pg_advisory_xact_lock(hashtext(${key}))`.execute(trx);
          const row = await trx.selectFrom('login_failures').selectAll().where('key', '=', key).executeTakeFirst();
          const windowOpen = row && Date.parse(row.window_start) + policy.windowMs > now.getTime();
          let failures = windowOpen ? row.failures + 1 : 1;
          let lockouts = windowOpen ? row.lockouts : 0;
          const windowStart = windowOpen ? row.window_start : now.toISOString();
          let lockedUntil: string | null = windowOpen ? row.locked_until : null;
          if (failures >= policy.maxFailures) {
            const duration = Math.min(policy.lockoutMs * 2 ** lockouts, policy.maxLockoutMs);
            lockedUntil = new Date(now.getTime() + duration).toISOString();
            lockouts += 1;
            failures = 0;
          }
          const values = { failures, window_start: windowStart, locked_until: lockedUntil, lockouts };
          await trx
            .insertInto('login_failures')
            .values({ key, ...values })
            .onConflict((oc) => oc.column('key').doUpdateSet(values))
            .execute();
          states.push({ key, lockedUntil: lockedUntil ? new Date(lockedUntil) : null, failures });
        }
        return states;
      });
    },

    /** Forgets the failures of keys (a successful sign-in). */
    async clear(keys: string[]): Promise<void> {
      if (keys.length === 0) return;
      await db.deleteFrom('login_failures').where('key', 'in', keys).execute();
    },

    /** Drops counters whose window and lock have both passed. */
    async prune(now: Date, windowMs: number): Promise<number> {
      const result = await db
        .deleteFrom('login_failures')
        .where('window_start', '<', new Date(now.getTime() - windowMs).toISOString())
        .where((eb) => eb.or([eb('locked_until', 'is', null), eb('locked_until', '<', now.toISOString())]))
        .executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}

export type LoginFailuresRepository = ReturnType<typeof loginFailuresRepository>;
