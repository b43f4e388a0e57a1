/** Opens the store on SQLite or PostgreSQL, runs pending migrations, and wires the repositories. */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type SQLite from 'better-sqlite3';
import { Kysely, Migrator, PostgresDialect, SqliteDialect, sql } from 'kysely';
import { type AccessRule, accessRulesRepository, toAccessRule } from './access-rules';
import { type ApiTokenKind, apiTokensRepository } from './api-tokens';
import { auditEventsRepository } from './audit-events';
import { type ClusterLocks, postgresClusterLocks, sqliteClusterLocks } from './cluster-locks';
import { type Clock, readRevision } from './common';
import type { Database, Dialect, Executor } from './database';
import { loadPostgresDriver, loadSqliteDriver } from './drivers';
import { StoreError } from './errors';
import { groupsRepository } from './groups';
import { loginFailuresRepository } from './login-failures';
import { migrationProvider } from './migrations';
import { passwordResetsRepository } from './password-resets';
import { registryEventsRepository } from './registry-events';
import { registryIndexRepository } from './registry-index';
import { serviceAccountsRepository } from './service-accounts';
import { sessionsRepository } from './sessions';
import { settingsRepository } from './settings';
import { type Role, usersRepository } from './users';

export type StoreConfig =
  | {
      type: 'sqlite';
      path: string;
      /**
       * Path of better-sqlite3's native addon (its `nativeBinding` option), for programs that carry the addon
       * themselves, such as a single executable; by default better-sqlite3 finds its own build.
       */
      nativeBinding?: string;
    }
  | { type: 'postgres'; url: string; schema?: string; poolSize?: number };

export interface AccessSnapshot {
  revision: number;
  users: Array<{
    id: number;
    login: string;
    role: Role;
    disabled: boolean;
    passwordHash: string;
    /** bcrypt of the same password for the registry's htpasswd file, when known. */
    registryPasswordHash: string | null;
    groups: number[];
  }>;
  rules: AccessRule[];
  serviceAccounts: Array<{ id: number; name: string; disabled: boolean; secretHash: string; expiresAt: string | null }>;
  tokens: Array<{
    id: number;
    kind: ApiTokenKind;
    userId: number;
    tokenHash: string;
    readOnly: boolean;
    expiresAt: string | null;
  }>;
}

/** What the store offers inside and outside a transaction: every repository, bound to the one or the other. */
export interface StoreRepositories {
  users: ReturnType<typeof usersRepository>;
  groups: ReturnType<typeof groupsRepository>;
  rules: ReturnType<typeof accessRulesRepository>;
  sessions: ReturnType<typeof sessionsRepository>;
  settings: ReturnType<typeof settingsRepository>;
  serviceAccounts: ReturnType<typeof serviceAccountsRepository>;
  tokens: ReturnType<typeof apiTokensRepository>;
  loginFailures: ReturnType<typeof loginFailuresRepository>;
  audit: ReturnType<typeof auditEventsRepository>;
  passwordResets: ReturnType<typeof passwordResetsRepository>;
  registryEvents: ReturnType<typeof registryEventsRepository>;
  index: ReturnType<typeof registryIndexRepository>;
}

/** The repositories bound to one open transaction (see `Store.transaction`). */
export type StoreTransaction = StoreRepositories;

export interface StoreOptions {
  /** The clock of every timestamp the store sets itself (created, changed, received); defaults to the system's. */
  now?: Clock;
}

export interface Store extends StoreRepositories {
  readonly dialect: Dialect;
  readonly db: Kysely<Database>;
  /**
   * Runs `work` in one transaction: what it does through `tx` commits together, or nothing does if it throws.
   * Repositories' own multi-statement writes join it rather than opening another. Do no slow I/O inside (a SQLite
   * write lock or a PostgreSQL transaction is held meanwhile), and use only `tx` there: on SQLite the store's other
   * calls wait for the transaction's end.
   *
   * @example
   * await store.transaction(async (tx) => {
   *   const user = await tx.users.create({ login: 'alice', passwordHash });
   *   await tx.audit.record({ actorId: null, actorName: 'cli', action: 'user.create', targetType: 'user',
   *     targetId: String(user.id), targetName: user.login, address: null, details: {} });
   * });
   */
  transaction<T>(work: (tx: StoreTransaction) => Promise<T>): Promise<T>;
  revision(): Promise<number>;
  loadAccessSnapshot(): Promise<AccessSnapshot>;
  /**
   * Locks every process on this database shares (one leader of the periodic work, one index sync at a time).
   *
   * @example
   * const outcome = await store.locks.withLock('index-sync', () => sync.run());
   * if (!outcome.ran) console.log('another replica is syncing');
   */
  readonly locks: ClusterLocks;
  close(): Promise<void>;
}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * Prepared statements kept. Each holds its compiled program in native memory; the queries a server repeats are far
 * fewer than this, while batch writes of varying sizes make one-off statements that must not pile up.
 */
