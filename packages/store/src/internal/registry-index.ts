/**
 * The index of what the registry holds — repositories, tags and the manifests they point at — so lists can be
 * searched and sorted across everything without asking the registry once per tag. Kept by sync and notifications;
 * never touches access rules (rules may name repositories that do not exist).
 */
import { type ExpressionBuilder, type RawBuilder, type Selectable, sql } from 'kysely';
import { transact } from './common';
import type { Database, Dialect, Executor, IndexTagsTable } from './database';
import { checkFilter, ilike, type ListQuery, type ListResult, likePattern, pageOf, runList } from './list-query';
import { versionKey } from './version-key';

export interface IndexedPlatform {
  os: string;
  architecture: string;
  variant?: string;
}

export interface IndexedManifest {
  digest: string;
  mediaType: string;
  size: number;
  created: string | null;
  platforms: IndexedPlatform[];
  /** [digest, size] of every blob the manifest needs (config, layers; for an index, its images'). */
  blobs: Array<[string, number]>;
  details?: Record<string, unknown>;
  /**
   * The image config still to be read for `created` and `platforms` (left empty meanwhile): a sync indexes the tag
   * first and reads the config after (`pendingConfigs`, `fillConfigs`).
   */
  pendingConfig?: string;
}

/** A manifest whose config is still to be read (`IndexedManifest.pendingConfig`). */
export interface PendingConfig {
  repositoryId: number;
  repository: string;
  digest: string;
  config: string;
}

/** What reading a pending config found; `config` must still be the one pending, or nothing is changed. */
export interface FilledConfig {
  repositoryId: number;
  digest: string;
  config: string;
  created: string | null;
  platforms: IndexedPlatform[];
}

export interface IndexedRepository {
  id: number;
  name: string;
  tagCount: number;
  size: number;
  lastPushAt: string | null;
  pulls: number;
  lastPullAt: string | null;
  syncedAt: string | null;
}

export interface IndexedTag {
  repository: string;
  name: string;
  digest: string;
  mediaType: string;
  size: number;
  created: string | null;
  platforms: IndexedPlatform[];
  pushedAt: string | null;
  lastPulledAt: string | null;
  pullCount: number;
}

const REPOSITORY_SORT = {
  id: 'id',
  name: 'name',
  tagCount: 'tag_count',
  size: 'size',
  lastPushAt: 'last_push_at',
  pulls: 'pulls',
};
const TAG_SORT = {
  name: 'name',
  version: 'version_key',
  repository: 'repository',
  size: 'size',
  pushedAt: 'pushed_at',
  created: 'created',
  pullCount: 'pull_count',
};

export interface IndexedManifestRecord extends IndexedManifest {
  details: Record<string, unknown>;
}

/**
 * What a sync or a notification changes in one repository: manifests to store, tags to point at stored manifests
 * (a tag without `pushedAt` keeps the push time it had), tags to remove.
 */
export interface TagChange {
  set: ReadonlyArray<{ name: string; digest: string; pushedAt?: string | null }>;
  remove?: readonly string[];
  syncedAt?: Date | undefined;
  manifests?: readonly IndexedManifest[];
}

export interface IndexListOptions {
  /** Only these repository ids (what a caller may see); all when absent. */
  only?: readonly number[];
}

export interface IndexStats {
  repositories: number;
  tags: number;
  /** Sum of the repositories' sizes (a blob shared by two repositories counts in both). */
  size: number;
}

const toTag = (row: Selectable<IndexTagsTable>): IndexedTag => ({
  repository: row.repository,
  name: row.name,
  digest: row.digest,
  mediaType: row.media_type,
  size: Number(row.size),
  created: row.created,
  platforms: JSON.parse(row.platforms) as IndexedPlatform[],
  pushedAt: row.pushed_at,
  lastPulledAt: row.last_pulled_at,
  pullCount: Number(row.pull_count),
});

interface RepositoryRow {
  id: number;
  name: string;
  tag_count: number;
  size: number | string;
  last_push_at: string | null;
  pulls: number | string;
  last_pull_at: string | null;
  synced_at: string | null;
}

const toRepository = (row: RepositoryRow): IndexedRepository => ({
  id: row.id,
  name: row.name,
  tagCount: Number(row.tag_count),
  size: Number(row.size),
  lastPushAt: row.last_push_at,
  pulls: Number(row.pulls),
  lastPullAt: row.last_pull_at,
  syncedAt: row.synced_at,
});

