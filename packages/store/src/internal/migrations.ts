/**
 * Schema migrations, frozen in time: each works on `Kysely<any>` and is never edited once released. Provided in
 * code so bundling cannot lose them.
 */
import { type Kysely, type Migration, type MigrationProvider, sql } from 'kysely';
import type { Dialect } from './database';
import { versionKey } from './version-key';

/** A table with an integer primary key the database assigns (serial on PostgreSQL, autoincrement on SQLite). */
// biome-ignore lint/suspicious/noExplicitAny: migrations are written against an untyped schema, frozen in time.
function tableWithId(db: Kysely<any>, dialect: Dialect, table: string) {
  return dialect === 'postgres'
    ? db.schema.createTable(table).addColumn('id', 'serial', (col) => col.primaryKey())
    : db.schema.createTable(table).addColumn('id', 'integer', (col) => col.primaryKey().autoIncrement());
}

function initial(dialect: Dialect): Migration {
  return {
    // biome-ignore lint/suspicious/noExplicitAny: see above.
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('meta')
        .addColumn('key', 'text', (col) => col.primaryKey())
        .addColumn('value', 'bigint', (col) => col.notNull())
        .execute();
      await db.insertInto('meta').values({ key: 'revision', value: 1 }).execute();

      await tableWithId(db, dialect, 'users')
        .addColumn('login', 'text', (col) => col.notNull().unique())
        .addColumn('name', 'text', (col) => col.notNull().defaultTo(''))
        .addColumn('email', 'text')
        .addColumn('role', 'text', (col) => col.notNull())
        .addColumn('disabled', 'integer', (col) => col.notNull().defaultTo(0))
        .addColumn('password_hash', 'text', (col) => col.notNull())
        .addColumn('created_at', 'text', (col) => col.notNull())
        .addColumn('updated_at', 'text', (col) => col.notNull())
        .addColumn('password_changed_at', 'text', (col) => col.notNull())
        .execute();
      for (const column of ['name', 'email', 'role', 'created_at', 'updated_at']) {
        await db.schema.createIndex(`users_${column}_idx`).on('users').column(column).execute();
      }

      await tableWithId(db, dialect, 'groups')
        .addColumn('name', 'text', (col) => col.notNull().unique())
        .addColumn('description', 'text', (col) => col.notNull().defaultTo(''))
        .addColumn('created_at', 'text', (col) => col.notNull())
        .addColumn('updated_at', 'text', (col) => col.notNull())
        .execute();

      await db.schema
        .createTable('group_members')
        .addColumn('group_id', 'integer', (col) => col.notNull().references('groups.id').onDelete('cascade'))
        .addColumn('user_id', 'integer', (col) => col.notNull().references('users.id').onDelete('cascade'))
        .addPrimaryKeyConstraint('group_members_pk', ['group_id', 'user_id'])
        .execute();
      await db.schema.createIndex('group_members_user_idx').on('group_members').column('user_id').execute();

      await tableWithId(db, dialect, 'access_rules')
        .addColumn('subject_type', 'text', (col) => col.notNull())
        .addColumn('subject_id', 'integer')
        .addColumn('pattern', 'text', (col) => col.notNull())
        .addColumn('actions', 'text', (col) => col.notNull())
        .addColumn('description', 'text', (col) => col.notNull().defaultTo(''))
        .addColumn('created_at', 'text', (col) => col.notNull())
        .addColumn('updated_at', 'text', (col) => col.notNull())
        .execute();
      await db.schema
        .createIndex('access_rules_subject_idx')
        .on('access_rules')
        .columns(['subject_type', 'subject_id'])
        .execute();
      await db.schema.createIndex('access_rules_pattern_idx').on('access_rules').column('pattern').execute();

      await db.schema
        .createTable('sessions')
        .addColumn('id', 'text', (col) => col.primaryKey())
        .addColumn('user_id', 'integer', (col) => col.notNull().references('users.id').onDelete('cascade'))
        .addColumn('created_at', 'text', (col) => col.notNull())
        .addColumn('expires_at', 'text', (col) => col.notNull())
        .addColumn('last_seen_at', 'text', (col) => col.notNull())
        .addColumn('address', 'text')
        .addColumn('user_agent', 'text')
        .execute();
      await db.schema.createIndex('sessions_user_idx').on('sessions').column('user_id').execute();
      await db.schema.createIndex('sessions_expires_idx').on('sessions').column('expires_at').execute();

      await db.schema
        .createTable('settings')
        .addColumn('key', 'text', (col) => col.primaryKey())
        .addColumn('value', 'text', (col) => col.notNull())
        .execute();
    },
  };
}

