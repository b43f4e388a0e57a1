/**
 * Applies registry notifications to the index as they arrive: a push by tag indexes the manifest (fetched once per
 * digest), a manifest delete untags every tag that pointed at it, pulls are counted in memory and written in
 * batches. Each event is recorded in the activity log and its index change made in ONE transaction, so a crash or a
 * failed write leaves neither, and the registry's redelivery (or a second `record`) applies it; an event recorded
 * before is skipped (the log dedups by event id), so a redelivered envelope changes nothing. The registry is read
 * BEFORE that transaction opens — no SQLite write lock or PostgreSQL transaction waits on HTTP. Whatever is missed
 * otherwise (a manifest the registry could not serve) is repaired by the next sync.
 * Events are applied in the order of the envelope; what one push may cost is bounded by `describeManifest` (an index
 * of any size: at most 64 children read, 4 at a time), so one pushed index holds the registry's notification
 * request, and the events queued behind it, for a bounded number of registry reads.
 */
import { MEDIA_TYPES } from '@registry-admin/registry-client';
import type { IndexedManifest, NewRegistryEvent, Store, StoreTransaction } from '@registry-admin/store';
import { messageOf, RegistryIndexError } from './errors';
import { describeManifest, type ManifestReader } from './manifest-description';

const MANIFEST_TYPES = new Set<string>([
  MEDIA_TYPES.ociManifest,
  MEDIA_TYPES.ociIndex,
  MEDIA_TYPES.dockerManifest,
  MEDIA_TYPES.dockerManifestList,
]);

/** What event application needs of the store. */
export type IndexEventsStore = Pick<Store, 'transaction' | 'registryEvents' | 'index'>;

export interface IndexEventsOptions {
  /** Reads pushed manifests; without one, pushes are recorded and left for sync to index. */
  client?: ManifestReader | undefined;
  /** Told of each event that could not be applied fully (the error's `code` says how far it got). */
  onError?: (error: RegistryIndexError, event: NewRegistryEvent) => void;
  /** How often pulls counted in memory are written (default 2000 ms); 0: only on `flush()` and `close()`. */
  pullFlushMs?: number;
}

export interface RecordOutcome {
  /** Ids recorded now, each with its index change. */
  recorded: string[];
  /** Ids neither recorded nor applied because the store failed (ERR_INDEX_STORE_WRITE); a redelivery applies them. */
  failed: string[];
}

export interface IndexEvents {
  /**
   * Records the events not seen before and applies each to the index, one transaction per event, in order.
   * `onError` (this call's, else the one given at creation) hears of each event not applied fully.
   */
  record(
    events: readonly NewRegistryEvent[],
    options?: { onError?: (error: RegistryIndexError, event: NewRegistryEvent) => void },
  ): Promise<RecordOutcome>;
  /** Writes the pulls counted so far. */
  flush(): Promise<void>;
  /** Stops the pull timer and writes what is left. */
  close(): Promise<void>;
}

/**
 * @example
 * const events = createIndexEvents(store, { client, onError: (error, event) => log.warn({ err: error, id: event.id }) });
 * const { recorded, failed } = await events.record(readNotificationEvents(envelope.events).events);
 */
export function createIndexEvents(store: IndexEventsStore, options: IndexEventsOptions = {}): IndexEvents {
  const client = options.client;
  const pulls = new Map<string, { repository: string; tag: string | null; count: number; at: string }>();
  const flush = async () => {
    if (pulls.size === 0) return;
    const batch = [...pulls.values()];
    pulls.clear();
    await store.index.addPulls(batch);
  };
  const flushMs = options.pullFlushMs ?? 2000;
  const timer =
    flushMs > 0
      ? setInterval(() => {
          flush().catch(() => {});
        }, flushMs)
      : undefined;
  timer?.unref();

  const isManifest = (event: NewRegistryEvent) => event.mediaType !== null && MANIFEST_TYPES.has(event.mediaType);
  /** A push by tag of a manifest (or of something the registry did not type), with a client to read it. */
  const indexesPush = (event: NewRegistryEvent) =>
    event.action === 'push' &&
    Boolean(event.tag && event.digest) &&
    client !== undefined &&
    (isManifest(event) || event.mediaType === null);

  /** The pushed manifest described, or undefined when the index has that digest already (it is not read again). */
  async function readPushed(event: NewRegistryEvent): Promise<IndexedManifest | undefined> {
    const digest = event.digest as string;
    const repository = await store.index.getRepository({ name: event.repository });
    if (repository && (await store.index.hasManifest(repository.id, digest))) return undefined;
    const source = client as NonNullable<typeof client>;
    return describeManifest(source, event.repository, await source.getManifest(event.repository, digest));
  }

  /** The event's index change, inside its transaction. */
  async function applyIn(tx: StoreTransaction, event: NewRegistryEvent, manifest: IndexedManifest | undefined) {
    if (indexesPush(event)) {
      const digest = event.digest as string;
      const id = await tx.index.ensureRepository(event.repository);
      // Without a description (the registry could not be read), the tag is set only if the index has the manifest.
      if (!manifest && !(await tx.index.hasManifest(id, digest))) return;
      await tx.index.applyTags(
        id,
        [{ name: event.tag as string, digest, pushedAt: event.timestamp }],
        [],
        undefined,
        manifest ? [manifest] : [],
      );
    } else if (event.action === 'delete' && event.digest) {
      const repository = await tx.index.getRepository({ name: event.repository });
      if (repository) await tx.index.removeDigest(repository.id, event.digest);
    }
  }

  /** Pulls are counted after their event commits, and written in batches (a crash loses at most one batch). */
  function countPull(event: NewRegistryEvent) {
    if (event.action !== 'pull' || !(isManifest(event) || event.tag)) return;
    const key = `${event.repository}\0${event.tag ?? ''}`;
    const entry = pulls.get(key);
    if (entry) {
      entry.count++;
      if (event.timestamp > entry.at) entry.at = event.timestamp;
    } else {
      pulls.set(key, { repository: event.repository, tag: event.tag, count: 1, at: event.timestamp });
    }
  }

  return {
    async record(events, call = {}) {
      const onError = call.onError ?? options.onError ?? (() => {});
      const outcome: RecordOutcome = { recorded: [], failed: [] };
      if (events.length === 0) return outcome;
      const known = await store.registryEvents.known(events.map((event) => event.id));
      for (const event of events) {
        if (known.has(event.id)) continue;
        let manifest: IndexedManifest | undefined;
        if (indexesPush(event)) {
          try {
            manifest = await readPushed(event);
          } catch (error) {
            // Recorded all the same (the activity log shows the push); the next sync indexes it.
            onError(
              new RegistryIndexError(
                'ERR_INDEX_REGISTRY_READ',
                `${event.repository}@${event.digest}: ${messageOf(error)}`,
                { cause: error },
              ),
              event,
            );
          }
        }
        try {
          const fresh = await store.transaction(async (tx) => {
            const [id] = await tx.registryEvents.record([event]);
            if (id === undefined) return false; // recorded meanwhile (the same id twice in one envelope)
            await applyIn(tx, event, manifest);
            return true;
          });
          if (!fresh) continue;
          known.add(event.id);
          outcome.recorded.push(event.id);
          countPull(event);
        } catch (error) {
          outcome.failed.push(event.id);
          onError(
            new RegistryIndexError('ERR_INDEX_STORE_WRITE', `event ${event.id}: ${messageOf(error)}`, { cause: error }),
            event,
          );
        }
      }
      return outcome;
    },
    flush,
    async close() {
      if (timer) clearInterval(timer);
      await flush();
    },
  };
}
