/**
 * Locks shared by every process on one database, for work that must run in one place at a time: which replica leads
 * the periodic work, and the one index sync of the cluster. On PostgreSQL they are session advisory locks, keyed by
 * the schema, so deployments in different schemas of one database do not share them; the database drops a lock when
 * its holder's connection ends, so a killed holder frees it at once and one that cannot be reached frees it once its
 * connection is declared dead (TCP keepalives, below). On SQLite there is one process, and it always holds them.
 */
import type Pg from 'pg';

/** Which lock: the leader of the periodic work, or the index sync of the whole cluster. */
export type ClusterLockName = 'leader' | 'index-sync';

/** Held for as long as this process keeps its connection; `acquire()` again both takes it and checks it is still held. */
export interface ClusterLock {
  /**
   * Takes the lock when free, or, when this process holds it, checks that its connection is still alive. Resolves
   * whether this process holds it now; an unreachable database means not held (the error goes to `onError`).
   */
  acquire(): Promise<boolean>;
  readonly held: boolean;
  /** Gives the lock up and closes its connection. */
  release(): Promise<void>;
}

/** The outcome of `withClusterLock`: `ran: false` when another process held the lock, and `work` was not run. */
export type LockedRun<T> = { ran: true; value: T } | { ran: false };

export interface ClusterLocks {
  /** A lock held on its own connection, apart from the pool, for as long as this process wants it (leadership). */
  lock(name: ClusterLockName, options?: { onError?: (error: unknown) => void }): ClusterLock;
  /** Runs `work` holding the lock, or returns `{ ran: false }` at once when another process (or call) holds it. */
  withLock<T>(name: ClusterLockName, work: () => Promise<T>): Promise<LockedRun<T>>;
}

/**
 * How long a holder that stopped answering keeps a lock: the server probes an idle connection after 5 s, three
 * times 2 s apart, and gives up on data unacknowledged for 10 s; about 11 s in all.
 */
export const DEAD_CONNECTION_SECONDS = 11;
const KEEPALIVE_OPTIONS =
  '-c tcp_keepalives_idle=5 -c tcp_keepalives_interval=2 -c tcp_keepalives_count=3 -c tcp_user_timeout=10000';
/** A check of a held lock's connection that takes longer than this counts as a lost connection. */
const CHECK_TIMEOUT_MS = 5000;
/** Advisory lock keys are (class, object); this class keeps ours apart from every other user of the database. */
const LOCK_CLASS = 727274;

/** One process, so a lock is held whenever no other call in it holds it. */
export function sqliteClusterLocks(): ClusterLocks {
  const busy = new Set<ClusterLockName>();
  return {
    lock() {
      let held = false;
      return {
        async acquire() {
          held = true;
          return true;
        },
        get held() {
          return held;
        },
        async release() {
          held = false;
        },
      };
    },
    async withLock(name, work) {
      if (busy.has(name)) return { ran: false };
      busy.add(name);
      try {
        return { ran: true, value: await work() };
      } finally {
        busy.delete(name);
      }
    },
  };
}

/** `connection`: how to open a connection of the store (its URL and search path); each lock has its own. */
export function postgresClusterLocks(pg: typeof Pg, connection: Pg.ClientConfig): ClusterLocks {
  const config: Pg.ClientConfig = {
    ...connection,
    options: [connection.options, KEEPALIVE_OPTIONS].filter(Boolean).join(' '),
    keepAlive: true,
    keepAliveInitialDelayMillis: 5000,
    connectionTimeoutMillis: CHECK_TIMEOUT_MS,
    query_timeout: CHECK_TIMEOUT_MS,
  };
  // hashtext of the schema and the name: one lock per deployment (schema) and purpose.
  const tryLock = 'select pg_try_advisory_lock($1, hashtext(current_schema() || $2)) as locked';
  const unlock = 'select pg_advisory_unlock($1, hashtext(current_schema() || $2))';

  const open = async (onError: (error: unknown) => void): Promise<Pg.Client> => {
    const client = new pg.Client(config);
    // An idle connection that breaks reports here; without a listener the process would end.
    client.on('error', onError);
    try {
      await client.connect();
    } catch (error) {
      await client.end().catch(() => {});
      throw error;
    }
    return client;
  };

  return {
    lock(name, options = {}) {
      const report = options.onError ?? (() => {});
      let client: Pg.Client | undefined;
      let held = false;
      let broken = false;
      const drop = async () => {
        const closing = client;
        client = undefined;
        held = false;
        broken = false;
        await closing?.end().catch(() => {});
      };
      return {
        async acquire() {
          try {
            if (broken) await drop();
            if (!client) {
              client = await open((error) => {
                broken = true;
                held = false;
                report(error);
              });
            }
            if (held) {
              await client.query('select 1');
              return true;
            }
            const result = await client.query<{ locked: boolean }>(tryLock, [LOCK_CLASS, `:${name}`]);
            held = result.rows[0]?.locked === true;
            return held;
          } catch (error) {
            report(error);
            await drop();
            return false;
          }
        },
        get held() {
          return held && !broken;
        },
        async release() {
          if (client && held && !broken) await client.query(unlock, [LOCK_CLASS, `:${name}`]).catch(() => {});
          await drop();
        },
      };
    },
    async withLock(name, work) {
      // Its own connection, so the store's pool stays whole for the work itself and a lost connection frees the lock.
      const client = await open(() => {});
      try {
        const result = await client.query<{ locked: boolean }>(tryLock, [LOCK_CLASS, `:${name}`]);
        if (result.rows[0]?.locked !== true) return { ran: false };
        try {
          return { ran: true, value: await work() };
        } finally {
          await client.query(unlock, [LOCK_CLASS, `:${name}`]).catch(() => {});
        }
      } finally {
        await client.end().catch(() => {});
      }
    },
  };
}