/** Machine credentials: service accounts, and hashed personal access tokens and refresh tokens. */
function credentials(dialect: Dialect): Migration {
  return {
    // biome-ignore lint/suspicious/noExplicitAny: see above.
    async up(db: Kysely<any>) {
      await tableWithId(db, dialect, 'service_accounts')
        .addColumn('name', 'text', (col) => col.notNull().unique())
        .addColumn('description', 'text', (col) => col.notNull().defaultTo(''))
        .addColumn('disabled', 'integer', (col) => col.notNull().defaultTo(0))
        .addColumn('secret_hash', 'text', (col) => col.notNull())
        .addColumn('expires_at', 'text')
        .addColumn('last_used_at', 'text')
        .addColumn('created_at', 'text', (col) => col.notNull())
        .addColumn('updated_at', 'text', (col) => col.notNull())
        .execute();

      await tableWithId(db, dialect, 'api_tokens')
        .addColumn('kind', 'text', (col) => col.notNull())
        .addColumn('user_id', 'integer', (col) => col.notNull().references('users.id').onDelete('cascade'))
        .addColumn('name', 'text', (col) => col.notNull())
        .addColumn('token_hash', 'text', (col) => col.notNull().unique())
        .addColumn('prefix', 'text', (col) => col.notNull())
        .addColumn('read_only', 'integer', (col) => col.notNull().defaultTo(0))
        .addColumn('client_id', 'text')
        .addColumn('address', 'text')
        .addColumn('expires_at', 'text')
        .addColumn('last_used_at', 'text')
        .addColumn('created_at', 'text', (col) => col.notNull())
        .execute();
      await db.schema.createIndex('api_tokens_user_idx').on('api_tokens').columns(['user_id', 'kind']).execute();
    },
  };
}

/** Failed sign-in counters and lockouts, shared by every replica. */
const loginFailures: Migration = {
  // biome-ignore lint/suspicious/noExplicitAny: see above.
  async up(db: Kysely<any>) {
    await db.schema
      .createTable('login_failures')
      .addColumn('key', 'text', (col) => col.primaryKey())
      .addColumn('failures', 'integer', (col) => col.notNull())
      .addColumn('window_start', 'text', (col) => col.notNull())
      .addColumn('locked_until', 'text')
      .addColumn('lockouts', 'integer', (col) => col.notNull().defaultTo(0))
      .execute();
  },
};

/** Who changed what, when, from where. */
function auditEvents(dialect: Dialect): Migration {
  return {
    // biome-ignore lint/suspicious/noExplicitAny: see above.
    async up(db: Kysely<any>) {
      const table = tableWithId(db, dialect, 'audit_events');
      await table
        .addColumn('at', 'text', (col) => col.notNull())
        .addColumn('actor_id', 'integer')
        .addColumn('actor_name', 'text', (col) => col.notNull())
        .addColumn('action', 'text', (col) => col.notNull())
        .addColumn('target_type', 'text', (col) => col.notNull())
        .addColumn('target_id', 'text')
        .addColumn('target_name', 'text', (col) => col.notNull().defaultTo(''))
        .addColumn('address', 'text')
        .addColumn('details', 'text', (col) => col.notNull().defaultTo('{}'))
        .execute();
      for (const column of ['at', 'actor_name', 'action', 'target_type']) {
        await db.schema.createIndex(`audit_events_${column}_idx`).on('audit_events').column(column).execute();
      }
    },
  };
}

