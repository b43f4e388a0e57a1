/**
 * End to end: htpasswd mode (`--registry.auth-type basic`). The real registry authenticates skopeo against the
 * htpasswd file this server keeps: a created user can push, a wrong or old password cannot, a disabled or deleted
 * user cannot, a changed password works; a user from before (argon2 only) enters the file when signing in; the
 * server's own login (sync, deletes) is in the file too; `registry-config` prints the htpasswd block.
 */
import { mkdir, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  buildOciImage,
  type Credentials,
  copyToRegistry,
  describeE2E,
  type OciImage,
  type RunningRegistry,
  startRegistry,
} from '@registry-admin/test-support';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  freePort,
  type RunningRegistryAdmin,
  registryConfig,
  runCli,
  startRegistryAdmin,
} from './harness/registry-admin';

const LONG = 300_000;
const sync: Credentials = { username: 'ra-sync', password: 'sync-password-1234' };
const alice: Credentials = { username: 'alice', password: 'alice-password-1' };
const bob: Credentials = { username: 'bob', password: 'bob-password-12' };

describeE2E('htpasswd mode with the real registry and skopeo', () => {
  let dir: string;
  let dataDir: string;
  let htpasswd: string;
  let port: number;
  let server: RunningRegistryAdmin;
  let registry: RunningRegistry;
  let image: OciImage;
  let aliceId: number;
  /** The admin of the first start: later starts find the account there and keep its password. */
  let adminAuth: string;

  const basicArgs = () => [
    '--registry.auth-type',
    'basic',
    '--registry.htpasswd',
    htpasswd,
    '--registry.host',
    'http://127.0.0.1',
    '--registry.port',
    String(port),
    '--registry.login',
    sync.username,
    `--registry.password=${sync.password}`,
  ];
  async function api(method: string, path: string, body?: unknown) {
    const response = await fetch(`${server.url}${path}`, {
      method,
      headers: { authorization: adminAuth, ...(body ? { 'content-type': 'application/json' } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    const text = await response.text();
    if (response.status >= 300) throw new Error(`${method} ${path}: ${response.status} ${text}`);
    return text ? JSON.parse(text) : undefined;
  }
  const logins = async () =>
    (await readFile(htpasswd, 'utf8'))
      .split('\n')
      .filter(Boolean)
      .map((line) => line.slice(0, line.indexOf(':')));
  /** The file is rewritten after each change: wait (bounded by count) until it says what is expected. */
  const fileHas = async (login: string, present: boolean) => {
    for (let i = 0; i < 150 && (await logins()).includes(login) !== present; i++) await sleep(100);
    expect(await logins()).toSatisfy((list: string[]) => list.includes(login) === present);
  };
  const push = (who: Credentials, tag: string) =>
    copyToRegistry(image.dir, 'v1', `127.0.0.1:${port}/team/app:${tag}`, who);

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ra-htpasswd-'));
    dataDir = join(dir, 'data');
    htpasswd = join(dir, 'registry', 'htpasswd');
    port = await freePort();
    image = await buildOciImage(join(dir, 'image'), { tag: 'v1', seed: 'htpasswd' });
    // A user from token mode: only an argon2 hash, no bcrypt yet.
    const before = await startRegistryAdmin([], { dataDir });
    server = before;
    adminAuth = before.adminAuth;
    await api('POST', '/api/v1/users', { login: bob.username, password: bob.password });
    await before.stop();
    await mkdir(join(dir, 'registry'));
    server = await startRegistryAdmin(basicArgs(), { dataDir });
    registry = await startRegistry({ port, htpasswd });
  }, LONG);
  afterAll(async () => {
    await server?.stop();
    await registry?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('writes the file at start with the server entry and the admin, bcrypt only, mode 0640', async () => {
    const text = await readFile(htpasswd, 'utf8');
    const lines = text.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^ra-sync:\$2[aby]\$10\$[./A-Za-z0-9]{53}$/);
    // admin was created in token mode too: not in the file until it signs in or gets a new password.
    for (const line of lines) expect(line).toMatch(/^[a-z0-9._-]+:\$2[aby]\$\d\d\$/);
    expect(await logins()).not.toContain('bob');
    expect((await stat(htpasswd)).mode & 0o777).toBe(0o640);
    expect(server.logs()).toContain('not in it until they sign in or get a new password');
    const fragment = (await registryConfig(server, basicArgs())) as unknown as { auth: Record<string, unknown> };
    expect(fragment.auth).toEqual({ htpasswd: { realm: 'container_registry', path: htpasswd } });
  });

  it(
    'lets a created user push; refuses a wrong password',
    async () => {
      aliceId = (await api('POST', '/api/v1/users', { login: alice.username, password: alice.password })).id;
      await fileHas('alice', true);
      const pushed = await push(alice, 'v1');
      expect(pushed.code, pushed.stderr).toBe(0);
      const wrong = await push({ ...alice, password: 'not-her-password' }, 'v2');
      expect(wrong.code).not.toBe(0);
      expect(wrong.stderr).toMatch(/unauthorized|authentication required|401/i);
    },
    LONG,
  );

  it(
    'takes a changed password at once and refuses the old one',
    async () => {
      const changed = 'alice-new-password';
      await api('PUT', `/api/v1/users/${aliceId}`, { password: changed });
      for (let i = 0; i < 150 && (await push(alice, 'old')).code === 0; i++) await sleep(100);
      expect((await push(alice, 'old')).code).not.toBe(0);
      const pushed = await push({ ...alice, password: changed }, 'v3');
      expect(pushed.code, pushed.stderr).toBe(0);
      alice.password = changed;
    },
    LONG,
  );

  it(
    'refuses a disabled user, lets it back when re-enabled, refuses a deleted one',
    async () => {
      await api('PUT', `/api/v1/users/${aliceId}`, { disabled: true });
      await fileHas('alice', false);
      expect((await push(alice, 'disabled')).code).not.toBe(0);
      await api('PUT', `/api/v1/users/${aliceId}`, { disabled: false });
      await fileHas('alice', true);
      expect((await push(alice, 'enabled')).code).toBe(0);
      await api('DELETE', `/api/v1/users/${aliceId}`);
      await fileHas('alice', false);
      expect((await push(alice, 'deleted')).code).not.toBe(0);
    },
    LONG,
  );

  it(
    'adds a user from before to the file when it signs in (its password is known only then)',
    async () => {
      expect((await push(bob, 'bob')).code).not.toBe(0);
      const login = await fetch(`${server.url}/api/v1/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ login: bob.username, password: bob.password }),
      });
      expect(login.status).toBe(200);
      await fileHas('bob', true);
      const pushed = await push(bob, 'bob');
      expect(pushed.code, pushed.stderr).toBe(0);
    },
    LONG,
  );

  it(
    'uses its own login for sync and deletes; `user add` from the shell reaches the file of the running server',
    async () => {
      const synced = await api('POST', '/api/v1/registry/sync');
      expect(synced).toMatchObject({ repositories: 1 });
      expect(synced.tags).toBeGreaterThanOrEqual(3);
      await api('DELETE', '/api/v1/tags/team/app:v3');

      const added = await runCli([
        'user',
        'add',
        'carol',
        '--password',
        'carol-password-1',
        '--data-dir',
        dataDir,
        ...basicArgs(),
      ]);
      expect(added.code, added.stderr).toBe(0);
      await fileHas('carol', true);
      const pushed = await push({ username: 'carol', password: 'carol-password-1' }, 'carol');
      expect(pushed.code, pushed.stderr).toBe(0);
    },
    LONG,
  );
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
