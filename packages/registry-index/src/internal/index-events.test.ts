/**
 * Event application on a real store (SQLite; PostgreSQL too when RA_TEST_POSTGRES_URL is set) and an in-memory
 * registry that notes every read: an event and its index change commit together or not at all, the registry is read
 * before the transaction opens, redeliveries change nothing and read nothing.
 */
import { parseManifest } from '@registry-admin/registry-client';
import type { NewRegistryEvent, Store } from '@registry-admin/store';
import { describe, expect, it } from 'vitest';
import { digestOf, imageManifest, OCI_MANIFEST } from '../../test/images';
import { storeTargets, withStore } from '../../test/store-targets';
import type { RegistryIndexError } from './errors';
import { createIndexEvents, type IndexEventsStore } from './index-events';
import type { ManifestReader } from './manifest-description';

/** A registry in memory; `inTransaction` tells it whether a store transaction is open, to catch reads inside one. */
function memoryRegistry(inTransaction: () => boolean) {
  const manifests = new Map<string, Buffer>();
  const reads: string[] = [];
  const readsInTransaction: string[] = [];
  let failing = false;
  const note = (read: string) => {
    reads.push(read);
    if (inTransaction()) readsInTransaction.push(read);
    if (failing) throw new Error('registry unavailable');
  };
  const source: ManifestReader = {
    async getManifest(_repository, reference) {
      note(`manifest ${reference}`);
      const raw = manifests.get(reference);
      if (!raw) throw new Error(`no manifest ${reference}`);
      return parseManifest(raw, reference, undefined, reference);
    },
    async getImageConfig(_repository, digest) {
      note(`config ${digest}`);
      return { os: 'linux', architecture: 'amd64', created: '2030-01-01T00:00:00Z' };
    },
  };
  const image = (name: string) => {
    const raw = imageManifest(digestOf(Buffer.from(`config-${name}`)), digestOf(Buffer.from(name)));
    manifests.set(digestOf(raw), raw);
    return digestOf(raw);
  };
  return {
    source,
    reads,
    readsInTransaction,
    image,
    setFailing(value: boolean) {
      failing = value;
    },
  };
}

const event = (id: string, action: string, fields: Partial<NewRegistryEvent> = {}): NewRegistryEvent => ({
  id,
  timestamp: '2030-04-01T00:00:00.000Z',
  action,
  repository: 'team/app',
  tag: 'v1',
  digest: null,
  mediaType: OCI_MANIFEST,
  size: 100,
  actor: 'alice',
  address: null,
  userAgent: null,
  ...fields,
});

