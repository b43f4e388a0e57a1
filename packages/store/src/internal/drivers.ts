/**
 * The database drivers are optional peer dependencies: each is loaded when a store of its dialect is opened, so a
 * PostgreSQL deployment needs neither better-sqlite3 nor its native addon, and a SQLite one needs no pg.
 */
import type BetterSqlite3 from 'better-sqlite3';
import type Pg from 'pg';
import { StoreError } from './errors';

async function load<T>(driver: string, dialect: string, importDriver: () => Promise<{ default: T }>): Promise<T> {
  try {
    return (await importDriver()).default;
  } catch (error) {
    throw new StoreError(
      'ERR_STORE_DRIVER_MISSING',
      `a ${dialect} store needs the ${driver} package (npm install ${driver}); it could not be loaded: ${(error as Error).message}`,
      undefined,
      { cause: error },
    );
  }
}

export const loadSqliteDriver = (): Promise<typeof BetterSqlite3> =>
  load('better-sqlite3', 'SQLite', () => import('better-sqlite3'));

export const loadPostgresDriver = (): Promise<typeof Pg> => load('pg', 'PostgreSQL', () => import('pg'));
