/**
 * Two deployments in one PostgreSQL database, each in a schema of its own (`--store.postgres.schema`): both migrate,
 * whichever comes first, and neither sees the other's data.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { openStore, type Store } from './index';

const url = process.env.RA_TEST_POSTGRES_URL;

describe.skipIf(!url)('PostgreSQL schemas', () => {
  const suffix = randomBytes(5).toString('hex');
  const schemas = [`ra_first_${suffix}`, `ra_second_${suffix}`];
  const opened: Store[] = [];
  afterAll(async () => {
    await Promise.all(opened.map((store) => store.close()));
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    for (const schema of schemas) await client.query(`drop schema if exists "${schema}" cascade`);
    await client.end();
  });

  it('keeps a deployment per schema in one database, each migrated on its own', async () => {
    const [first, second] = schemas as [string, string];
    const a = await openStore({ type: 'postgres', url: url as string, schema: first, poolSize: 2 });
    opened.push(a);
    await a.users.create({ login: 'only-in-first', passwordHash: 'x' });
    // The second finds the first's migration tables in the database, but not in its schema.
    const b = await openStore({ type: 'postgres', url: url as string, schema: second, poolSize: 2 });
    opened.push(b);
    await b.users.create({ login: 'only-in-second', passwordHash: 'x' });
    expect(await a.users.getByLogin('only-in-second')).toBeUndefined();
    expect((await b.users.getByLogin('only-in-second'))?.login).toBe('only-in-second');
    expect(await b.users.getByLogin('only-in-first')).toBeUndefined();

    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      const { rows } = await client.query<{ table_schema: string }>(
        "select table_schema from information_schema.tables where table_name = 'kysely_migration' and table_schema = any($1) order by 1",
        [schemas],
      );
      expect(rows.map((row) => row.table_schema)).toEqual([...schemas].sort());
    } finally {
      await client.end();
    }
    // Opened again, each finds its migrations done.
    const again = await openStore({ type: 'postgres', url: url as string, schema: first, poolSize: 1 });
    opened.push(again);
    expect((await again.users.getByLogin('only-in-first'))?.login).toBe('only-in-first');
  });
});
