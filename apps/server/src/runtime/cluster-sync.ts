/**
 * One index sync at a time across every replica: a sync runs holding the store's `index-sync` lock. A second request
 * on the same replica joins the sync it runs; on another replica it fails at once with `SyncRunningElsewhere` (the
 * API answers 409 `ERR_SYNC_RUNNING`), since the sync running there makes the index equal to the registry already.
 * A replica that dies mid-sync frees the lock with its connection, and the next leader syncs again (runtime/leader.ts).
 */
import type { IndexSync, SyncReport } from '@registry-admin/registry-index';
import type { Store } from '@registry-admin/store';

export class SyncRunningElsewhere extends Error {
  readonly code = 'ERR_SYNC_RUNNING';
  constructor() {
    super('an index sync is running on another replica; it makes the index equal to the registry, try again later');
    this.name = 'SyncRunningElsewhere';
  }
}

export function clusterWideSync(
  sync: IndexSync,
  store: Pick<Store, 'locks'>,
  onStart?: () => void,
  onEnd?: () => void,
): IndexSync {
  let current: Promise<SyncReport> | undefined;
  return {
    run(onProgress) {
      current ??= store.locks
        .withLock('index-sync', () => {
          onStart?.();
          return sync.run(onProgress).finally(() => onEnd?.());
        })
        .then((outcome) => {
          if (!outcome.ran) throw new SyncRunningElsewhere();
          return outcome.value;
        })
        .finally(() => {
          current = undefined;
        });
      return current;
    },
    get running() {
      return current !== undefined;
    },
  };
}
