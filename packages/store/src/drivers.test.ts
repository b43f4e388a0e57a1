/**
 * Drivers load with the dialect that needs them: with better-sqlite3 unloadable (say its native addon was never
 * built) the package still imports and PostgreSQL stores open; with pg missing, SQLite stores open. The missing one
 * is named in an ERR_STORE_DRIVER_MISSING that keeps the loader's error as its cause.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { StoreError } from './index';

const postgresUrl = process.env.RA_TEST_POSTGRES_URL;

async function errorOf(run: () => Promise<unknown>): Promise<StoreError> {
  try {
    await run();
  } catch (error) {
    return error as StoreError;
  }
  throw new Error('expected an error');
}

describe('database drivers', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ra-drivers-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));
  afterEach(() => {
    vi.doUnmock('better-sqlite3');
    vi.doUnmock('pg');
    vi.resetModules();
  });

  it('imports, and opens PostgreSQL, without better-sqlite3', async () => {
    vi.doMock('better-sqlite3', () => {
      throw new Error('better_sqlite3.node: the native addon was not built');
    });
    vi.resetModules();
    const { openStore } = await import('./index');

    const error = await errorOf(() => openStore({ type: 'sqlite', path: join(dir, 'a.db') }));
    expect(error.code).toBe('ERR_STORE_DRIVER_MISSING');
    expect(error.message).toContain('needs the better-sqlite3 package');
    expect(error.cause).toBeInstanceOf(Error);

    if (!postgresUrl) return;
    const schema = `ra_drivers_${randomBytes(6).toString('hex')}`;
    const store = await openStore({ type: 'postgres', url: postgresUrl, schema, poolSize: 2 });
    try {
      const user = await store.users.create({ login: 'alice', passwordHash: 'x' });
      expect((await store.users.get(user.id))?.login).toBe('alice');
    } finally {
      await store.close();
      const client = new pg.Client({ connectionString: postgresUrl });
      await client.connect();
      await client.query(`drop schema if exists "${schema}" cascade`);
      await client.end();
    }
  });

  it('opens SQLite without pg, and names pg when PostgreSQL is asked for', async () => {
    vi.doMock('pg', () => {
      throw new Error("Cannot find package 'pg'");
    });
    vi.resetModules();
    const { openStore } = await import('./index');

    const store = await openStore({ type: 'sqlite', path: join(dir, 'b.db') });
    try {
      const user = await store.users.create({ login: 'bob', passwordHash: 'x' });
      expect((await store.users.get(user.id))?.login).toBe('bob');
    } finally {
      await store.close();
    }
    const error = await errorOf(() => openStore({ type: 'postgres', url: 'postgres://nobody@127.0.0.1:1/none' }));
    expect(error.code).toBe('ERR_STORE_DRIVER_MISSING');
    expect(error.message).toContain('needs the pg package');
    expect(error.cause).toBeInstanceOf(Error);
  });
  it('loads better-sqlite3 with the native addon it is given (nativeBinding), and fails on one that is not there', async () => {
    const { openStore } = await import('./index');
    const addon = join(
      dirname(createRequire(import.meta.url).resolve('better-sqlite3/package.json')),
      'build/Release/better_sqlite3.node',
    );
    const store = await openStore({ type: 'sqlite', path: join(dir, 'bound.db'), nativeBinding: addon });
    expect((await store.users.list({ sort: ['login', 'ASC'], range: [0, 9] })).total).toBe(0);
    await store.close();
    await expect(
      openStore({ type: 'sqlite', path: join(dir, 'unbound.db'), nativeBinding: join(dir, 'missing.node') }),
    ).rejects.toThrow(/missing\.node/);
  });
});
