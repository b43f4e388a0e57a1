/** The stores the library's tests run on: SQLite always, PostgreSQL (a schema of its own) when RA_TEST_POSTGRES_URL is set. */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore, type Store, type StoreConfig } from '@registry-admin/store';
import pg from 'pg';
import { afterAll, beforeAll } from 'vitest';

export interface StoreTarget {
  name: string;
  config(): Promise<StoreConfig>;
  cleanup(): Promise<void>;
}

export function storeTargets(prefix: string): StoreTarget[] {
  const postgresUrl = process.env.RA_TEST_POSTGRES_URL;
  let dir = '';
  const sqlite: StoreTarget = {
    name: 'sqlite',
    async config() {
      dir = await mkdtemp(join(tmpdir(), `${prefix}-`));
      return { type: 'sqlite', path: join(dir, 'store.db') };
    },
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
  if (!postgresUrl) return [sqlite];
  const schema = `${prefix.replaceAll('-', '_')}_${randomBytes(6).toString('hex')}`;
  const postgres: StoreTarget = {
    name: 'postgres',
    config: async () => ({ type: 'postgres', url: postgresUrl, schema, poolSize: 4 }),
    async cleanup() {
      const client = new pg.Client({ connectionString: postgresUrl });
      await client.connect();
      await client.query(`drop schema if exists "${schema}" cascade`);
      await client.end();
    },
  };
  return [sqlite, postgres];
}

/**
 * Opens the target's store before the tests of the `describe` this is called in, hands it to `opened`, and closes
 * and removes it after them.
 */
export function withStore(target: StoreTarget, opened: (store: Store) => void): void {
  let store: Store | undefined;
  beforeAll(async () => {
    store = await openStore(await target.config());
    opened(store);
  });
  afterAll(async () => {
    await store?.close();
    await target.cleanup();
  });
}