describe.each(storeTargets('ra-index'))('index events on $name', (target) => {
  let store: Store;
  let open = 0;
  /** The store as the library sees it, noting open transactions; `failNext` makes the next index change throw. */
  let failNext: string | undefined;
  const watched = (): IndexEventsStore => ({
    registryEvents: store.registryEvents,
    index: store.index,
    transaction: (work) =>
      store.transaction(async (tx) => {
        open++;
        try {
          const reason = failNext;
          failNext = undefined;
          if (reason === undefined) return await work(tx);
          // The event is recorded through `tx`; then the index change fails.
          const failing = async () => {
            throw new Error(reason);
          };
          return await work({ ...tx, index: { ...tx.index, applyTags: failing, removeDigest: failing } });
        } finally {
          open--;
        }
      }),
  });

  withStore(target, (opened) => {
    store = opened;
  });

  it('indexes a push and records it; a redelivery changes nothing and reads nothing', async () => {
    const registry = memoryRegistry(() => open > 0);
    const digest = registry.image('push');
    const events = createIndexEvents(watched(), { client: registry.source, pullFlushMs: 0 });
    const push = event('push-1', 'push', { repository: 'ev/push', digest });
    expect(await events.record([push])).toEqual({ recorded: ['push-1'], failed: [] });
    expect((await store.index.getTag('ev/push', 'v1'))?.digest).toBe(digest);
    expect((await store.registryEvents.list({ filter: { repository: 'ev/push' } })).total).toBe(1);
    expect(registry.reads.length).toBeGreaterThan(0);
    expect(registry.readsInTransaction).toEqual([]);

    const readsBefore = registry.reads.length;
    expect(await events.record([push])).toEqual({ recorded: [], failed: [] });
    expect(registry.reads.length).toBe(readsBefore);
    await events.close();
  });

  it('a failure in the index change after the event was recorded leaves neither; a redelivery applies both', async () => {
    const registry = memoryRegistry(() => open > 0);
    const digest = registry.image('atomic');
    const errors: RegistryIndexError[] = [];
    const events = createIndexEvents(watched(), {
      client: registry.source,
      pullFlushMs: 0,
      onError: (error) => errors.push(error),
    });
    const push = event('atomic-1', 'push', { repository: 'ev/atomic', digest });

    failNext = 'index write failed';
    expect(await events.record([push])).toEqual({ recorded: [], failed: ['atomic-1'] });
    expect(errors.map((error) => error.code)).toEqual(['ERR_INDEX_STORE_WRITE']);
    expect(errors[0]?.cause).toMatchObject({ message: 'index write failed' });
    expect((await store.registryEvents.known(['atomic-1'])).size).toBe(0);
    expect(await store.index.getRepository({ name: 'ev/atomic' })).toBeUndefined();
    expect(await store.index.getTag('ev/atomic', 'v1')).toBeUndefined();

    expect(await events.record([push])).toEqual({ recorded: ['atomic-1'], failed: [] });
    expect((await store.registryEvents.known(['atomic-1'])).size).toBe(1);
    expect((await store.index.getTag('ev/atomic', 'v1'))?.digest).toBe(digest);
    expect(registry.readsInTransaction).toEqual([]);
    await events.close();
  });

  it('a delete whose index change fails is not recorded either, and the tag stays', async () => {
    const registry = memoryRegistry(() => open > 0);
    const digest = registry.image('delete');
    const events = createIndexEvents(watched(), { client: registry.source, pullFlushMs: 0 });
    await events.record([event('del-push', 'push', { repository: 'ev/delete', digest })]);
    const remove = event('del-1', 'delete', { repository: 'ev/delete', digest, tag: null });
    failNext = 'untag failed';
    expect((await events.record([remove])).failed).toEqual(['del-1']);
    expect((await store.index.getTag('ev/delete', 'v1'))?.digest).toBe(digest);
    expect((await store.registryEvents.known(['del-1'])).size).toBe(0);
    expect((await events.record([remove])).recorded).toEqual(['del-1']);
    expect(await store.index.getTag('ev/delete', 'v1')).toBeUndefined();
    await events.close();
  });

  it('records a push the registry cannot serve (sync indexes it later) and says so', async () => {
    const registry = memoryRegistry(() => open > 0);
    const digest = registry.image('unread');
    const errors: RegistryIndexError[] = [];
    const events = createIndexEvents(watched(), { client: registry.source, pullFlushMs: 0 });
    registry.setFailing(true);
    const outcome = await events.record([event('unread-1', 'push', { repository: 'ev/unread', digest })], {
      onError: (error) => errors.push(error),
    });
    expect(outcome).toEqual({ recorded: ['unread-1'], failed: [] });
    expect(errors.map((error) => error.code)).toEqual(['ERR_INDEX_REGISTRY_READ']);
    expect(await store.index.getTag('ev/unread', 'v1')).toBeUndefined();
    await events.close();
  });

  it('counts pulls of recorded events only, written on flush', async () => {
    const registry = memoryRegistry(() => open > 0);
    const digest = registry.image('pulled');
    const events = createIndexEvents(watched(), { client: registry.source, pullFlushMs: 0 });
    await events.record([event('pull-push', 'push', { repository: 'ev/pulled', digest })]);
    const pulls = [1, 2, 3].map((n) => event(`pull-${n}`, 'pull', { repository: 'ev/pulled', digest }));
    expect((await events.record([...pulls, pulls[0] as NewRegistryEvent])).recorded).toHaveLength(3);
    expect((await events.record(pulls)).recorded).toEqual([]);
    await events.flush();
    expect((await store.index.getTag('ev/pulled', 'v1'))?.pullCount).toBe(3);
    expect((await store.index.getRepository({ name: 'ev/pulled' }))?.pulls).toBe(3);
    await events.close();
  });

  it('without a registry client records pushes and leaves the index to sync', async () => {
    const events = createIndexEvents(watched(), { pullFlushMs: 0 });
    const push = event('noclient-1', 'push', { repository: 'ev/noclient', digest: `sha256:${'a'.repeat(64)}` });
    expect((await events.record([push])).recorded).toEqual(['noclient-1']);
    expect(await store.index.getRepository({ name: 'ev/noclient' })).toBeUndefined();
    await events.close();
  });
});
