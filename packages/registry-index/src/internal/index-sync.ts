/**
 * Keeps the index equal to the registry: a full walk of the catalog at start, then every --registry.gc-interval and
 * on demand. Incremental: one conditional GET per known tag (answered 304 while the tag is unchanged), and only
 * digests the index does not know are described. What the registry no longer has is removed; access rules are never
 * touched. One run at a time; a bad manifest is logged and skipped, it does not abort the run.
 *
 * Two steps: every tag is indexed from its manifest first (listed, searchable, sized, authorized), then the image
 * configs are read for the platform and created time. A config read costs the registry about three manifest reads, so
 * the index is complete in name and digest in a third of the time; the configs still to be read are kept in the store,
 * so a run cut short leaves them to the next.
 */
import { RegistryError, type RegistrySource } from '@registry-admin/registry-client';
import type { FilledConfig, IndexedManifest, PendingConfig, Store, TagChange } from '@registry-admin/store';
import { mapBounded } from './bounded-concurrency';
import { messageOf, RegistryIndexError } from './errors';
import { configDetails, describeManifest } from './manifest-description';

export interface SyncReport {
  repositories: number;
  tags: number;
  /** Manifests fetched because their digest was new to the index. */
  fetched: number;
  removedRepositories: number;
  removedTags: number;
  /** Image configs read for the platform and created time (after every tag was indexed). */
  configsRead: number;
  /** A config that could not be read is named with an empty `tag`; it is read again by the next run. */
  skipped: Array<{ repository: string; tag: string; reason: string }>;
  /** From the start until every tag was indexed (name, digest, size), before the configs were read. */
  indexedMs: number;
  durationMs: number;
}

export interface SyncProgress {
  repositoriesDone: number;
  repositoriesTotal: number;
  /** Image configs read so far, once every repository is done. */
  configsRead?: number;
}

/** Pending configs taken from the store at once while they are read. */
export const CONFIG_PAGE = 200;

export interface IndexSync {
  /** Runs a sync, or joins the one already running. */
  run(onProgress?: (progress: SyncProgress) => void): Promise<SyncReport>;
  readonly running: boolean;
}

export interface IndexSyncOptions {
  /** Registry reads (and repositories) in flight at once; default 8. */
  concurrency?: number;
  /** Told of each tag or repository skipped (`where` is `repository:tag` or `repository`); the run goes on. */
  onError?: (error: unknown, where: string) => void;
  /** The clock of `syncedAt` and `durationMs`; default the system's. */
  now?: () => Date;
}

/**
 * Sync over the registry's HTTP API (a `RegistryClient`) or its storage (`createStorageReader`).
 *
 * @example
 * const sync = createIndexSync(store, client, { concurrency: 8, onError: (error, where) => log.warn({ where }) });
 * const report = await sync.run(); // { repositories, tags, fetched, removedRepositories, removedTags, skipped, durationMs }
 */