const MAX_CACHED_STATEMENTS = 200;
/**
 * SQLite's page cache, in KiB (negative: a size, not a page count). better-sqlite3 builds SQLite with 16 MiB, which a
 * large index fills and keeps; the operating system caches the file's pages anyway, so a smaller cache costs reads
 * from memory, not from disk.
 */
const PAGE_CACHE_KIB = 4096;

/**
 * Kysely prepares every query anew; preparing costs more than running most of ours. Statements are kept by their
 * SQL text (queries differ only in bound values), up to a bound. Kysely runs one query at a time on the connection
 * and reads results fully, so a cached statement is never in use twice at once.
 */
function withStatementCache(database: SQLite.Database): SQLite.Database {
  const statements = new Map<string, SQLite.Statement>();
  const prepare = database.prepare.bind(database);
  return new Proxy(database, {
    get(target, property, receiver) {
      if (property !== 'prepare') {
        const value = Reflect.get(target, property, receiver);
        return typeof value === 'function' ? value.bind(target) : value;
      }
      return (source: string) => {
        let statement = statements.get(source);
        if (statement) {
          // Least recently used first: a hit moves to the end.
          statements.delete(source);
        } else {
          statement = prepare(source);
          if (statements.size >= MAX_CACHED_STATEMENTS) statements.delete(statements.keys().next().value as string);
        }
        statements.set(source, statement);
        return statement;
      };
    },
  });
}

/**
 * A SQLite file that holds tables but none of this store's migrations belongs to another application (the Go
 * registry-admin's `data.db`, say): running the migrations there would mix two schemas in one file. It is refused
 * before anything is written to it (the WAL switch included).
 */
function refuseForeignDatabase(database: SQLite.Database, path: string): void {
  const tables = database
    .prepare("select name from sqlite_master where type = 'table' and name not like 'sqlite_%' order by name")
    .pluck()
    .all() as string[];
  if (tables.length === 0 || tables.includes('kysely_migration')) return;
  database.close();
  throw new StoreError(
    'ERR_STORE_FOREIGN_DATABASE',
    `${path} holds another application's tables (${tables.slice(0, 8).join(', ')}) and none of this store's; ` +
      'it was left unchanged',
    'path',
  );
}

async function connect(config: StoreConfig): Promise<{ db: Kysely<Database>; locks: ClusterLocks }> {
  if (config.type === 'sqlite') {
    const Database = await loadSqliteDriver();
    mkdirSync(dirname(config.path), { recursive: true, mode: 0o700 });
    const database = new Database(
      config.path,
      config.nativeBinding === undefined ? undefined : { nativeBinding: config.nativeBinding },
    );
    refuseForeignDatabase(database, config.path);
    database.pragma('journal_mode = WAL');
    database.pragma('foreign_keys = ON');
    database.pragma('busy_timeout = 5000');
    database.pragma('synchronous = NORMAL');
    database.pragma(`cache_size = -${PAGE_CACHE_KIB}`);
    const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: withStatementCache(database) }) });
    return { db, locks: sqliteClusterLocks() };
  }
  const schema = config.schema;
  if (schema !== undefined && !SCHEMA_NAME.test(schema)) {
    throw new StoreError('ERR_STORE_INVALID', 'schema must match [a-z_][a-z0-9_]*', 'schema');
  }
  const pg = await loadPostgresDriver();
  if (schema) {
    // Create the schema before the pool pins search_path to it.
    const client = new pg.Client({ connectionString: config.url });
    await client.connect();
    try {
      await client.query(`create schema if not exists "${schema}"`);
    } finally {
      await client.end();
    }
  }
  const connection = { connectionString: config.url, ...(schema ? { options: `-c search_path=${schema}` } : {}) };
  const pool = new pg.Pool({ ...connection, max: config.poolSize ?? 10 });
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  return { db, locks: postgresClusterLocks(pg, connection) };
}

