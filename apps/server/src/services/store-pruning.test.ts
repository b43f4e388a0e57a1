/** Pruning runs at start and on every tick of its timer, and stops when closed; the clock and timer are fake. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore, type Store } from '@registry-admin/store';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { EXPIRED_TOKEN_RETENTION_MS, type PruneReport, startStorePruning } from './store-pruning';

describe('store pruning', () => {
  let dir: string;
  let store: Store;
  let userId: number;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ra-prune-'));
    store = await openStore({ type: 'sqlite', path: join(dir, 'store.db') });
    userId = (await store.users.create({ login: 'pruned', passwordHash: 'x' })).id;
  });
  afterAll(async () => {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  const sessionIds = async () =>
    (await store.db.selectFrom('sessions').select('id').orderBy('id').execute()).map((row) => row.id);

  it('prunes once at start, then on each interval, and never after close', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    const t0 = Date.parse('2030-06-01T00:00:00Z');
    let clock = t0;
    const session = (id: string, expiresInMs: number) =>
      store.sessions.create({ id, userId, createdAt: new Date(clock), expiresAt: new Date(clock + expiresInMs) });
    await session('ended-before-start', -1);
    await session('ends-soon', 30_000);
    await session('long-lived', 3600_000);
    await store.passwordResets.create({
      userId,
      tokenHash: 'old-link',
      expiresAt: new Date(t0 - 1),
      now: new Date(t0),
    });
    const token = (name: string, expiresAt: number) =>
      store.tokens.create({
        kind: 'pat',
        userId,
        name,
        tokenHash: name,
        prefix: 'ra_x',
        expiresAt: new Date(expiresAt),
      });
    await token('expired-over-a-week', t0 - EXPIRED_TOKEN_RETENTION_MS - 1);
    await token('expired-this-week', t0 - 1);

    const reports: PruneReport[] = [];
    let notify: (() => void) | undefined;
    const nextReport = () => new Promise<void>((resolve) => (notify = resolve));
    const started = nextReport();
    const pruning = startStorePruning(store, {
      intervalMs: 60_000,
      sessionIdleSeconds: 7200,
      now: () => clock,
      onPruned: (report) => {
        reports.push(report);
        notify?.();
      },
    });
    await started;
    expect(reports).toEqual([{ sessions: 1, loginFailures: 0, passwordResets: 1, tokens: 1 }]);
    expect(await sessionIds()).toEqual(['ends-soon', 'long-lived']);
    const tokenNames = async () => (await store.tokens.list({ filter: { userId } })).items.map((entry) => entry.name);
    expect(await tokenNames()).toEqual(['expired-this-week']);

    clock += 60_000;
    const ticked = nextReport();
    vi.advanceTimersByTime(60_000);
    await ticked;
    expect(reports).toHaveLength(2);
    expect(reports[1]?.sessions).toBe(1);
    expect(await sessionIds()).toEqual(['long-lived']);

    // A pass calls deleteExpired synchronously when it starts, so counting calls right after the ticks shows none began.
    const passes = vi.spyOn(store.sessions, 'deleteExpired');
    await pruning.close();
    clock += 7200_000;
    vi.advanceTimersByTime(10 * 60_000);
    expect(passes).not.toHaveBeenCalled();
    passes.mockRestore();
    expect(reports).toHaveLength(2);
    expect(await sessionIds()).toEqual(['long-lived']);
  });

  it('reports a failing pass and keeps its timer', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    const errors: unknown[] = [];
    let notify: (() => void) | undefined;
    const nextError = () => new Promise<void>((resolve) => (notify = resolve));
    const failing = {
      ...store,
      sessions: { ...store.sessions, deleteExpired: () => Promise.reject(new Error('down')) },
    };
    const first = nextError();
    const pruning = startStorePruning(failing as Store, {
      intervalMs: 1000,
      sessionIdleSeconds: 60,
      onError: (error) => {
        errors.push(error);
        notify?.();
      },
    });
    await first;
    const second = nextError();
    vi.advanceTimersByTime(1000);
    await second;
    expect(errors.map((error) => (error as Error).message)).toEqual(['down', 'down']);
    await pruning.close();
  });
});