async function ensureRepository(db: Executor, name: string): Promise<number> {
  await db
    .insertInto('index_repositories')
    .values({ name, tag_count: 0, size: 0, pulls: 0 })
    .onConflict((oc) => oc.column('name').doNothing())
    .execute();
  const row = await db.selectFrom('index_repositories').select('id').where('name', '=', name).executeTakeFirstOrThrow();
  return row.id;
}

/** Recomputes a repository's tag count, size (each distinct blob once) and last push from its tags. */
async function refreshStats(db: Executor, repositoryId: number): Promise<void> {
  const tags = await db
    .selectFrom('index_tags')
    .select(['digest', 'pushed_at'])
    .where('repository_id', '=', repositoryId)
    .execute();
  const digests = [...new Set(tags.map((tag) => tag.digest))];
  const blobs = new Map<string, number>();
  for (let i = 0; i < digests.length; i += 500) {
    const rows = await db
      .selectFrom('index_manifests')
      .select('blobs')
      .where('repository_id', '=', repositoryId)
      .where('digest', 'in', digests.slice(i, i + 500))
      .execute();
    for (const row of rows)
      for (const [digest, size] of JSON.parse(row.blobs) as Array<[string, number]>) blobs.set(digest, size);
  }
  const lastPush = tags.reduce<string | null>(
    (latest, tag) => (tag.pushed_at && (!latest || tag.pushed_at > latest) ? tag.pushed_at : latest),
    null,
  );
  await db
    .updateTable('index_repositories')
    .set({
      tag_count: tags.length,
      size: [...blobs.values()].reduce((sum, size) => sum + size, 0),
      last_push_at: lastPush,
    })
    .where('id', '=', repositoryId)
    .execute();
}

async function putManifests(db: Executor, repositoryId: number, manifests: readonly IndexedManifest[]): Promise<void> {
  const rows = manifests.map((manifest) => ({
    repository_id: repositoryId,
    digest: manifest.digest,
    media_type: manifest.mediaType,
    size: manifest.size,
    created: manifest.created,
    platforms: JSON.stringify(manifest.platforms),
    blobs: JSON.stringify(manifest.blobs),
    details: JSON.stringify(manifest.details ?? {}),
    pending_config: manifest.pendingConfig ?? null,
  }));
  for (let i = 0; i < rows.length; i += 100) {
    await db
      .insertInto('index_manifests')
      .values(rows.slice(i, i + 100))
      .onConflict((oc) =>
        oc.columns(['repository_id', 'digest']).doUpdateSet((eb) => ({
          media_type: eb.ref('excluded.media_type'),
          size: eb.ref('excluded.size'),
          created: eb.ref('excluded.created'),
          platforms: eb.ref('excluded.platforms'),
          blobs: eb.ref('excluded.blobs'),
          details: eb.ref('excluded.details'),
          pending_config: eb.ref('excluded.pending_config'),
        })),
      )
      .execute();
  }
}

