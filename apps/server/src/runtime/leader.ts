/**
 * Which replica does the periodic work (index sync, store pruning). Replicas on one PostgreSQL database compete for
 * the store's `leader` lock; the holder runs each duty at once and then on its interval, the others only ask for the
 * lock again every second. A leader killed outright loses the lock with its connection, so another replica leads
 * within about a second; one that stops answering loses it once the database declares its connection dead
 * (`DEAD_CONNECTION_SECONDS`). A leader that loses its own connection stops its duties at once. On SQLite the one
 * process always leads.
 */
import { type ClusterLock, DEAD_CONNECTION_SECONDS, type Store } from '@registry-admin/store';

/** Work that one replica of the cluster does periodically. */
export interface Duty {
  name: string;
  intervalMs: number;
  run(): Promise<void>;
}

export interface Leadership {
  readonly leading: boolean;
  /** Runs `duty` now and on its interval whenever this replica leads (now too, if it leads already). */
  addDuty(duty: Duty): void;
  /** Stops asking for the lock, stops the duties and gives the lock up (waiting for a duty that is running). */
  close(): Promise<void>;
}

export interface LeadershipOptions {
  /** How often a follower asks for the lock and a leader checks it still holds it. */
  pollMs?: number;
  onChange?: (leading: boolean) => void;
  onError?: (error: unknown, where: string) => void;
}

/** A follower asks for the lock this often; a killed leader is replaced within about this long. */
export const LEADER_POLL_MS = 1000;

/** The longest a replica waits before it leads after the leader died (killed) or stopped answering (cut off). */
export const FAILOVER_BOUNDS = {
  killedSeconds: Math.ceil((2 * LEADER_POLL_MS) / 1000),
  unreachableSeconds: DEAD_CONNECTION_SECONDS + Math.ceil((2 * LEADER_POLL_MS) / 1000),
};

export function startLeadership(store: Store, options: LeadershipOptions = {}): Leadership {
  const pollMs = options.pollMs ?? LEADER_POLL_MS;
  const report = options.onError ?? (() => {});
  const lock: ClusterLock = store.locks.lock('leader', { onError: (error) => report(error, 'leader lock') });
  const duties: Array<{ duty: Duty; timer?: NodeJS.Timeout; running?: Promise<void> }> = [];
  let leading = false;
  let closed = false;

  const perform = (entry: (typeof duties)[number]) => {
    if (!leading || closed || entry.running) return;
    entry.running = entry.duty
      .run()
      .catch((error: unknown) => report(error, entry.duty.name))
      .finally(() => {
        entry.running = undefined;
      });
  };
  const begin = (entry: (typeof duties)[number]) => {
    perform(entry);
    entry.timer = setInterval(() => perform(entry), entry.duty.intervalMs);
    entry.timer.unref();
  };
  const end = (entry: (typeof duties)[number]) => {
    clearInterval(entry.timer);
    entry.timer = undefined;
  };

  let checking: Promise<void> | undefined;
  const check = async () => {
    const now = await lock.acquire();
    if (closed || now === leading) return;
    leading = now;
    options.onChange?.(leading);
    for (const entry of duties) (leading ? begin : end)(entry);
  };
  const tick = () => {
    checking ??= check().finally(() => {
      checking = undefined;
    });
  };
  tick();
  const timer = setInterval(tick, pollMs);
  timer.unref();

  return {
    get leading() {
      return leading;
    },
    addDuty(duty) {
      const entry = { duty };
      duties.push(entry);
      if (leading) begin(entry);
    },
    async close() {
      closed = true;
      clearInterval(timer);
      await checking;
      for (const entry of duties) end(entry);
      await Promise.all(duties.map((entry) => entry.running));
      leading = false;
      await lock.release();
    },
  };
}
