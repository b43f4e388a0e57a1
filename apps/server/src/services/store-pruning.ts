/**
 * Removes what can no longer be used from the store — sessions past their lifetime or idle period, login-failure
 * counters whose window and lock have passed, expired password-reset links, personal access and refresh tokens a week
 * after they expired (listed with their expiry until then, and counted against their user's limit) — once at start
 * and then periodically, so these tables stay as small as their live contents. The leader of the replicas prunes
 * (runtime/leader.ts); the deletes are idempotent all the same.
 */
import type { Store } from '@registry-admin/store';

export interface PruneReport {
  sessions: number;
  loginFailures: number;
  passwordResets: number;
  tokens: number;
}

export interface StorePruningOptions {
  /** Time between passes. */
  intervalMs: number;
  /** The session idle period (`--auth.session-idle`): a session unused this long no longer resolves. */
  sessionIdleSeconds: number;
  now?: () => number;
  onPruned?: (report: PruneReport) => void;
  onError?: (error: unknown) => void;
}

export interface StorePruning {
  /** One pass now; a pass already running is joined rather than doubled. */
  run(): Promise<PruneReport>;
  /** Stops the timer and waits for a running pass, so the store can close after it. */
  close(): Promise<void>;
}

/** A pass every ten minutes keeps the tables small without making work for an idle server. */
export const PRUNE_INTERVAL_MS = 10 * 60_000;
/**
 * Login-failure counters are kept at least this long after their window opened. It only has to be no shorter than
 * the throttle's window (15 minutes); an hour, the longest lockout, leaves room should the window grow.
 */
const LOGIN_FAILURE_RETENTION_MS = 3600_000;
/** An expired token stays listed this long (its user sees that it expired, and which), then it is deleted. */
export const EXPIRED_TOKEN_RETENTION_MS = 7 * 24 * 3600_000;

/** Pruning without a timer of its own: `run()` when it is due (the leader's duty, see runtime/leader.ts). */
export function createStorePruning(store: Store, options: Omit<StorePruningOptions, 'intervalMs'>): StorePruning {
  const now = options.now ?? Date.now;
  let running: Promise<PruneReport> | undefined;

  const pass = async (): Promise<PruneReport> => {
    const at = new Date(now());
    const sessions = await store.sessions.deleteExpired(at, options.sessionIdleSeconds * 1000);
    const loginFailures = await store.loginFailures.prune(at, LOGIN_FAILURE_RETENTION_MS);
    const passwordResets = await store.passwordResets.deleteExpired(at);
    const tokens = await store.tokens.deleteExpired(new Date(at.getTime() - EXPIRED_TOKEN_RETENTION_MS));
    return { sessions, loginFailures, passwordResets, tokens };
  };
  const run = () => {
    running ??= pass()
      .then((report) => {
        options.onPruned?.(report);
        return report;
      })
      .finally(() => {
        running = undefined;
      });
    return running;
  };
  return {
    run,
    async close() {
      await running?.catch(() => {});
    },
  };
}

/** Pruning once now and then every `intervalMs`, in this process alone. */
export function startStorePruning(store: Store, options: StorePruningOptions): StorePruning {
  const pruning = createStorePruning(store, options);
  let closed = false;
  const runInBackground = () => {
    if (closed) return;
    pruning.run().catch((error: unknown) => options.onError?.(error));
  };

  runInBackground();
  const timer = setInterval(runInBackground, options.intervalMs);
  // Pruning alone must not keep the process alive.
  timer.unref();
  return {
    run: pruning.run,
    async close() {
      closed = true;
      clearInterval(timer);
      await pruning.close();
    },
  };
}
