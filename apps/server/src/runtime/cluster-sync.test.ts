/** The cluster-wide sync tells when a sync of this process starts and ends, and only for syncs it ran. */
import type { IndexSync, SyncReport } from '@registry-admin/registry-index';
import type { Store } from '@registry-admin/store';
import { describe, expect, it } from 'vitest';
import { clusterWideSync, SyncRunningElsewhere } from './cluster-sync';

const REPORT = { repositories: 1 } as SyncReport;

function fakeSync(outcome: () => Promise<SyncReport>): IndexSync & { runs: number } {
  const sync = {
    runs: 0,
    running: false,
    run() {
      sync.runs++;
      return outcome();
    },
  };
  return sync;
}

/** Locks of one process: free unless `held`. */
const locks = (held = false) =>
  ({
    locks: {
      async withLock<T>(_name: string, work: () => Promise<T>) {
        return held ? { ran: false as const } : { ran: true as const, value: await work() };
      },
    },
  }) as unknown as Pick<Store, 'locks'>;

describe('clusterWideSync', () => {
  it('says when a sync starts and when it ends, once for callers that joined it, and after a failure too', async () => {
    const said: string[] = [];
    let finish: (report: SyncReport) => void = () => {};
    const inner = fakeSync(() => new Promise((resolve) => (finish = resolve)));
    const sync = clusterWideSync(
      inner,
      locks(),
      () => said.push('start'),
      () => said.push('end'),
    );
    const first = sync.run();
    const joined = sync.run();
    await new Promise((resolve) => setImmediate(resolve));
    expect(said).toEqual(['start']);
    finish(REPORT);
    expect(await first).toBe(REPORT);
    expect(await joined).toBe(REPORT);
    expect(said).toEqual(['start', 'end']);
    expect(inner.runs).toBe(1);

    const failing = clusterWideSync(
      fakeSync(() => Promise.reject(new Error('registry down'))),
      locks(),
      () => said.push('start'),
      () => said.push('end'),
    );
    await expect(failing.run()).rejects.toThrow('registry down');
    expect(said).toEqual(['start', 'end', 'start', 'end']);
  });

  it('says nothing for a sync another replica runs', async () => {
    const said: string[] = [];
    const inner = fakeSync(async () => REPORT);
    const sync = clusterWideSync(
      inner,
      locks(true),
      () => said.push('start'),
      () => said.push('end'),
    );
    await expect(sync.run()).rejects.toBeInstanceOf(SyncRunningElsewhere);
    expect(said).toEqual([]);
    expect(inner.runs).toBe(0);
  });
});
