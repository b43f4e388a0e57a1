/**
 * Applies registry notifications to the index as they arrive: a push by tag indexes the manifest (fetched once per
 * digest), a manifest delete untags every tag that pointed at it, pulls are counted in memory and written in
 * batches. Only events seen for the first time get here (the activity log dedups by event id), so a re-delivered
 * envelope changes nothing. Whatever is missed (a crash, a lost delivery) is repaired by the next sync.
 * Events are applied in the order of the envelope before it is answered; what one push may cost is bounded by
 * `describeManifest` (an index of any size: at most 64 children read, 4 at a time), so one pushed index holds the
 * registry's notification request, and the events queued behind it, for a bounded number of registry reads.
 */
import { MEDIA_TYPES, type RegistryClient } from '@registry-admin/registry-client';
import type { NewRegistryEvent, Store } from '@registry-admin/store';
import { describeManifest } from './manifest-description';

const MANIFEST_TYPES = new Set<string>([
  MEDIA_TYPES.ociManifest,
  MEDIA_TYPES.ociIndex,
  MEDIA_TYPES.dockerManifest,
  MEDIA_TYPES.dockerManifestList,
]);
const PULL_FLUSH_MS = 2000;

export interface IndexEvents {
  apply(events: readonly NewRegistryEvent[]): Promise<void>;
  flush(): Promise<void>;
  close(): Promise<void>;
}

export function createIndexEvents(
  store: Store,
  client: RegistryClient | undefined,
  onError: (error: unknown, event: NewRegistryEvent) => void = () => {},
): IndexEvents {
  const pulls = new Map<string, { repository: string; tag: string | null; count: number; at: string }>();
  const flush = async () => {
    if (pulls.size === 0) return;
    const batch = [...pulls.values()];
    pulls.clear();
    await store.index.addPulls(batch);
  };
  const timer = setInterval(() => {
    flush().catch(() => {});
  }, PULL_FLUSH_MS);
  timer.unref();

  async function applyOne(event: NewRegistryEvent): Promise<void> {
    const isManifest = event.mediaType !== null && MANIFEST_TYPES.has(event.mediaType);
    if (event.action === 'push' && event.tag && event.digest && client && (isManifest || event.mediaType === null)) {
      const id = await store.index.ensureRepository(event.repository);
      // A digest the index already has is not fetched again; the manifest and the tag are written together.
      const manifests = (await store.index.hasManifest(id, event.digest))
        ? []
        : [await describeManifest(client, event.repository, await client.getManifest(event.repository, event.digest))];
      await store.index.applyTags(
        id,
        [{ name: event.tag, digest: event.digest, pushedAt: event.timestamp }],
        [],
        undefined,
        manifests,
      );
    } else if (event.action === 'delete' && event.digest) {
      const repository = await store.index.getRepository({ name: event.repository });
      if (repository) await store.index.removeDigest(repository.id, event.digest);
    } else if (event.action === 'pull' && (isManifest || event.tag)) {
      const key = `${event.repository}\0${event.tag ?? ''}`;
      const entry = pulls.get(key);
      if (entry) {
        entry.count++;
        if (event.timestamp > entry.at) entry.at = event.timestamp;
      } else {
        pulls.set(key, { repository: event.repository, tag: event.tag, count: 1, at: event.timestamp });
      }
    }
  }

  return {
    async apply(events) {
      for (const event of events) {
        try {
          await applyOne(event);
        } catch (error) {
          onError(error, event);
        }
      }
    },
    flush,
    async close() {
      clearInterval(timer);
      await flush();
    },
  };
}
