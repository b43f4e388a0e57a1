import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore, StoreError } from './index';

describe('a SQLite file of another application', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ra-foreign-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  const digest = async (path: string) =>
    createHash('sha256')
      .update(await readFile(path))
      .digest('hex');

  it('is refused before anything is written to it, naming its tables', async () => {
    const path = join(dir, 'data.db');
    const other = new Database(path);
    other.exec('create table users (id integer primary key, login text); create table access (id integer primary key)');
    other.close();
    const before = await digest(path);
    const error = await openStore({ type: 'sqlite', path }).catch((failure: unknown) => failure);
    expect(error).toBeInstanceOf(StoreError);
    expect((error as StoreError).code).toBe('ERR_STORE_FOREIGN_DATABASE');
    expect((error as StoreError).message).toContain('access, users');
    expect(await digest(path)).toBe(before);
  });

  it('is not confused with an empty file or one of ours', async () => {
    const path = join(dir, 'ours.db');
    await (await openStore({ type: 'sqlite', path })).close();
    const store = await openStore({ type: 'sqlite', path });
    expect((await store.users.list({ range: [0, 0] })).total).toBe(0);
    await store.close();
  });
});
