/**
 * End to end: moving from the Go registry-admin. A database in its schema (users with bcrypt hashes, groups, access
 * rows, repositories shared with everyone and with registered users) is imported, and its certificate files are used
 * as they are; the real registry, trusting its CA bundle unchanged, then lets the same users push and pull the same
 * repositories through skopeo, and nothing else. Its database file is never changed.
 */
import { createHash } from 'node:crypto';
import { access, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  buildOciImage,
  type Credentials,
  copyFromRegistry,
  copyToRegistry,
  describeE2E,
  inspect,
  type OciImage,
  type RunningRegistry,
  startRegistry,
} from '@registry-admin/test-support';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { GO_EVERYONE, GO_REGISTERED, writeGoCertificates, writeGoDatabase } from './harness/go-registry-admin';
import { type RunningRegistryAdmin, runCli, startRegistryAdmin } from './harness/registry-admin';

const admin: Credentials = { username: 'admin', password: 'go-admin-password' };
const alice: Credentials = { username: 'alice', password: 'alice-password' };
const bob: Credentials = { username: 'bob', password: 'bob-password' };
const carol: Credentials = { username: 'carol', password: 'carol-password' };
const SERVICE = 'container_registry';
const ISSUER = 'registry_token_issuer';

describeE2E('migrating from the Go registry-admin: its data.db and its certificates', () => {
  let dir: string;
  let goDatabase: string;
  let dataDir: string;
  let certs: Awaited<ReturnType<typeof writeGoCertificates>>;
  let sourceDigest: string;
  let server: RunningRegistryAdmin | undefined;
  let registry: RunningRegistry | undefined;
  let image: OciImage;
  const digest = async (path: string) =>
    createHash('sha256')
      .update(await readFile(path))
      .digest('hex');
  const exists = (path: string) =>
    access(path).then(
      () => true,
      () => false,
    );
  const certFlags = () => [
    '--registry.certs.key',
    certs.key,
    '--registry.certs.public-key',
    certs.publicKey,
    '--registry.certs.ca-root',
    certs.ca,
  ];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ra-go-migration-'));
    goDatabase = join(dir, 'store.db');
    dataDir = join(dir, 'data');
    writeGoDatabase(goDatabase, {
      groups: [
        { id: 1, name: 'default', description: 'Default administration group' },
        { id: 2, name: 'developers' },
      ],
      users: [
        { id: 1, login: 'admin', password: admin.password, role: 'admin', group: 1 },
        { id: 2, login: 'alice', password: alice.password, role: 'user', group: 2 },
        { id: 3, login: 'bob', password: bob.password, role: 'user', group: 1 },
        { id: 4, login: 'carol', password: carol.password, role: 'user', group: 1, disabled: true },
        { id: 5, login: 'Not A Login', password: 'whatever-password', role: 'user', group: 1 },
        { id: 6, login: 'dave', password: 'dave-password', role: 'manager', group: 2 },
      ],
      access: [
        { owner: 2, repository: 'team/app', action: 'pull' },
        { owner: 2, repository: 'team/app', action: 'push' },
        { owner: 3, repository: 'team/app', action: 'pull' },
        { owner: 3, repository: 'team/app', action: 'push', disabled: true },
        { owner: 4, repository: 'team/app', action: 'pull' },
        { owner: 2, isGroup: true, repository: 'devs/tool', action: 'pull' },
        { owner: 2, isGroup: true, repository: 'devs/tool', action: 'push' },
        { owner: GO_EVERYONE, repository: 'public/base', action: 'pull' },
        { owner: GO_REGISTERED, repository: 'shared/lib', action: 'pull' },
        { owner: 3, type: 'registry', repository: 'catalog', action: '*' },
      ],
      repositories: ['team/app', 'public/base'],
    });
    certs = await writeGoCertificates(dir, { dns: ['localhost'], ip: '127.0.0.1' });
    sourceDigest = await digest(goDatabase);
    image = await buildOciImage(join(dir, 'image'), { tag: 'v1', seed: 'go-migration' });
  });

  afterAll(async () => {
    await registry?.stop();
    await server?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('prints what a dry run would create and what it cannot map, and writes nothing', async () => {
    const result = await runCli(['import', goDatabase, '--dry-run', '--data-dir', dataDir]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('would create group "developers"');
    expect(result.stdout).toContain('would create user "alice" (role user, group "developers"; bcrypt hash kept');
    expect(result.stdout).toContain('would create user "carol" (role user, disabled');
    expect(result.stdout).toContain('would create rule: user "alice" may pull, push "team/app"');
    expect(result.stdout).toContain('would create rule: group "developers" may pull, push "devs/tool"');
    expect(result.stdout).toContain('would create rule: everyone (anonymous too) may pull "public/base"');
    expect(result.stdout).toContain('would create rule: every registered user may pull "shared/lib"');
    expect(result.stdout).toMatch(/not mapped: user 5 "Not A Login": not a valid login/);
    expect(result.stdout).toMatch(/not mapped: access row 4 .*disabled there/);
    expect(result.stdout).toMatch(/not mapped: access row 10 .*resource type "registry"/);
    expect(result.stdout).toContain('not mapped: 2 repositories of its index');
    expect(result.stdout).toContain('would create 2 group(s), 5 user(s), 6 rule(s)');
    const users = await runCli(['user', 'list', '--json', '--data-dir', dataDir]);
    expect(JSON.parse(users.stdout)).toEqual([]);
  }, 180_000);

  it('imports once: a second run creates nothing, and the source file is never changed', async () => {
    const first = await runCli(['import', goDatabase, '--data-dir', dataDir]);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toContain('created 2 group(s), 5 user(s), 6 rule(s)');
    const second = await runCli(['import', goDatabase, '--data-dir', dataDir]);
    expect(second.code, second.stderr).toBe(0);
    expect(second.stdout).toContain('created 0 group(s), 0 user(s), 0 rule(s); 13 already here');
    expect(second.stdout).toContain('exists: user "alice" exists');
    expect(await digest(goDatabase)).toBe(sourceDigest);
    for (const suffix of ['-journal', '-wal', '-shm']) expect(await exists(`${goDatabase}${suffix}`)).toBe(false);
  }, 180_000);

  it('refuses to serve on its data.db (its RA_STORE_EMBED_DB_PATH), leaves it unchanged and names the import', async () => {
    const result = await runCli(['serve', '--data-dir', join(dir, 'refused'), '--port', '0'], {
      env: { RA_STORE_EMBED_DB_PATH: goDatabase },
    });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('RA_STORE_EMBED_DB_PATH (--store.embed.path of the Go registry-admin)');
    expect(result.stderr).toContain("holds another application's tables");
    expect(result.stderr).toContain(`registry-admin import ${goDatabase}`);
    expect(await digest(goDatabase)).toBe(sourceDigest);
  }, 180_000);

  it('lets the imported users push and pull what they could there, through the registry trusting its CA file', async () => {
    server = await startRegistryAdmin([...certFlags(), '--registry.service', SERVICE, '--registry.issuer', ISSUER], {
      dataDir,
    });
    registry = await startRegistry({
      auth: {
        realm: `${server.url}/api/v1/registry/auth`,
        service: SERVICE,
        issuer: ISSUER,
        rootcertbundle: certs.ca,
      },
    });
    const ref = (repository: string, tag = 'v1') => `${registry?.host}/${repository}:${tag}`;
    const allowed = async (run: Promise<{ code: number; stderr: string }>) => {
      const result = await run;
      expect(result.code, result.stderr).toBe(0);
    };
    const refused = async (run: Promise<{ code: number; stderr: string }>) => {
      const result = await run;
      expect(result.code).not.toBe(0);
      expect(result.stderr).toMatch(/denied|unauthorized|authentication required/i);
    };
    const pullDir = await mkdtemp(join(tmpdir(), 'ra-go-pull-'));

    // Its admin, with its bcrypt password, may push anywhere.
    for (const repository of ['public/base', 'shared/lib', 'devs/tool']) {
      await allowed(copyToRegistry(image.dir, 'v1', ref(repository), admin));
    }
    await allowed(copyToRegistry(image.dir, 'v1', ref('team/app'), alice));
    await allowed(copyToRegistry(image.dir, 'v1', ref('devs/tool', 'v2'), alice));
    await refused(copyToRegistry(image.dir, 'v1', ref('public/base', 'v2'), alice));
    await refused(copyToRegistry(image.dir, 'v1', ref('team/app', 'v3'), { ...alice, password: 'wrong-password' }));

    await allowed(copyFromRegistry(ref('team/app'), join(pullDir, 'bob'), bob));
    await allowed(inspect(ref('shared/lib'), bob));
    await refused(copyToRegistry(image.dir, 'v1', ref('team/app', 'v2'), bob));
    await refused(inspect(ref('devs/tool'), bob));

    const anonymous = await inspect(ref('public/base'));
    expect(anonymous.code, anonymous.stderr).toBe(0);
    expect(anonymous.digest).toBe(image.manifestDigest);
    await refused(inspect(ref('shared/lib')));
    await refused(inspect(ref('team/app')));

    // Disabled there, disabled here: not even what anonymous clients may pull.
    await refused(inspect(ref('team/app'), carol));
    await refused(inspect(ref('public/base'), carol));
  }, 180_000);

  it('replaces each imported bcrypt hash with argon2id once its user has signed in', async () => {
    const ours = new Database(join(dataDir, 'registry-admin.db'), { readonly: true, fileMustExist: true });
    try {
      const hashOf = (login: string) =>
        ours.prepare('select password_hash from users where login = ?').pluck().get(login) as string;
      // The re-hash runs in the background after the sign-in: look a bounded number of times.
      for (let attempt = 0; attempt < 100 && !hashOf('alice').startsWith('$argon2id$'); attempt++) {
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(hashOf('alice')).toMatch(/^\$argon2id\$/);
      expect(hashOf('bob')).toMatch(/^\$argon2id\$/);
      // dave never signed in: his hash is still the imported one.
      expect(hashOf('dave')).toMatch(/^\$2a\$10\$/);
    } finally {
      ours.close();
    }
    expect(await digest(goDatabase)).toBe(sourceDigest);
  }, 180_000);
});