/** See applyTags; runs inside the caller's transaction. */
async function applyTagsIn(trx: Executor, repositoryId: number, change: TagChange): Promise<void> {
  const { set, remove = [], syncedAt, manifests = [] } = change;
  const { name: repository } = await trx
    .selectFrom('index_repositories')
    .select('name')
    .where('id', '=', repositoryId)
    .executeTakeFirstOrThrow();
  await putManifests(trx, repositoryId, manifests);
  const digests = [...new Set(set.map((tag) => tag.digest))];
  const stored = new Map<string, Selectable<Database['index_manifests']>>();
  for (let i = 0; i < digests.length; i += 500) {
    const rows = await trx
      .selectFrom('index_manifests')
      .selectAll()
      .where('repository_id', '=', repositoryId)
      .where('digest', 'in', digests.slice(i, i + 500))
      .execute();
    for (const row of rows) stored.set(row.digest, row);
  }
  // One row per name (the last wins): an upsert may not touch a row twice.
  const rows = [...new Map(set.map((tag) => [tag.name, tag])).values()].map((tag) => {
    const manifest = stored.get(tag.digest);
    if (!manifest) throw new Error(`manifest ${tag.digest} of ${repository}:${tag.name} is not in the index`);
    return {
      repository_id: repositoryId,
      repository,
      name: tag.name,
      version_key: versionKey(tag.name),
      digest: tag.digest,
      media_type: manifest.media_type,
      size: manifest.size,
      created: manifest.created,
      platforms: manifest.platforms,
      pushed_at: tag.pushedAt ?? null,
      pull_count: 0,
    };
  });
  for (let i = 0; i < rows.length; i += 200) {
    await trx
      .insertInto('index_tags')
      .values(rows.slice(i, i + 200))
      .onConflict((oc) =>
        oc.columns(['repository_id', 'name']).doUpdateSet((eb) => ({
          digest: eb.ref('excluded.digest'),
          media_type: eb.ref('excluded.media_type'),
          size: eb.ref('excluded.size'),
          created: eb.ref('excluded.created'),
          platforms: eb.ref('excluded.platforms'),
          pushed_at: sql<string | null>`coalesce(excluded.pushed_at, index_tags.pushed_at)`,
        })),
      )
      .execute();
  }
  for (let i = 0; i < remove.length; i += 500) {
    await trx
      .deleteFrom('index_tags')
      .where('repository_id', '=', repositoryId)
      .where('name', 'in', remove.slice(i, i + 500))
      .execute();
  }
  // Manifests no tag points at any more are dropped (children of indexes are kept by their index's blobs).
  await trx
    .deleteFrom('index_manifests')
    .where('repository_id', '=', repositoryId)
    .where(({ not, exists, selectFrom }) =>
      not(
        exists(
          selectFrom('index_tags')
            .select(sql`1`.as('one'))
            .whereRef('index_tags.repository_id', '=', 'index_manifests.repository_id')
            .whereRef('index_tags.digest', '=', 'index_manifests.digest'),
        ),
      ),
    )
    .execute();
  await refreshStats(trx, repositoryId);
  if (syncedAt) {
    await trx
      .updateTable('index_repositories')
      .set({ synced_at: syncedAt.toISOString() })
      .where('id', '=', repositoryId)
      .execute();
  }
}

/** Searches count their matches exactly up to this many (see `search`); above it the total is sampled. */
const EXACT = 2000;
/**
 * What an estimate above EXACT reads: WINDOWS runs of WINDOW consecutive rowids, placed over the table by a fixed
 * pseudo-random sequence. Runs keep the reads to a few pages each, and hold whole periods of rows that repeat (one
 * `latest` among every repository's few tags), which single rows at a fixed stride could alias with.
 */
const WINDOWS = 16;
const WINDOW = 64;

/** Where the estimate's windows start in [0, span - WINDOW]: the same for the same table size, so pages agree. */
function windowStarts(span: number): number[] {
  let state = 0x9e3779b9;
  const starts = new Set<number>();
  for (let i = 0; i < WINDOWS; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    starts.add(Math.floor((state / 2 ** 32) * Math.max(1, span - WINDOW + 1)));
  }
  return [...starts];
}

/** The searched tables: each one's rows, rowid column, FTS5 trigram table, and the text a search looks in. */
const SEARCHED = {
  tags: {
    source: sql.raw('index_tags'),
    key: sql.raw('rowid'),
    fts: sql.raw('index_tags_search'),
    text: sql`repository || ':' || name`,
  },
  repositories: {
    source: sql.raw('index_repositories'),
    key: sql.raw('id'),
    fts: sql.raw('index_repositories_search'),
    text: sql.ref('name'),
  },
} as const;

/** A total as a reader takes an estimate: two significant digits. */
function roughly(value: number): number {
  if (value < 100) return Math.round(value);
  const scale = 10 ** (Math.floor(Math.log10(value)) - 1);
  return Math.round(value / scale) * scale;
}

