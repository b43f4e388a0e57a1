/**
 * The cluster locks: one holder at a time across processes on PostgreSQL (each store here stands for a replica),
 * freed when the holder's process dies; on SQLite always held by the one process.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore, type Store } from './index';

const url = process.env.RA_TEST_POSTGRES_URL;
if (!url) console.warn('RA_TEST_POSTGRES_URL is not set: the PostgreSQL cluster lock tests are skipped');

describe('cluster locks on SQLite', () => {
  let dir: string;
  let store: Store;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ra-locks-'));
    store = await openStore({ type: 'sqlite', path: join(dir, 'store.db') });
  });
  afterAll(async () => {
    await store?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('always leads, and runs one locked work at a time', async () => {
    const leader = store.locks.lock('leader');
    expect(await leader.acquire()).toBe(true);
    expect(leader.held).toBe(true);
    let release: () => void = () => {};
    const first = store.locks.withLock('index-sync', () => new Promise<string>((done) => (release = () => done('a'))));
    expect(await store.locks.withLock('index-sync', async () => 'b')).toEqual({ ran: false });
    release();
    expect(await first).toEqual({ ran: true, value: 'a' });
    expect(await store.locks.withLock('index-sync', async () => 'c')).toEqual({ ran: true, value: 'c' });
    await leader.release();
  });
});

describe.skipIf(!url)('cluster locks on PostgreSQL', () => {
  const schema = `ra_locks_${randomBytes(5).toString('hex')}`;
  const stores: Store[] = [];
  const open = async () => {
    const store = await openStore({ type: 'postgres', url: url as string, schema, poolSize: 2 });
    stores.push(store);
    return store;
  };
  afterAll(async () => {
    for (const store of stores) await store.close();
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    await client.query(`drop schema if exists "${schema}" cascade`);
    await client.end();
  });

  it('gives the leader lock to one store at a time, and to another once released', async () => {
    const [a, b] = [await open(), await open()];
    const leaderA = a.locks.lock('leader');
    const leaderB = b.locks.lock('leader');
    expect(await leaderA.acquire()).toBe(true);
    expect(await leaderB.acquire()).toBe(false);
    // Asking again while holding it checks the connection and keeps it.
    expect(await leaderA.acquire()).toBe(true);
    expect(await leaderB.acquire()).toBe(false);
    await leaderA.release();
    expect(leaderA.held).toBe(false);
    expect(await leaderB.acquire()).toBe(true);
    expect(await leaderA.acquire()).toBe(false);
    await leaderB.release();
  });

  it('runs locked work in one store only, and the others learn it at once', async () => {
    const [a, b] = [await open(), await open()];
    let release: () => void = () => {};
    let started: () => void = () => {};
    const running = new Promise<void>((done) => (started = done));
    const first = a.locks.withLock('index-sync', async () => {
      started();
      await new Promise<void>((done) => (release = done));
      return 'a';
    });
    await running;
    expect(await b.locks.withLock('index-sync', async () => 'b')).toEqual({ ran: false });
    // The leader lock is another lock.
    const leader = b.locks.lock('leader');
    expect(await leader.acquire()).toBe(true);
    await leader.release();
    release();
    expect(await first).toEqual({ ran: true, value: 'a' });
    expect(await b.locks.withLock('index-sync', async () => 'b')).toEqual({ ran: true, value: 'b' });
  });

  it('frees the lock of a process killed while holding it', { timeout: 20_000 }, async () => {
    const b = await open();
    // Another process takes the leader lock through the built store, says so, and is killed with SIGKILL.
    const script = `
      const { openStore } = await import(${JSON.stringify(new URL('../dist/index.js', import.meta.url).href)});
      const store = await openStore({ type: 'postgres', url: process.env.URL, schema: process.env.SCHEMA });
      console.log((await store.locks.lock('leader').acquire()) ? 'held' : 'refused');
      setInterval(() => {}, 1000);
    `;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
      env: { ...process.env, URL: url, SCHEMA: schema },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const said = await new Promise<string>((done) => child.stdout.once('data', (chunk: Buffer) => done(String(chunk))));
    expect(said.trim()).toBe('held');
    const leader = b.locks.lock('leader');
    expect(await leader.acquire()).toBe(false);
    child.kill('SIGKILL');
    await new Promise((done) => child.once('exit', done));
    // The server ends the session when the socket closes; allow it a bounded number of tries.
    let held = false;
    for (let i = 0; i < 50 && !held; i++) {
      held = await leader.acquire();
      if (!held) await new Promise((done) => setTimeout(done, 100));
    }
    expect(held).toBe(true);
    await leader.release();
  });

  it('reports a lost connection, and takes the lock again on a new one', { timeout: 20_000 }, async () => {
    const errors: unknown[] = [];
    const store = await open();
    // The server ends the holder's connection: the lock is lost, said once noticed, and taken again when free.
    const leader = store.locks.lock('leader', { onError: (error) => errors.push(error) });
    expect(await leader.acquire()).toBe(true);
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    await admin.query(
      `select pg_terminate_backend(pid) from pg_locks where locktype = 'advisory' and classid = 727274 and granted and pid <> pg_backend_pid()
         and objid = (select hashtext($1 || ':leader'))::oid`,
      [schema],
    );
    await admin.end();
    for (let i = 0; i < 50 && errors.length === 0; i++) {
      await leader.acquire();
      await new Promise((done) => setTimeout(done, 100));
    }
    expect(errors.length).toBeGreaterThan(0);
    expect(await leader.acquire()).toBe(true);
    await leader.release();
  });
});
