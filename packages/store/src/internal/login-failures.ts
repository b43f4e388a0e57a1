/**
 * Counters of failed sign-ins per key (a client address, or an account from an address) with growing lockouts.
 * Kept in the database so every replica sees the same counts and locks. An attempt is counted before the password
 * is checked (`reserve`) and given back when it succeeds (`release`), so concurrent guesses cannot overtake the count.
 */
import { sql, type Transaction } from 'kysely';
import { transact } from './common';
import type { Database, Dialect, Executor } from './database';

export interface LockoutPolicy {
  /** Failures within the window that trigger a lockout. */
  maxFailures: number;
  windowMs: number;
  /** The first lockout; each further one in the same window doubles, up to maxLockoutMs. */
  lockoutMs: number;
  maxLockoutMs: number;
}

/** The answer to a reservation: go ahead, or wait until `lockedUntil`. */
export type Reservation = { allowed: true } | { allowed: false; lockedUntil: Date };

interface FailureValues {
  failures: number;
  window_start: string;
  locked_until: string | null;
  lockouts: number;
}

function upsert(trx: Transaction<Database>, key: string, values: FailureValues) {
  return trx
    .insertInto('login_failures')
    .values({ key, ...values })
    .onConflict((oc) => oc.column('key').doUpdateSet(values))
    .execute();
}

export function loginFailuresRepository(db: Executor, dialect: Dialect) {
  return {
    /**
     * Reserves one attempt against every key, atomically: when none of them is locked, counts the attempt as a
     * failure for each and answers allowed; otherwise counts nothing and answers until when. A key whose count
     * already reached its limit is locked now (for twice as long as its previous lockout in the window). So however
     * many attempts race, on any number of replicas, at most `maxFailures` per key are let through a window; a caller
     * whose attempt then succeeds gives it back with `release`. An attempt whose process dies before it finishes
     * stays counted as a failure.
     */
    async reserve(keys: Array<{ key: string; policy: LockoutPolicy }>, now: Date): Promise<Reservation> {
      // One lock order for every caller, so two transactions holding one key each never wait on each other.
      const ordered = [...keys].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
      return transact(db, async (trx) => {
        const rows: Array<{ key: string; policy: LockoutPolicy; values: FailureValues }> = [];
        let lockedUntil = 0;
        for (const { key, policy } of ordered) {
          if (dialect === 'postgres') await sql`select pg_advisory_xact_lock(hashtext(${key}))`.execute(trx);
          const row = await trx.selectFrom('login_failures').selectAll().where('key', '=', key).executeTakeFirst();
          const locked = row?.locked_until ? Date.parse(row.locked_until) : 0;
          const windowOpen = row !== undefined && Date.parse(row.window_start) + policy.windowMs > now.getTime();
          if (locked > now.getTime()) {
            lockedUntil = Math.max(lockedUntil, locked);
            continue;
          }
          const values: FailureValues = windowOpen
            ? {
                failures: row.failures,
                window_start: row.window_start,
                locked_until: row.locked_until,
                lockouts: row.lockouts,
              }
            : { failures: 0, window_start: now.toISOString(), locked_until: null, lockouts: 0 };
          if (values.failures >= policy.maxFailures) {
            const until = now.getTime() + Math.min(policy.lockoutMs * 2 ** values.lockouts, policy.maxLockoutMs);
            await upsert(trx, key, {
              failures: 0,
              window_start: values.window_start,
              locked_until: new Date(until).toISOString(),
              lockouts: values.lockouts + 1,
            });
            lockedUntil = Math.max(lockedUntil, until);
            continue;
          }
          rows.push({ key, policy, values: { ...values, failures: values.failures + 1 } });
        }
        // Locks just set above stay even though nothing is counted; the other keys are left as they were.
        if (lockedUntil > 0) return { allowed: false, lockedUntil: new Date(lockedUntil) };
        for (const { key, values } of rows) await upsert(trx, key, values);
        return { allowed: true };
      });
    },

    /**
     * Gives back an allowed attempt that succeeded: the keys in `clear` are forgotten (the account's failures), each
     * key in `giveBack` has the attempt taken off its count (the address's).
     */
    async release(clear: string[], giveBack: string[]): Promise<void> {
      if (clear.length === 0 && giveBack.length === 0) return;
      await transact(db, async (trx) => {
        // Under the same locks as reserve, so a reservation racing with this one never writes back a stale count.
        if (dialect === 'postgres') {
          for (const key of [...clear, ...giveBack].sort()) {
            await sql`select pg_advisory_xact_lock(hashtext(${key}))`.execute(trx);
          }
        }
        if (clear.length > 0) await trx.deleteFrom('login_failures').where('key', 'in', clear).execute();
        if (giveBack.length > 0) {
          await trx
            .updateTable('login_failures')
            .set((eb) => ({ failures: eb('failures', '-', 1) }))
            .where('key', 'in', giveBack)
            .where('failures', '>', 0)
            .execute();
        }
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