export function createIndexSync(
  store: Pick<Store, 'index'>,
  client: RegistrySource,
  options: IndexSyncOptions = {},
): IndexSync {
  let current: Promise<SyncReport> | undefined;
  const concurrency = options.concurrency ?? 8;
  if (!Number.isSafeInteger(concurrency) || concurrency < 1) {
    throw new RegistryIndexError('ERR_INDEX_INVALID_OPTION', 'concurrency must be a whole number of at least 1');
  }
  const now = options.now ?? (() => new Date());

  /** What changed in one repository (undefined: nothing), to be written with others in one transaction. */
  async function syncRepository(
    repository: string,
    id: number,
    isNew: boolean,
    report: SyncReport,
    syncedAt: Date,
  ): Promise<(TagChange & { repositoryId: number }) | undefined> {
    let tags: string[];
    try {
      tags = await client.listTags(repository);
    } catch (error) {
      if (error instanceof RegistryError && error.code === 'ERR_REGISTRY_NOT_FOUND') tags = [];
      else throw error;
    }
    const [known, stored] = isNew
      ? [new Map<string, string>(), new Set<string>()]
      : await Promise.all([store.index.tagDigests(id), store.index.manifestDigests(id)]);
    const set: Array<{ name: string; digest: string }> = [];
    const manifests = new Map<string, IndexedManifest>();
    const present = new Set<string>();
    await mapBounded(tags, concurrency, async (tag) => {
      try {
        // One GET per tag; for a tag the index knows, conditional: 304 while it still points where the index says.
        const indexed = known.get(tag);
        const fetched = await client.manifestIfChanged(repository, tag, indexed);
        if (fetched === undefined) return;
        present.add(tag);
        if (fetched === 'unchanged' || fetched.digest === indexed) return;
        if (!stored.has(fetched.digest) && !manifests.has(fetched.digest)) {
          manifests.set(fetched.digest, await describeManifest(client, repository, fetched, { deferConfig: true }));
          report.fetched++;
        }
        set.push({ name: tag, digest: fetched.digest });
      } catch (error) {
        if (known.has(tag)) present.add(tag); // keep what the index had rather than drop it on a bad read
        report.skipped.push({ repository, tag, reason: messageOf(error) });
        options.onError?.(error, `${repository}:${tag}`);
      }
    });
    const remove = [...known.keys()].filter((tag) => !present.has(tag));
    report.removedTags += remove.length;
    report.tags += present.size;
    if (set.length === 0 && remove.length === 0 && !isNew) return undefined;
    return { repositoryId: id, set, remove, syncedAt, manifests: [...manifests.values()] };
  }

  async function run(onProgress?: (progress: SyncProgress) => void): Promise<SyncReport> {
    const started = now().getTime();
    const report: SyncReport = {
      repositories: 0,
      tags: 0,
      fetched: 0,
      removedRepositories: 0,
      removedTags: 0,
      configsRead: 0,
      skipped: [],
      indexedMs: 0,
      durationMs: 0,
    };
    const repositories: string[] = [];
    for await (const repository of client.catalog()) repositories.push(repository);
    const listed = new Set(repositories);
    const known = new Map((await store.index.repositoryIds()).map((row) => [row.name, row.id]));
    const gone = [...known.keys()].filter((name) => !listed.has(name));
    await store.index.removeRepositories(gone);
    report.removedRepositories = gone.length;
    const ids = new Map([
      ...known,
      ...(await store.index.ensureRepositories(repositories.filter((r) => !known.has(r)))),
    ]);
    const syncedAt = now();
    const unchanged: number[] = [];
    // Changes are written a batch at a time, in one transaction each; a crash loses at most the batch, and the next
    // sync redoes it.
    let pending: Array<TagChange & { repositoryId: number; repository: string }> = [];
    let writing = Promise.resolve();
    const write = async (batch: typeof pending) => {
      try {
        await store.index.applyChanges(batch);
      } catch {
        // One change that cannot be written must not cost the others: write them one by one.
        for (const change of batch) {
          try {
            await store.index.applyChanges([change]);
          } catch (error) {
            report.skipped.push({ repository: change.repository, tag: '', reason: messageOf(error) });
            options.onError?.(error, change.repository);
          }
        }
      }
    };
    const flush = () => {
      const batch = pending;
      pending = [];
      writing = writing.then(() => write(batch));
      return writing;
    };
    let done = 0;
    await mapBounded(repositories, concurrency, async (repository) => {
      try {
        const id = ids.get(repository) as number;
        const change = await syncRepository(repository, id, !known.has(repository), report, syncedAt);
        if (change) {
          pending.push({ ...change, repository });
          if (pending.length >= 50) await flush();
        } else {
          unchanged.push(id);
        }
      } catch (error) {
        report.skipped.push({ repository, tag: '', reason: messageOf(error) });
        options.onError?.(error, repository);
      }
      report.repositories++;
      onProgress?.({ repositoriesDone: ++done, repositoriesTotal: repositories.length });
    });
    await flush();
    await store.index.markSynced(unchanged, syncedAt);
    report.indexedMs = now().getTime() - started;
    await readPendingConfigs(report, (configsRead) =>
      onProgress?.({ repositoriesDone: done, repositoriesTotal: repositories.length, configsRead }),
    );
    report.durationMs = now().getTime() - started;
    return report;
  }

  /**
   * Reads every config the index still lacks (this run's and any an earlier run left), a page at a time, and writes
   * each page in one transaction. A config the registry no longer has is filled empty (its image is broken, reading it
   * again would not help); one that fails otherwise stays pending for the next run. A page of which no config could be
   * read ends the step: the registry is failing, and the next run asks again rather than this one asking for them all.
   */
  async function readPendingConfigs(report: SyncReport, onRead: (configsRead: number) => void): Promise<void> {
    let after: PendingConfig | undefined;
    for (;;) {
      const page = await store.index.pendingConfigs(CONFIG_PAGE, after);
      if (page.length === 0) return;
      after = page.at(-1);
      const filled = await mapBounded(page, concurrency, async (entry): Promise<FilledConfig | undefined> => {
        try {
          return { ...entry, ...(await configDetails(client, entry.repository, entry.config)) };
        } catch (error) {
          if (error instanceof RegistryError && error.code === 'ERR_REGISTRY_NOT_FOUND') {
            return { ...entry, created: null, platforms: [] };
          }
          report.skipped.push({
            repository: entry.repository,
            tag: '',
            reason: `config ${entry.config}: ${messageOf(error)}`,
          });
          options.onError?.(error, entry.repository);
          return undefined;
        }
      });
      const read = filled.filter((entry) => entry !== undefined);
      if (read.length === 0) return;
      await store.index.fillConfigs(read);
      report.configsRead += read.length;
      onRead(report.configsRead);
    }
  }

  return {
    run(onProgress) {
      current ??= run(onProgress).finally(() => {
        current = undefined;
      });
      return current;
    },
    get running() {
      return current !== undefined;
    },
  };
}
