/** Shared pieces of the repositories: clock, transactions, revision counter, constraint errors, the admin lock. */
import { sql, type Transaction } from 'kysely';
import type { Database, Dialect, Executor } from './database';
import { StoreError } from './errors';

/** Where every default timestamp of the store comes from (`openStore(config, { now })`; tests pass a fixed one). */
export type Clock = () => Date;

/**
 * Runs `work` in a transaction: a new one on the store's connection, or — when `db` is already a transaction that a
 * caller opened with `store.transaction` — inside that one, so a repository's write commits or rolls back with
 * whatever else the caller does in it.
 */
export function transact<T>(db: Executor, work: (trx: Transaction<Database>) => Promise<T>): Promise<T> {
  return db.isTransaction ? work(db as Transaction<Database>) : db.transaction().execute(work);
}

/** Every write that changes who may do what bumps the revision, so replicas know to reload their snapshot. */
export async function bumpRevision(db: Executor): Promise<void> {
  await db
    .updateTable('meta')
    .set((eb) => ({ value: eb('value', '+', 1) }))
    .where('key', '=', 'revision')
    .execute();
}

export async function readRevision(db: Executor): Promise<number> {
  const row = await db.selectFrom('meta').select('value').where('key', '=', 'revision').executeTakeFirst();
  return Number(row?.value ?? 0);
}

/** Serializes changes that could remove the last admin (PostgreSQL; SQLite transactions are serialized anyway). */
export async function lockAdmins(db: Executor, dialect: Dialect): Promise<void> {
  if (dialect === 'postgres') await sql`select pg_advisory_xact_lock(727274001)`.execute(db);
}

/**
 * Whether the user exists, holding its row until the transaction ends on PostgreSQL, so a user's per-user limits
 * (sessions, tokens) are checked and enforced by one transaction at a time (SQLite serializes writers anyway).
 */
export async function lockUser(db: Executor, dialect: Dialect, userId: number): Promise<boolean> {
  const owner = db.selectFrom('users').select('id').where('id', '=', userId);
  return (await (dialect === 'postgres' ? owner.forUpdate() : owner).executeTakeFirst()) !== undefined;
}

/**
 * Users and service accounts share one namespace (both become a token's `sub`, and `{user}` rules key on it). Each
 * side checks the other table inside its transaction; on PostgreSQL this lock keeps two such transactions from
 * passing the check at once (SQLite transactions are serialized anyway).
 */
export async function lockNames(db: Executor, dialect: Dialect): Promise<void> {
  if (dialect === 'postgres') await sql`select pg_advisory_xact_lock(727274002)`.execute(db);
}

/** Fails with ERR_STORE_CONFLICT naming `field` when a user (or service account) already has this name. */
export async function requireNameFree(
  db: Executor,
  taken: 'users' | 'service_accounts',
  name: string,
  field: string,
): Promise<void> {
  const row =
    taken === 'users'
      ? await db.selectFrom('users').select('id').where('login', '=', name).executeTakeFirst()
      : await db.selectFrom('service_accounts').select('id').where('name', '=', name).executeTakeFirst();
  if (row) {
    const holder = taken === 'users' ? 'a user' : 'a service account';
    throw new StoreError('ERR_STORE_CONFLICT', `${field} is already taken by ${holder}`, field);
  }
}

function constraintKind(error: unknown): 'unique' | 'foreign' | undefined {
  const code = (error as { code?: unknown }).code;
  if (code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY')
    return 'unique';
  if (code === '23503' || code === 'SQLITE_CONSTRAINT_FOREIGNKEY') return 'foreign';
  return undefined;
}

/** Maps unique and foreign-key violations to StoreErrors naming the field. */
export async function mapConstraint<T>(
  run: () => Promise<T>,
  fields: { unique?: string; foreign?: string },
): Promise<T> {
  try {
    return await run();
  } catch (error) {
    const kind = constraintKind(error);
    if (kind === 'unique' && fields.unique) {
      throw new StoreError('ERR_STORE_CONFLICT', `${fields.unique} is already taken`, fields.unique);
    }
    if (kind === 'foreign' && fields.foreign) {
      throw new StoreError(
        'ERR_STORE_REFERENCE',
        `${fields.foreign} refers to something that does not exist`,
        fields.foreign,
      );
    }
    throw error;
  }
}

export function requireText(value: unknown, field: string, max: number, allowEmpty = false): string {
  if (typeof value !== 'string' || (!allowEmpty && value.length === 0) || value.length > max) {
    throw new StoreError(
      'ERR_STORE_INVALID',
      `${field} must be a string of ${allowEmpty ? 0 : 1}-${max} characters`,
      field,
    );
  }
  return value;
}

export function requireIds(value: unknown, field: string): number[] {
  if (!Array.isArray(value) || !value.every((id) => Number.isSafeInteger(id) && id > 0)) {
    throw new StoreError('ERR_STORE_INVALID', `${field} must be a list of ids`, field);
  }
  return [...new Set(value as number[])];
}

/** Fails with ERR_STORE_REFERENCE unless every id exists in `table`. */
export async function requireExisting(
  db: Executor,
  table: 'users' | 'groups' | 'service_accounts',
  ids: number[],
  field: string,
): Promise<void> {
  if (ids.length === 0) return;
  const rows = await db.selectFrom(table).select('id').where('id', 'in', ids).execute();
  if (rows.length !== ids.length) {
    const found = new Set(rows.map((row) => row.id));
    const missing = ids.filter((id) => !found.has(id));
    throw new StoreError(
      'ERR_STORE_REFERENCE',
      `${field}: no ${table.slice(0, -1).replace('_', ' ')} with id ${missing.join(', ')}`,
      field,
    );
  }
}
