/**
 * `registry-admin backup <file>` and `registry-admin restore <file>` for the embedded (SQLite) store.
 *
 * backup uses SQLite's online backup, copying every page in one step under one read transaction: the copy is the
 * database as it was at one instant, while the server goes on serving and writing (WAL lets writers continue). It
 * is written beside the target and renamed into place, so a failed backup never leaves half a file.
 *
 * restore checks that the file is one of ours (this store's migrations table, an intact database) and copies it into
 * the configured database with the same online backup, so an open reader never sees a torn file. It refuses to
 * replace an existing database without --force. PostgreSQL deployments use pg_dump and pg_restore (see the README).
 */
import { access, chmod, mkdir, rename, rm } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { Config } from '../config/schema';
import { sqliteAddon } from '../runtime/embedded-files';
import { resolvePaths } from '../runtime/paths';
import { CliError, type CliIo } from './io';

/** The table Kysely's migrator keeps: present in every database this server made, in no other. */
const MIGRATIONS_TABLE = 'kysely_migration';
/** One backup step copies this many pages, i.e. all of them at once (SQLite's step takes a 32-bit count). */
const ALL_PAGES = 0x7fffffff;

const exists = (path: string) =>
  access(path).then(
    () => true,
    () => false,
  );

function refusePostgres(config: Config, command: 'backup' | 'restore'): void {
  if (config.store.type !== 'postgres') return;
  throw new CliError(
    command === 'backup'
      ? 'the store is PostgreSQL: back it up with pg_dump --format=custom (see the README, "Backup and restore")'
      : 'the store is PostgreSQL: restore it with pg_restore --clean --if-exists (see the README, "Backup and restore")',
    2,
  );
}

async function openSqlite(path: string, readonly: boolean) {
  const { default: Database } = await import('better-sqlite3');
  try {
    return new Database(path, { readonly, fileMustExist: true, ...sqliteAddon() });
  } catch (error) {
    throw new CliError(`cannot open ${path}: ${(error as Error).message}`);
  }
}

/** Throws unless `db` is an intact database of this server. */
function checkOurs(db: import('better-sqlite3').Database, path: string): void {
  let tables: string[];
  let integrity: unknown;
  try {
    tables = db.prepare("select name from sqlite_master where type = 'table'").pluck().all() as string[];
    integrity = db.prepare('pragma quick_check').pluck().get();
  } catch (error) {
    throw new CliError(`${path} is not a SQLite database: ${(error as Error).message}`);
  }
  if (!tables.includes(MIGRATIONS_TABLE)) {
    throw new CliError(
      `${path} is not a registry-admin database (no ${MIGRATIONS_TABLE} table)` +
        (tables.includes('access') && tables.includes('users')
          ? `; it looks like the Go registry-admin's: use \`registry-admin import ${path}\``
          : ''),
    );
  }
  if (integrity !== 'ok') throw new CliError(`${path} is damaged: ${String(integrity).slice(0, 200)}`);
}

export async function backupDatabase(config: Config, io: CliIo, args: { file: string; force?: boolean }) {
  refusePostgres(config, 'backup');
  const { database } = resolvePaths(config, io.cwd);
  const target = resolve(io.cwd, args.file);
  if (target === database) throw new CliError('the backup file must not be the database itself', 2);
  if (!args.force && (await exists(target))) {
    throw new CliError(`${target} exists; choose another file or use --force to replace it`, 2);
  }
  const source = await openSqlite(database, false);
  const temp = `${target}.${process.pid}.partial`;
  try {
    checkOurs(source, database);
    await mkdir(dirname(target), { recursive: true, mode: 0o700 });
    await rm(temp, { force: true });
    await source.backup(temp, { progress: () => ALL_PAGES });
    await chmod(temp, 0o600);
    const copy = await openSqlite(temp, true);
    try {
      checkOurs(copy, target);
    } finally {
      copy.close();
    }
    await rename(temp, target);
  } catch (error) {
    await rm(temp, { force: true });
    if (error instanceof CliError) throw error;
    throw new CliError(`backup of ${database} failed: ${(error as Error).message}`);
  } finally {
    source.close();
  }
  io.stdout.write(`backed up ${database} to ${target} (0600)\n`);
}

export async function restoreDatabase(config: Config, io: CliIo, args: { file: string; force?: boolean }) {
  refusePostgres(config, 'restore');
  const paths = resolvePaths(config, io.cwd);
  const file = resolve(io.cwd, args.file);
  if (file === paths.database) throw new CliError('the file to restore is the database itself', 2);
  const source = await openSqlite(file, true);
  try {
    checkOurs(source, file);
    if (await exists(paths.database)) {
      if (!args.force) {
        throw new CliError(
          `${paths.database} exists and may be in use: stop the server, then restore with --force to replace it`,
          2,
        );
      }
    } else {
      await mkdir(dirname(paths.database), { recursive: true, mode: 0o700 });
    }
    // The online backup writes the target under SQLite's locks, page by page in one step.
    await source.backup(paths.database, { progress: () => ALL_PAGES });
    await chmod(paths.database, 0o600);
  } catch (error) {
    if (error instanceof CliError) throw error;
    throw new CliError(`restore into ${paths.database} failed: ${(error as Error).message}`);
  } finally {
    source.close();
  }
  io.stdout.write(`restored ${file} into ${paths.database}; start (or restart) the server on it\n`);
}