/** Single-use password reset links, stored hashed. */
function passwordResets(dialect: Dialect): Migration {
  return {
    // biome-ignore lint/suspicious/noExplicitAny: see above.
    async up(db: Kysely<any>) {
      const table = tableWithId(db, dialect, 'password_resets');
      await table
        .addColumn('user_id', 'integer', (col) => col.notNull().references('users.id').onDelete('cascade'))
        .addColumn('token_hash', 'text', (col) => col.notNull().unique())
        .addColumn('created_at', 'text', (col) => col.notNull())
        .addColumn('expires_at', 'text', (col) => col.notNull())
        .addColumn('used_at', 'text')
        .execute();
      await db.schema.createIndex('password_resets_user_idx').on('password_resets').column('user_id').execute();
    },
  };
}

/** Registry notifications, kept as the activity log; the event id makes delivery idempotent. */
const registryEvents: Migration = {
  // biome-ignore lint/suspicious/noExplicitAny: see above.
  async up(db: Kysely<any>) {
    await db.schema
      .createTable('registry_events')
      .addColumn('id', 'text', (col) => col.primaryKey())
      .addColumn('received_at', 'text', (col) => col.notNull())
      .addColumn('timestamp', 'text', (col) => col.notNull())
      .addColumn('action', 'text', (col) => col.notNull())
      .addColumn('repository', 'text', (col) => col.notNull())
      .addColumn('tag', 'text')
      .addColumn('digest', 'text')
      .addColumn('media_type', 'text')
      .addColumn('size', 'bigint')
      .addColumn('actor', 'text', (col) => col.notNull().defaultTo(''))
      .addColumn('address', 'text')
      .addColumn('user_agent', 'text')
      .execute();
    for (const column of ['timestamp', 'repository', 'actor', 'action']) {
      await db.schema.createIndex(`registry_events_${column}_idx`).on('registry_events').column(column).execute();
    }
  },
};

/** The index of what the registry holds: repositories, tags and the manifests they point at. */
function registryIndex(dialect: Dialect): Migration {
  return {
    // biome-ignore lint/suspicious/noExplicitAny: see above.
    async up(db: Kysely<any>) {
      const table = tableWithId(db, dialect, 'index_repositories');
      await table
        .addColumn('name', 'text', (col) => col.notNull().unique())
        .addColumn('tag_count', 'integer', (col) => col.notNull().defaultTo(0))
        .addColumn('size', 'bigint', (col) => col.notNull().defaultTo(0))
        .addColumn('last_push_at', 'text')
        .addColumn('pulls', 'bigint', (col) => col.notNull().defaultTo(0))
        .addColumn('last_pull_at', 'text')
        .addColumn('synced_at', 'text')
        .execute();
      for (const column of ['tag_count', 'size', 'last_push_at', 'pulls']) {
        await db.schema
          .createIndex(`index_repositories_${column}_idx`)
          .on('index_repositories')
          .column(column)
          .execute();
      }
      await db.schema
        .createTable('index_manifests')
        .addColumn('repository_id', 'integer', (col) =>
          col.notNull().references('index_repositories.id').onDelete('cascade'),
        )
        .addColumn('digest', 'text', (col) => col.notNull())
        .addColumn('media_type', 'text', (col) => col.notNull())
        .addColumn('size', 'bigint', (col) => col.notNull())
        .addColumn('created', 'text')
        .addColumn('platforms', 'text', (col) => col.notNull().defaultTo('[]'))
        .addColumn('blobs', 'text', (col) => col.notNull().defaultTo('[]'))
        .addColumn('details', 'text', (col) => col.notNull().defaultTo('{}'))
        .addPrimaryKeyConstraint('index_manifests_pk', ['repository_id', 'digest'])
        .execute();
      await db.schema
        .createTable('index_tags')
        .addColumn('repository_id', 'integer', (col) =>
          col.notNull().references('index_repositories.id').onDelete('cascade'),
        )
        .addColumn('name', 'text', (col) => col.notNull())
        .addColumn('digest', 'text', (col) => col.notNull())
        .addColumn('media_type', 'text', (col) => col.notNull())
        .addColumn('size', 'bigint', (col) => col.notNull())
        .addColumn('created', 'text')
        .addColumn('platforms', 'text', (col) => col.notNull().defaultTo('[]'))
        .addColumn('pushed_at', 'text')
        .addColumn('last_pulled_at', 'text')
        .addColumn('pull_count', 'bigint', (col) => col.notNull().defaultTo(0))
        .addPrimaryKeyConstraint('index_tags_pk', ['repository_id', 'name'])
        .execute();
      for (const column of ['digest', 'size', 'pushed_at', 'created']) {
        await db.schema
          .createIndex(`index_tags_${column}_idx`)
          .on('index_tags')
          .columns(['repository_id', column])
          .execute();
      }
    },
  };
}

