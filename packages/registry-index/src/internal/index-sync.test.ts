/**
 * Sync on a real store (SQLite; PostgreSQL too when RA_TEST_POSTGRES_URL is set) against a registry in memory that
 * notes every read: every tag is indexed before any image config is read, the configs still to be read are kept in
 * the store, and a run that could not read them leaves them to the next.
 */
import { parseManifest, RegistryError, type RegistrySource } from '@registry-admin/registry-client';
import type { Store } from '@registry-admin/store';
import { describe, expect, it } from 'vitest';
import { digestOf, imageManifest, OCI_MANIFEST } from '../../test/images';
import { storeTargets, withStore } from '../../test/store-targets';
import { CONFIG_PAGE, createIndexSync } from './index-sync';

/** Repositories of tagged images in memory; `configs` says how a config read goes ('ok', 'fail', 'missing'). */
function memoryRegistry() {
  const tags = new Map<string, Map<string, string>>();
  const manifests = new Map<string, Buffer>();
  const reads: string[] = [];
  const state = { configs: 'ok' as 'ok' | 'fail' | 'missing' };
  const find = (repository: string, reference: string) => {
    const digest = reference.startsWith('sha256:') ? reference : tags.get(repository)?.get(reference);
    return digest ? manifests.get(digest) : undefined;
  };
  const source: RegistrySource = {
    async *catalog() {
      yield* [...tags.keys()].sort();
    },
    async listTags(repository) {
      return [...(tags.get(repository)?.keys() ?? [])];
    },
    async headManifest() {
      throw new Error('the sync does not HEAD');
    },
    async getManifest(repository, reference) {
      reads.push(`manifest ${repository}:${reference}`);
      const raw = find(repository, reference);
      if (!raw) throw new RegistryError('ERR_REGISTRY_NOT_FOUND', `no manifest ${reference}`);
      return parseManifest(raw, digestOf(raw), OCI_MANIFEST, reference);
    },
    async manifestIfChanged(repository, reference, digest) {
      reads.push(`manifest ${repository}:${reference}`);
      const raw = find(repository, reference);
      if (!raw) return undefined;
      if (digestOf(raw) === digest) return 'unchanged';
      return parseManifest(raw, digestOf(raw), OCI_MANIFEST, reference);
    },
    async getImageConfig(repository, digest) {
      reads.push(`config ${repository}@${digest}`);
      if (state.configs === 'fail') throw new RegistryError('ERR_REGISTRY_UNAVAILABLE', 'registry unavailable');
      if (state.configs === 'missing') throw new RegistryError('ERR_REGISTRY_NOT_FOUND', `no blob ${digest}`);
      return { os: 'linux', architecture: 'arm64', variant: 'v8', created: `2030-01-01T00:00:0${digest.at(-1)}Z` };
    },
  };
  return {
    source,
    reads,
    state,
    /** Tags `repository:tag` with an image of its own. */
    push(repository: string, tag: string) {
      const config = digestOf(Buffer.from(`config ${repository}:${tag}`));
      const raw = imageManifest(config, config);
      manifests.set(digestOf(raw), raw);
      if (!tags.has(repository)) tags.set(repository, new Map());
      tags.get(repository)?.set(tag, digestOf(raw));
      return { digest: digestOf(raw), config };
    },
  };
}

describe.each(storeTargets('ra-sync'))('index sync on $name', (target) => {
  let store: Store;
  withStore(target, (opened) => {
    store = opened;
  });

  it('indexes every tag before it reads any config; configs it could not read are read by the next run', async () => {
    const registry = memoryRegistry();
    const pushed = [registry.push('two/a', 'v1'), registry.push('two/a', 'v2'), registry.push('two/b', 'v1')];
    const sync = createIndexSync(store, registry.source, { concurrency: 2 });
    const errors: string[] = [];

    // Run 1: every config read fails (the registry went away after the manifests, or the process was stopped).
    registry.state.configs = 'fail';
    const first = await createIndexSync(store, registry.source, {
      concurrency: 2,
      onError: (_error, where) => errors.push(where),
    }).run();
    expect(first).toMatchObject({ repositories: 2, tags: 3, fetched: 3, configsRead: 0 });
    expect(first.skipped.map((entry) => [entry.repository, entry.tag])).toEqual([
      ['two/a', ''],
      ['two/a', ''],
      ['two/b', ''],
    ]);
    expect(errors.sort()).toEqual(['two/a', 'two/a', 'two/b']);
    const lastManifestRead = registry.reads.findLastIndex((read) => read.startsWith('manifest'));
    const firstConfigRead = registry.reads.findIndex((read) => read.startsWith('config'));
    expect(firstConfigRead).toBeGreaterThan(lastManifestRead);
    expect(first.indexedMs).toBeLessThanOrEqual(first.durationMs);
    // Listed with their digests and sizes; platform and created time not known yet.
    const before = await store.index.getTag('two/a', 'v1');
    expect(before).toMatchObject({ digest: pushed[0]?.digest, size: 100, created: null, platforms: [] });
    expect((await store.index.pendingConfigs(10)).map((entry) => entry.config).sort()).toEqual(
      pushed.map((image) => image.config).sort(),
    );

    // Run 2: nothing new in the registry; the configs left over are read now.
    registry.state.configs = 'ok';
    registry.reads.length = 0;
    const second = await sync.run();
    expect(second).toMatchObject({ tags: 3, fetched: 0, configsRead: 3, skipped: [] });
    expect(registry.reads.filter((read) => read.startsWith('config'))).toHaveLength(3);
    const after = await store.index.getTag('two/a', 'v1');
    expect(after?.platforms).toEqual([{ os: 'linux', architecture: 'arm64', variant: 'v8' }]);
    expect(after?.created).toBe(`2030-01-01T00:00:0${pushed[0]?.config.at(-1)}Z`);
    expect(await store.index.pendingConfigs(10)).toEqual([]);

    // Run 3: nothing to read at all.
    registry.reads.length = 0;
    expect(await sync.run()).toMatchObject({ fetched: 0, configsRead: 0 });
    expect(registry.reads.filter((read) => read.startsWith('config'))).toEqual([]);
  });

  it('stops reading configs after a page of which none could be read; the next run reads them all', async () => {
    const registry = memoryRegistry();
    for (let i = 0; i <= CONFIG_PAGE; i++) registry.push('many/a', `v${i}`);
    registry.state.configs = 'fail';
    const sync = createIndexSync(store, registry.source);
    const first = await sync.run();
    expect(first).toMatchObject({ tags: CONFIG_PAGE + 1, configsRead: 0 });
    expect(registry.reads.filter((read) => read.startsWith('config'))).toHaveLength(CONFIG_PAGE);
    expect(first.skipped).toHaveLength(CONFIG_PAGE);
    registry.state.configs = 'ok';
    expect(await sync.run()).toMatchObject({ fetched: 0, configsRead: CONFIG_PAGE + 1, skipped: [] });
    await store.index.removeRepositories(['many/a']);
  });

  it('fills an image whose config the registry no longer has with nothing, once', async () => {
    const registry = memoryRegistry();
    registry.push('gone/a', 'v1');
    registry.state.configs = 'missing';
    const sync = createIndexSync(store, registry.source);
    expect(await sync.run()).toMatchObject({ tags: 1, configsRead: 1, skipped: [] });
    expect(await store.index.getTag('gone/a', 'v1')).toMatchObject({ created: null, platforms: [] });
    registry.reads.length = 0;
    expect(await sync.run()).toMatchObject({ configsRead: 0 });
    expect(registry.reads.filter((read) => read.startsWith('config'))).toEqual([]);
  });
});