export function registryIndexRepository(db: Executor, dialect: Dialect) {
  /** `column in (ids)` with the whole list as one bound value (lists can exceed the driver's parameter limit). */
  // biome-ignore lint/suspicious/noExplicitAny: used on several tables.
  const inIds = (eb: ExpressionBuilder<Database, any>, column: string, ids: readonly number[]) =>
    dialect === 'postgres'
      ? sql<boolean>`${eb.ref(column as never)} = any(${[...ids]}::int[])`
      : sql<boolean>`${eb.ref(column as never)} in (select value from json_each(${JSON.stringify(ids)}))`;

  /**
   * How many rows of `table` pass `where`, estimated from WINDOWS × WINDOW rows read by rowid range (no scan); never
   * below `atLeast`, which the caller has counted.
   */
  const estimate = async (table: keyof typeof SEARCHED, where: RawBuilder<boolean>, atLeast: number) => {
    const { source, key } = SEARCHED[table];
    // Two subqueries: SQLite answers a lone min() or max() from the index's ends, not both in one select.
    const bounds = await sql<{
      lo: number | null;
      hi: number | null;
    }>`select (select min(${key}) from ${source}) as lo, (select max(${key}) from ${source}) as hi`.execute(db);
    const lo = Number(bounds.rows[0]?.lo ?? 0);
    const span = Number(bounds.rows[0]?.hi ?? 0) - lo + 1;
    const windows = windowStarts(span);
    const starts = JSON.stringify(windows.map((start) => lo + start));
    // The windows drive the join: each is one rowid range lookup into the table.
    const sampled = await sql<{ hits: number | null }>`select sum(${where}) as hits
      from json_each(${starts}) as w cross join ${source}
      on ${source}.${key} >= w.value and ${source}.${key} < w.value + ${WINDOW}`.execute(db);
    const hits = Number(sampled.rows[0]?.hits ?? 0);
    // The matching share of the rowids the windows cover, over the whole span (gaps left by deletions count alike).
    const read = Math.min(span, windows.length * WINDOW);
    return Math.max(atLeast, roughly((hits * span) / read));
  };

  /**
   * A case-insensitive substring test on repository names (`table` = repositories) or `repository:tag` (tags). On
   * SQLite, three characters or more go through the FTS5 trigram table: up to EXACT matches are fetched by rowid (one
   * query, its cost grows with the matches it reads) and sorted; more are found faster by walking the sort order with
   * LIKE, which stops at the page, and their total is estimated (`estimated`) instead of counting them all. Shorter
   * text has no trigram: LIKE, its matches counted up to EXACT, then estimated the same way. PostgreSQL's planner
   * chooses between its pg_trgm indexes and the sort order itself, and counts.
   */
  const search = async (
    table: keyof typeof SEARCHED,
    text: string,
  ): Promise<{ where: RawBuilder<boolean>; matches?: number; estimated?: boolean }> => {
    const { source, key, fts, text: searched } = SEARCHED[table];
    const pattern = likePattern(text);
    const like = sql<boolean>`lower(${searched}) like ${pattern} escape '\\'`;
    if (dialect === 'postgres') return { where: like };
    // The phrase is the lowercased text LIKE looks for, quoted (so FTS operators are literal): the trigram match then
    // finds at least what LIKE finds, and LIKE on the FTS table's own text narrows it to exactly that (the FTS folds
    // case beyond ASCII, SQLite's lower() does not), so both paths below give the same rows.
    const lowered = text.toLowerCase();
    if ([...lowered].length < 3) {
      const counted = await sql<{
        n: number;
      }>`select count(*) as n from (select 1 from ${source} where ${like} limit ${EXACT + 1})`.execute(db);
      const matches = Number(counted.rows[0]?.n ?? 0);
      if (matches <= EXACT) return { where: like, matches };
      return { where: like, matches: await estimate(table, like, matches), estimated: true };
    }
    const phrase = `"${lowered.replace(/"/g, '""')}"`;
    const found = await sql<{
      id: number;
    }>`select rowid as id from ${fts} where ${fts} match ${phrase} and lower(text) like ${pattern} escape '\\' limit ${EXACT + 1}`.execute(
      db,
    );
    if (found.rows.length <= EXACT) {
      const ids = JSON.stringify(found.rows.map((row) => row.id));
      return { where: sql<boolean>`${key} in (select value from json_each(${ids}))`, matches: found.rows.length };
    }
    return { where: like, matches: await estimate(table, like, found.rows.length), estimated: true };
  };

  return {
    ensureRepository: (name: string) => ensureRepository(db, name),

    /** Every repository's id and name (to work out what a caller may see). */
    async repositoryIds(): Promise<Array<{ id: number; name: string }>> {
      return db.selectFrom('index_repositories').select(['id', 'name']).orderBy('id').execute();
    },

    async getRepository(key: { id: number } | { name: string }): Promise<IndexedRepository | undefined> {
      const row = await db
        .selectFrom('index_repositories')
        .selectAll()
        .where((eb) => ('id' in key ? eb('id', '=', key.id) : eb('name', '=', key.name)))
        .executeTakeFirst();
      return row ? toRepository(row as RepositoryRow) : undefined;
    },

    async getTag(repository: string, name: string): Promise<IndexedTag | undefined> {
      const row = await db
        .selectFrom('index_tags')
        .selectAll()
        .where('repository', '=', repository)
        .where('name', '=', name)
        .executeTakeFirst();
      return row ? toTag(row) : undefined;
    },

    async getManifest(repositoryId: number, digest: string): Promise<IndexedManifestRecord | undefined> {
      const row = await db
        .selectFrom('index_manifests')
        .selectAll()
        .where('repository_id', '=', repositoryId)
        .where('digest', '=', digest)
        .executeTakeFirst();
      if (!row) return undefined;
      return {
        digest: row.digest,
        mediaType: row.media_type,
        size: Number(row.size),
        created: row.created,
        platforms: JSON.parse(row.platforms) as IndexedPlatform[],
        blobs: JSON.parse(row.blobs) as Array<[string, number]>,
        details: JSON.parse(row.details) as Record<string, unknown>,
        ...(row.pending_config ? { pendingConfig: row.pending_config } : {}),
      };
    },

    /** Repository, tag and size totals, over the repositories given or all. */
    async stats(options: IndexListOptions = {}): Promise<IndexStats> {
      let query = db
        .selectFrom('index_repositories')
        .select((eb) => [
          eb.fn.countAll<number | string>().as('repositories'),
          eb.fn.coalesce(eb.fn.sum<number | string>('tag_count'), sql<number>`0`).as('tags'),
          eb.fn.coalesce(eb.fn.sum<number | string>('size'), sql<number>`0`).as('size'),
        ]);
      const only = options.only;
      if (only) query = query.where((eb) => inIds(eb, 'id', only));
      const row = await query.executeTakeFirstOrThrow();
      return { repositories: Number(row.repositories), tags: Number(row.tags), size: Number(row.size) };
    },

    /** tag name → digest, as the index has it. */
    async tagDigests(repositoryId: number): Promise<Map<string, string>> {
      const rows = await db
        .selectFrom('index_tags')
        .select(['name', 'digest'])
        .where('repository_id', '=', repositoryId)
        .execute();
      return new Map(rows.map((row) => [row.name, row.digest]));
    },

    async hasManifest(repositoryId: number, digest: string): Promise<boolean> {
      const row = await db
        .selectFrom('index_manifests')
        .select('digest')
        .where('repository_id', '=', repositoryId)
        .where('digest', '=', digest)
        .executeTakeFirst();
      return row !== undefined;
    },

    /** Digests of the manifests the index holds for a repository. */
    async manifestDigests(repositoryId: number): Promise<Set<string>> {
      const rows = await db
        .selectFrom('index_manifests')
        .select('digest')
        .where('repository_id', '=', repositoryId)
        .execute();
      return new Set(rows.map((row) => row.digest));
    },

    async putManifest(repositoryId: number, manifest: IndexedManifest): Promise<void> {
      await putManifests(db, repositoryId, [manifest]);
    },

    /**
     * Stores `manifests`, points tags at manifests stored (copying their size, platforms and created time), removes
     * the tags named in `remove`, drops manifests no tag points at, and refreshes the repository's numbers — in one
     * transaction. A tag without `pushedAt` keeps the push time it had.
     */
    async applyTags(
      repositoryId: number,
      set: Array<{ name: string; digest: string; pushedAt?: string | null }>,
      remove: string[] = [],
      syncedAt?: Date,
      manifests: IndexedManifest[] = [],
    ): Promise<void> {
      await transact(db, (trx) => applyTagsIn(trx, repositoryId, { set, remove, syncedAt, manifests }));
    },

    /**
     * Up to `limit` manifests whose config is still to be read, in (repository id, digest) order after `after` (the
     * last one of the page before; pending ones a caller could not read stay pending for a later call).
     */
    async pendingConfigs(limit: number, after?: { repositoryId: number; digest: string }): Promise<PendingConfig[]> {
      let query = db
        .selectFrom('index_manifests as m')
        .innerJoin('index_repositories as r', 'r.id', 'm.repository_id')
        .select(['m.repository_id', 'r.name', 'm.digest', 'm.pending_config'])
        .where('m.pending_config', 'is not', null);
      if (after) {
        query = query.where((eb) =>
          eb.or([
            eb('m.repository_id', '>', after.repositoryId),
            eb.and([eb('m.repository_id', '=', after.repositoryId), eb('m.digest', '>', after.digest)]),
          ]),
        );
      }
      const rows = await query.orderBy('m.repository_id').orderBy('m.digest').limit(limit).execute();
      return rows.map((row) => ({
        repositoryId: row.repository_id,
        repository: row.name,
        digest: row.digest,
        config: row.pending_config as string,
      }));
    },

    /**
     * Writes the created time and platforms read from pending configs into their manifests and every tag pointing at
     * them, in one transaction; a manifest whose pending config is no longer `config` (stored again meanwhile, or
     * removed) is left alone.
     */
    async fillConfigs(filled: readonly FilledConfig[]): Promise<void> {
      if (filled.length === 0) return;
      await transact(db, async (trx) => {
        for (const entry of filled) {
          const platforms = JSON.stringify(entry.platforms);
          const updated = await trx
            .updateTable('index_manifests')
            .set({ created: entry.created, platforms, pending_config: null })
            .where('repository_id', '=', entry.repositoryId)
            .where('digest', '=', entry.digest)
            .where('pending_config', '=', entry.config)
            .executeTakeFirst();
          if (Number(updated.numUpdatedRows) === 0) continue;
          await trx
            .updateTable('index_tags')
            .set({ created: entry.created, platforms })
            .where('repository_id', '=', entry.repositoryId)
            .where('digest', '=', entry.digest)
            .execute();
        }
      });
    },

    /** Several repositories' changes in one transaction (a sync writes in batches). */
    async applyChanges(changes: ReadonlyArray<{ repositoryId: number } & TagChange>): Promise<void> {
      if (changes.length === 0) return;
      await transact(db, async (trx) => {
        for (const change of changes) await applyTagsIn(trx, change.repositoryId, change);
      });
    },

    /** Ids of these repositories, creating those the index does not have yet (one transaction). */
    async ensureRepositories(names: readonly string[]): Promise<Map<string, number>> {
      const ids = new Map<string, number>();
      await transact(db, async (trx) => {
        for (let i = 0; i < names.length; i += 200) {
          const chunk = names.slice(i, i + 200);
          await trx
            .insertInto('index_repositories')
            .values(chunk.map((name) => ({ name, tag_count: 0, size: 0, pulls: 0 })))
            .onConflict((oc) => oc.column('name').doNothing())
            .execute();
          const rows = await trx
            .selectFrom('index_repositories')
            .select(['id', 'name'])
            .where('name', 'in', chunk)
            .execute();
          for (const row of rows) ids.set(row.name, row.id);
        }
      });
      return ids;
    },

    /** Records that these repositories were found unchanged by a sync. */
    async markSynced(repositoryIds: readonly number[], at: Date): Promise<void> {
      for (let i = 0; i < repositoryIds.length; i += 500) {
        await db
          .updateTable('index_repositories')
          .set({ synced_at: at.toISOString() })
          .where('id', 'in', repositoryIds.slice(i, i + 500))
          .execute();
      }
    },

    /** Untags every tag of the repository that points at `digest` (a manifest delete); returns their names. */
    async removeDigest(repositoryId: number, digest: string): Promise<string[]> {
      const tags = await db
        .selectFrom('index_tags')
        .select('name')
        .where('repository_id', '=', repositoryId)
        .where('digest', '=', digest)
        .execute();
      const names = tags.map((tag) => tag.name);
      await this.applyTags(repositoryId, [], names);
      return names;
    },

    /** Adds pulls (coalesced by the caller) to tags and their repositories. */
    async addPulls(pulls: Array<{ repository: string; tag: string | null; count: number; at: string }>): Promise<void> {
      await transact(db, async (trx) => {
        for (const pull of pulls) {
          const repo = await trx
            .selectFrom('index_repositories')
            .select('id')
            .where('name', '=', pull.repository)
            .executeTakeFirst();
          if (!repo) continue;
          await trx
            .updateTable('index_repositories')
            .set((eb) => ({ pulls: eb('pulls', '+', pull.count), last_pull_at: pull.at }))
            .where('id', '=', repo.id)
            .execute();
          if (pull.tag) {
            await trx
              .updateTable('index_tags')
              .set((eb) => ({ pull_count: eb('pull_count', '+', pull.count), last_pulled_at: pull.at }))
              .where('repository_id', '=', repo.id)
              .where('name', '=', pull.tag)
              .execute();
          }
        }
      });
    },

    /** Forgets repositories the registry no longer lists. */
    async removeRepositories(names: string[]): Promise<void> {
      for (let i = 0; i < names.length; i += 500) {
        await db
          .deleteFrom('index_repositories')
          .where('name', 'in', names.slice(i, i + 500))
          .execute();
      }
    },

    async listRepositories(query: ListQuery, options: IndexListOptions = {}): Promise<ListResult<IndexedRepository>> {
      const page = pageOf(query, REPOSITORY_SORT, 'name');
      const filter = checkFilter(query.filter, { q: 'search', id: 'ids', name: 'string' });
      let base = db.selectFrom('index_repositories');
      const only = options.only;
      if (only) base = base.where((eb) => inIds(eb, 'id', only));
      let known: { total: number; estimated?: boolean } | undefined;
      if (typeof filter.q === 'string') {
        const found = await search('repositories', filter.q);
        base = base.where(found.where);
        if (!only && !filter.id && !filter.name && found.matches !== undefined) {
          known = { total: found.matches, estimated: found.estimated };
        }
      }
      if (Array.isArray(filter.id))
        base = filter.id.length ? base.where('id', 'in', filter.id) : base.where('id', '=', -1);
      if (typeof filter.name === 'string') base = base.where('name', '=', filter.name);
      // Names are unique: sorted by name, no tiebreak is needed (and the name index then serves the order).
      const tiebreak = page.column === 'name' ? [] : 'id';
      return runList<RepositoryRow, IndexedRepository>(base, page, (rows) => rows.map(toRepository), tiebreak, known);
    },

    /**
     * Tags of one repository, or of every repository (`repository` undefined; `q` then searches `repository:tag`).
     * Filters: `q`; `digest` (one or a list: which tags share these manifests); `id` (`repository:tag` ids, as
     * react-admin's getMany sends them); `repositoryId` (react-admin's getManyReference from a repository).
     */
    async listTags(
      repository: string | undefined,
      query: ListQuery,
      options: IndexListOptions = {},
    ): Promise<ListResult<IndexedTag>> {
      const page = pageOf(query, TAG_SORT, repository === undefined ? 'repository' : 'name');
      const filter = checkFilter(query.filter, {
        q: 'search',
        digest: 'strings',
        id: 'strings',
        repositoryId: 'integer',
      });
      let base = db.selectFrom('index_tags');
      if (typeof filter.repositoryId === 'number') base = base.where('repository_id', '=', filter.repositoryId);
      if (Array.isArray(filter.id)) {
        const pairs = (filter.id as string[]).flatMap((id) => {
          const colon = id.lastIndexOf(':');
          return colon > 0 ? [[id.slice(0, colon), id.slice(colon + 1)] as const] : [];
        });
        base = base.where((eb) =>
          pairs.length
            ? eb.or(pairs.map(([name, tag]) => eb.and([eb('repository', '=', name), eb('name', '=', tag)])))
            : eb('name', '=', ''),
        );
      }
      if (repository !== undefined) {
        const repo = await db
          .selectFrom('index_repositories')
          .select('id')
          .where('name', '=', repository)
          .executeTakeFirst();
        if (!repo) return { items: [], total: 0 };
        base = base.where('repository_id', '=', repo.id);
      }
      const only = options.only;
      if (only) base = base.where((eb) => inIds(eb, 'repository_id', only));
      let known: { total: number; estimated?: boolean } | undefined;
      if (typeof filter.q === 'string') {
        const q = filter.q;
        if (repository === undefined) {
          const found = await search('tags', q);
          base = base.where(found.where);
          const alone =
            !only && filter.digest === undefined && filter.id === undefined && filter.repositoryId === undefined;
          if (alone && found.matches !== undefined) known = { total: found.matches, estimated: found.estimated };
        } else {
          base = base.where((eb) => ilike(eb, 'name', q));
        }
      }
      if (Array.isArray(filter.digest)) {
        const digests = filter.digest as string[];
        base = digests.length ? base.where('digest', 'in', digests) : base.where('digest', '=', '');
      }
      return runList<Selectable<IndexTagsTable>, IndexedTag>(
        base,
        page,
        (rows) => rows.map(toTag),
        repository === undefined ? ['repository', 'name'] : 'name',
        known,
      );
    },
  };
}

export type RegistryIndexRepository = ReturnType<typeof registryIndexRepository>;