/**
 * Tags carry their repository's name (lists across repositories without a join) and a version sort key (semantic
 * versions by number, other tags naturally; byte order, hence the "C" collation on PostgreSQL).
 */
function tagOrder(dialect: Dialect): Migration {
  return {
    // biome-ignore lint/suspicious/noExplicitAny: see above.
    async up(db: Kysely<any>) {
      await db.schema
        .alterTable('index_tags')
        .addColumn('repository', 'text', (col) => col.notNull().defaultTo(''))
        .execute();
      await db.schema
        .alterTable('index_tags')
        .addColumn('version_key', 'text', (col) => {
          const column = col.notNull().defaultTo('');
          return dialect === 'postgres' ? column.modifyEnd(sql`collate "C"`) : column;
        })
        .execute();
      await sql`update index_tags set repository = (select name from index_repositories r where r.id = index_tags.repository_id)`.execute(
        db,
      );
      const tags = await db.selectFrom('index_tags').select(['repository_id', 'name']).execute();
      for (const tag of tags as Array<{ repository_id: number; name: string }>) {
        await db
          .updateTable('index_tags')
          .set({ version_key: versionKey(tag.name) })
          .where('repository_id', '=', tag.repository_id)
          .where('name', '=', tag.name)
          .execute();
      }
      await db.schema
        .createIndex('index_tags_version_key_idx')
        .on('index_tags')
        .columns(['repository_id', 'version_key'])
        .execute();
      await db.schema.createIndex('index_tags_all_name_idx').on('index_tags').columns(['repository', 'name']).execute();
      for (const column of ['pushed_at', 'size', 'created']) {
        await db.schema.createIndex(`index_tags_all_${column}_idx`).on('index_tags').column(column).execute();
      }
    },
  };
}

/**
 * Substring search over repository names and `repository:tag` without scanning: FTS5 trigram tables kept by
 * triggers on SQLite, trigram GIN indexes (pg_trgm, when the server has it) on PostgreSQL.
 */
