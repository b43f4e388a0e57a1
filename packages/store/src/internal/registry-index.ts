/**
 * The index of what the registry holds — repositories, tags and the manifests they point at — so lists can be
 * searched and sorted across everything without asking the registry once per tag. Kept by sync and notifications;
 * never touches access rules (rules may name repositories that do not exist).
 */
import { type ExpressionBuilder, type Kysely, type Selectable, sql } from 'kysely';
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

export function registryIndexRepository(db: Kysely<Database>, dialect: Dialect) {
  /** `column in (ids)` with the whole list as one bound value (lists can exceed the driver's parameter limit). */
  // biome-ignore lint/suspicious/noExplicitAny: used on several tables.
  const inIds = (eb: ExpressionBuilder<Database, any>, column: string, ids: readonly number[]) =>
    dialect === 'postgres'
      ? sql<boolean>`${eb.ref(column as never)} = any(${[...ids]}::int[])`
      : sql<boolean>`${eb.ref(column as never)} in (select value from json_each(${JSON.stringify(ids)}))`;

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

    async repositoryNames(): Promise<string[]> {
      return (await db.selectFrom('index_repositories').select('name').orderBy('name').execute()).map(
        (row) => row.name,
      );
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

    async putManifest(repositoryId: number, manifest: IndexedManifest): Promise<void> {
      const values = {
        media_type: manifest.mediaType,
        size: manifest.size,
        created: manifest.created,
        platforms: JSON.stringify(manifest.platforms),
        blobs: JSON.stringify(manifest.blobs),
        details: JSON.stringify(manifest.details ?? {}),
      };
      await db
        .insertInto('index_manifests')
        .values({ repository_id: repositoryId, digest: manifest.digest, ...values })
        .onConflict((oc) => oc.columns(['repository_id', 'digest']).doUpdateSet(values))
        .execute();
    },

    /**
     * Points tags at manifests already stored (copying their size, platforms and created time), removes the tags
     * named in `remove`, and refreshes the repository's numbers — in one transaction.
     */
    async applyTags(
      repositoryId: number,
      set: Array<{ name: string; digest: string; pushedAt?: string | null }>,
      remove: string[] = [],
      syncedAt?: Date,
    ): Promise<void> {
      await db.transaction().execute(async (trx) => {
        const { name: repository } = await trx
          .selectFrom('index_repositories')
          .select('name')
          .where('id', '=', repositoryId)
          .executeTakeFirstOrThrow();
        for (const tag of set) {
          const manifest = await trx
            .selectFrom('index_manifests')
            .selectAll()
            .where('repository_id', '=', repositoryId)
            .where('digest', '=', tag.digest)
            .executeTakeFirstOrThrow();
          const values = {
            digest: tag.digest,
            media_type: manifest.media_type,
            size: manifest.size,
            created: manifest.created,
            platforms: manifest.platforms,
            ...(tag.pushedAt !== undefined ? { pushed_at: tag.pushedAt } : {}),
          };
          await trx
            .insertInto('index_tags')
            .values({
              repository_id: repositoryId,
              repository,
              name: tag.name,
              version_key: versionKey(tag.name),
              pull_count: 0,
              pushed_at: tag.pushedAt ?? null,
              ...values,
            })
            .onConflict((oc) => oc.columns(['repository_id', 'name']).doUpdateSet(values))
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
      });
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
      await db.transaction().execute(async (trx) => {
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
      if (typeof filter.q === 'string') {
        const q = filter.q;
        base = base.where((eb) => ilike(eb, 'name', q));
      }
      if (Array.isArray(filter.id))
        base = filter.id.length ? base.where('id', 'in', filter.id) : base.where('id', '=', -1);
      if (typeof filter.name === 'string') base = base.where('name', '=', filter.name);
      return runList<RepositoryRow, IndexedRepository>(base, page, (rows) => rows.map(toRepository));
    },

    /**
     * Tags of one repository, or of every repository (`repository` undefined; `q` then searches `repository:tag`).
     */
    async listTags(
      repository: string | undefined,
      query: ListQuery,
      options: IndexListOptions = {},
    ): Promise<ListResult<IndexedTag>> {
      const page = pageOf(query, TAG_SORT, repository === undefined ? 'repository' : 'name');
      const filter = checkFilter(query.filter, { q: 'search', digest: 'string' });
      let base = db.selectFrom('index_tags');
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
      if (typeof filter.q === 'string') {
        const q = filter.q;
        base =
          repository === undefined
            ? base.where(sql<boolean>`lower(repository || ':' || name) like ${likePattern(q)} escape '\\'`)
            : base.where((eb) => ilike(eb, 'name', q));
      }
      if (typeof filter.digest === 'string') base = base.where('digest', '=', filter.digest);
      return runList<Selectable<IndexTagsTable>, IndexedTag>(
        base,
        page,
        (rows) => rows.map(toTag),
        repository === undefined ? ['repository', 'name'] : 'name',
      );
    },
  };
}

export type RegistryIndexRepository = ReturnType<typeof registryIndexRepository>;