async function migrate(db: Kysely<Database>, dialect: Dialect): Promise<void> {
  const run = async (executor: Kysely<Database>, migrationTableSchema?: string) => {
    const migrator = new Migrator({
      db: executor,
      provider: migrationProvider(dialect),
      ...(migrationTableSchema ? { migrationTableSchema } : {}),
    });
    const { error, results } = await migrator.migrateToLatest();
    if (error) {
      const failed = results?.find((result) => result.status === 'Error')?.migrationName ?? 'unknown';
      throw new StoreError('ERR_STORE_INVALID', `migration ${failed} failed: ${(error as Error).message}`);
    }
  };
  if (dialect === 'sqlite') return run(db);
  // Replicas starting together: one migrates, the others wait on the lock and find nothing left to do.
  await db.connection().execute(async (connection) => {
    await sql`select pg_advisory_lock(727274000)`.execute(connection);
    try {
      // The migrator looks for its own tables in every schema of the database unless told which: another deployment's
      // (in a schema of its own) would pass for ours. Ours are where the store's tables go.
      const { rows } = await sql<{ schema: string | null }>`select current_schema() as schema`.execute(connection);
      await run(connection, rows[0]?.schema ?? undefined);
    } finally {
      await sql`select pg_advisory_unlock(727274000)`.execute(connection);
    }
  });
}

/** Every repository on one executor: the store's connection pool, or one transaction. */
function repositories(db: Executor, dialect: Dialect, now: Clock): StoreRepositories {
  return {
    users: usersRepository(db, dialect, now),
    groups: groupsRepository(db, now),
    rules: accessRulesRepository(db, now),
    sessions: sessionsRepository(db, dialect, now),
    settings: settingsRepository(db),
    serviceAccounts: serviceAccountsRepository(db, dialect, now),
    tokens: apiTokensRepository(db, dialect, now),
    loginFailures: loginFailuresRepository(db, dialect),
    audit: auditEventsRepository(db, now),
    passwordResets: passwordResetsRepository(db, dialect, now),
    registryEvents: registryEventsRepository(db, now),
    index: registryIndexRepository(db, dialect),
  };
}

/**
 * @example
 * const store = await openStore({ type: 'sqlite', path: './data/registry-admin.db' });
 * const { items, total } = await store.users.list({ sort: ['login', 'ASC'], range: [0, 24] });
 */
export async function openStore(config: StoreConfig, options: StoreOptions = {}): Promise<Store> {
  const now = options.now ?? (() => new Date());
  const dialect: Dialect = config.type;
  const { db, locks } = await connect(config);
  try {
    await migrate(db, dialect);
  } catch (error) {
    await db.destroy();
    throw error;
  }
  return {
    dialect,
    db,
    ...repositories(db, dialect, now),
    transaction: (work) => db.transaction().execute((trx) => work(repositories(trx, dialect, now))),
    revision: () => readRevision(db),
    locks,
    loadAccessSnapshot: () =>
      db.transaction().execute(async (trx) => {
        if (dialect === 'postgres') await sql`set transaction isolation level repeatable read`.execute(trx);
        const revision = await readRevision(trx);
        const users = await trx
          .selectFrom('users')
          .select(['id', 'login', 'role', 'disabled', 'password_hash', 'registry_password_hash'])
          .orderBy('id')
          .execute();
        const members = await trx.selectFrom('group_members').select(['user_id', 'group_id']).execute();
        const rules = await trx.selectFrom('access_rules').selectAll().orderBy('id').execute();
        const accounts = await trx
          .selectFrom('service_accounts')
          .select(['id', 'name', 'disabled', 'secret_hash', 'expires_at'])
          .orderBy('id')
          .execute();
        const tokens = await trx
          .selectFrom('api_tokens')
          .select(['id', 'kind', 'user_id', 'token_hash', 'read_only', 'expires_at'])
          .orderBy('id')
          .execute();
        const groups = new Map<number, number[]>();
        for (const link of members) {
          const list = groups.get(link.user_id);
          if (list) list.push(link.group_id);
          else groups.set(link.user_id, [link.group_id]);
        }
        return {
          revision,
          users: users.map((row) => ({
            id: row.id,
            login: row.login,
            role: row.role as Role,
            disabled: Number(row.disabled) === 1,
            passwordHash: row.password_hash,
            registryPasswordHash: row.registry_password_hash ?? null,
            groups: groups.get(row.id) ?? [],
          })),
          rules: rules.map(toAccessRule),
          serviceAccounts: accounts.map((row) => ({
            id: row.id,
            name: row.name,
            disabled: Number(row.disabled) === 1,
            secretHash: row.secret_hash,
            expiresAt: row.expires_at,
          })),
          tokens: tokens.map((row) => ({
            id: row.id,
            kind: row.kind as ApiTokenKind,
            userId: Number(row.user_id),
            tokenHash: row.token_hash,
            readOnly: Number(row.read_only) === 1,
            expiresAt: row.expires_at,
          })),
        };
      }),
    close: () => db.destroy(),
  };
}
