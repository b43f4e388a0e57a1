/**
 * End to end: `registry-admin backup` copies the embedded database while the server runs and writes (rule changes and
 * registry notifications at the same time), each copy is the database of one instant, and a server started on a
 * restored copy answers the same access decisions as the one it was taken from.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningRegistryAdmin, registryConfig, runCli, startRegistryAdmin } from './harness/registry-admin';

const USERS = 4;
const STEPS = 40;

function event(id: string, repository: string) {
  return {
    id,
    timestamp: '2030-03-01T10:00:00.123456789Z',
    action: 'push',
    target: {
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      size: 512,
      digest: 'sha256:1111111111111111111111111111111111111111111111111111111111111111',
      length: 512,
      repository,
      url: `http://registry/v2/${repository}/manifests/sha256:1111`,
      tag: 'v1',
    },
    request: { id: 'r1', addr: '10.0.0.5:40000', host: 'registry', method: 'PUT', useragent: 'skopeo/1.9' },
    actor: { name: 'user0' },
    source: { addr: 'registry:5000', instanceID: 'i1' },
  };
}

describe('backup while serving, and restore', () => {
  let dir: string;
  let server: RunningRegistryAdmin;
  let restored: RunningRegistryAdmin | undefined;
  const userIds: number[] = [];

  async function api(target: RunningRegistryAdmin, method: string, path: string, body?: unknown, auth?: string) {
    const response = await fetch(`${target.url}${path}`, {
      method,
      headers: {
        authorization: auth ?? server.adminAuth,
        ...(body ? { 'content-type': 'application/json' } : {}),
      },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    const text = await response.text();
    if (response.status >= 300) throw new Error(`${method} ${path}: ${response.status} ${text}`);
    return text ? JSON.parse(text) : undefined;
  }

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ra-backup-'));
    server = await startRegistryAdmin([], { dataDir: join(dir, 'data') });
    for (let i = 0; i < USERS; i++) {
      userIds.push(
        (await api(server, 'POST', '/api/v1/users', { login: `user${i}`, password: `password-${i}-long` })).id,
      );
    }
  });

  afterAll(async () => {
    await restored?.stop();
    await server?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('takes consistent copies while rules change and events arrive, and the restored server decides the same', async () => {
    const secret = (await registryConfig(server)).notifications as {
      endpoints: Array<{ headers: { Authorization: string[] } }>;
    };
    const eventAuth = secret.endpoints[0]?.headers.Authorization[0] ?? '';
    const ruleIds: number[] = [];
    let writing = true;
    const writer = (async () => {
      try {
        for (let step = 0; step < STEPS; step++) {
          const rule = await api(server, 'POST', '/api/v1/access-rules', {
            subjectType: 'user',
            subjectId: userIds[step % USERS],
            pattern: `team${step}/**`,
            actions: step % 2 === 0 ? ['pull'] : ['pull', 'push'],
          });
          ruleIds.push(rule.id);
          if (step % 3 === 2) await api(server, 'DELETE', `/api/v1/access-rules/${ruleIds[step - 1]}`);
          const response = await fetch(`${server.url}/api/v1/registry/events`, {
            method: 'POST',
            headers: { authorization: eventAuth, 'content-type': 'application/vnd.docker.distribution.events.v1+json' },
            body: JSON.stringify({ events: [event(`ev-${step}`, `team${step}/app`)] }),
          });
          expect(response.status).toBeLessThan(300);
        }
      } finally {
        writing = false;
      }
    })();

    // Backups taken while the writer runs: a bounded number, one after the other.
    const copies: string[] = [];
    for (let i = 0; i < 3 && writing; i++) {
      const file = join(dir, `during-${i}.db`);
      const result = await runCli(['backup', file, '--data-dir', join(dir, 'data')]);
      expect(result.code, result.stderr).toBe(0);
      copies.push(file);
    }
    await writer;
    expect(copies.length).toBeGreaterThan(0);

    // Each copy is one instant: events ev-0..ev-k and the rules of the same steps, nothing torn.
    for (const file of copies) {
      const db = new Database(file, { readonly: true, fileMustExist: true });
      try {
        expect(db.prepare('pragma integrity_check').pluck().get()).toBe('ok');
        const events = (db.prepare('select id from registry_events').pluck().all() as string[])
          .map((id) => Number(id.slice(3)))
          .sort((a, b) => a - b);
        expect(events).toEqual(events.map((_, i) => i));
        const patterns = db.prepare('select pattern from access_rules').pluck().all() as string[];
        const steps = patterns.map((pattern) => Number(/^team(\d+)\//.exec(pattern)?.[1]));
        // Every rule created in a step whose event is in the copy; the writer is at most one step further.
        const last = events.length - 1;
        for (let step = 0; step <= last; step++) {
          // Step s + 1 deletes the rule of step s when s % 3 === 1; the copy may fall between the two.
          if (step === last && step % 3 === 1) continue;
          const deleted = step % 3 === 1;
          expect(steps.includes(step), `step ${step} of ${last}`).toBe(!deleted);
        }
        expect(Math.max(-1, ...steps)).toBeLessThanOrEqual(last + 1);
      } finally {
        db.close();
      }
    }

    const final = join(dir, 'final.db');
    const backup = await runCli(['backup', final, '--data-dir', join(dir, 'data')]);
    expect(backup.code, backup.stderr).toBe(0);
    // Refused: the same file again without --force, and a file that is not ours.
    expect((await runCli(['backup', final, '--data-dir', join(dir, 'data')])).stderr).toContain('--force');

    const fresh = join(dir, 'fresh');
    const restore = await runCli(['restore', final, '--data-dir', fresh]);
    expect(restore.code, restore.stderr).toBe(0);
    const again = await runCli(['restore', final, '--data-dir', fresh]);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('stop the server, then restore with --force');
    const foreign = join(dir, 'foreign.db');
    const other = new Database(foreign);
    other.exec('create table users (id integer primary key); create table access (id integer primary key)');
    other.close();
    const refused = await runCli(['restore', foreign, '--data-dir', join(dir, 'other')]);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain(`use \`registry-admin import ${foreign}\``);

    restored = await startRegistryAdmin([], { dataDir: fresh });
    for (let user = 0; user < USERS; user++) {
      for (let step = 0; step < STEPS; step += 3) {
        const query = `/api/v1/access-check?user=user${user}&scope=${encodeURIComponent(`repository:team${step}/app:pull,push`)}`;
        const before = await api(server, 'GET', query);
        const after = await api(restored, 'GET', query, undefined, server.adminAuth);
        expect(after, query).toEqual(before);
      }
    }
    const events = await api(restored, 'GET', '/api/v1/events?range=[0,99]', undefined, server.adminAuth);
    expect(events).toHaveLength(STEPS);
  }, 300_000);
});