function indexSearch(dialect: Dialect): Migration {
  return {
    // biome-ignore lint/suspicious/noExplicitAny: see above.
    async up(db: Kysely<any>) {
      if (dialect === 'postgres') {
        const available = await sql`select 1 from pg_available_extensions where name = 'pg_trgm'`.execute(db);
        if (available.rows.length === 0) return;
        await sql`create extension if not exists pg_trgm`.execute(db);
        // An extension lives in one schema of the database: another deployment's, when that one created it first
        // (--store.postgres.schema), which is not on this one's search path. Its operator class is named in full.
        const home = await sql<{ schema: string }>`
          select n.nspname as schema from pg_extension e join pg_namespace n on n.oid = e.extnamespace
          where e.extname = 'pg_trgm'`.execute(db);
        const trigrams = sql.id(home.rows[0]?.schema ?? 'public', 'gin_trgm_ops');
        await sql`create index index_repositories_search_idx on index_repositories using gin (lower(name) ${trigrams})`.execute(
          db,
        );
        await sql`create index index_tags_search_idx on index_tags using gin (lower(repository || ':' || name) ${trigrams})`.execute(
          db,
        );
        return;
      }
      for (const statement of [
        `create virtual table index_repositories_search using fts5(text, tokenize = 'trigram')`,
        `insert into index_repositories_search (rowid, text) select id, name from index_repositories`,
        `create trigger index_repositories_search_insert after insert on index_repositories begin
           insert into index_repositories_search (rowid, text) values (new.id, new.name); end`,
        `create trigger index_repositories_search_delete after delete on index_repositories begin
           delete from index_repositories_search where rowid = old.id; end`,
        `create virtual table index_tags_search using fts5(text, tokenize = 'trigram')`,
        `insert into index_tags_search (rowid, text) select rowid, repository || ':' || name from index_tags`,
        `create trigger index_tags_search_insert after insert on index_tags begin
           insert into index_tags_search (rowid, text) values (new.rowid, new.repository || ':' || new.name); end`,
        `create trigger index_tags_search_delete after delete on index_tags begin
           delete from index_tags_search where rowid = old.rowid; end`,
      ]) {
        await sql.raw(statement).execute(db);
      }
    },
  };
}

/**
 * The bcrypt hash of a user's password for the registry's htpasswd file (`--registry.auth-type basic`): the
 * registry accepts only bcrypt, and it can only be made while the password is known (set, changed, signed in with).
 */
const registryPasswordHash: Migration = {
  // biome-ignore lint/suspicious/noExplicitAny: see above.
  async up(db: Kysely<any>) {
    await db.schema.alterTable('users').addColumn('registry_password_hash', 'text').execute();
  },
};

/**
 * An image's platform and created time are in its config, a second registry read per image: a sync indexes the tag
 * from its manifest and notes the config to read here; the sync reads them afterwards (and again after a crash).
 */
const pendingConfigs: Migration = {
  // biome-ignore lint/suspicious/noExplicitAny: see above.
  async up(db: Kysely<any>) {
    await db.schema.alterTable('index_manifests').addColumn('pending_config', 'text').execute();
    await db.schema
      .createIndex('index_manifests_pending_config_idx')
      .on('index_manifests')
      .columns(['repository_id', 'digest'])
      .where(sql.ref('pending_config'), 'is not', null)
      .execute();
  },
};

/**
 * The activity list is ordered by time, then id (events of one time in a stable order): one index serves both, so a
 * page is read from the index however many events share a time (the time alone left the ties to a sort of all of them).
 */
const registryEventsOrder: Migration = {
  // biome-ignore lint/suspicious/noExplicitAny: see above.
  async up(db: Kysely<any>) {
    await db.schema
      .createIndex('registry_events_timestamp_id_idx')
      .on('registry_events')
      .columns(['timestamp', 'id'])
      .execute();
    await db.schema.dropIndex('registry_events_timestamp_idx').execute();
  },
};

export function migrationProvider(dialect: Dialect): MigrationProvider {
  return {
    async getMigrations() {
      return {
        '2026_11_22_001_initial': initial(dialect),
        '2026_11_22_002_credentials': credentials(dialect),
        '2026_11_22_003_login_failures': loginFailures,
        '2026_11_22_004_audit_events': auditEvents(dialect),
        '2026_11_22_005_password_resets': passwordResets(dialect),
        '2026_11_22_006_registry_events': registryEvents,
        '2026_11_22_007_registry_index': registryIndex(dialect),
        '2026_11_22_008_tag_order': tagOrder(dialect),
        '2026_11_22_009_index_search': indexSearch(dialect),
        '2026_11_23_010_registry_password_hash': registryPasswordHash,
        '2026_12_07_011_pending_configs': pendingConfigs,
        '2026_12_07_012_registry_events_order': registryEventsOrder,
      };
    },
  };
}
