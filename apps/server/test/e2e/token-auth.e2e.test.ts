/**
 * End to end: the real registry trusts registry-admin's tokens, and skopeo, as a real client, is allowed or refused
 * exactly as the access rules say.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  buildOciImage,
  type Credentials,
  copyFromRegistry,
  copyToRegistry,
  deleteImage,
  describeE2E,
  inspect,
  login,
  type OciImage,
  type RunningRegistry,
  startRegistry,
} from '@registry-admin/test-support';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type RunningRegistryAdmin, registryConfig, startRegistryAdmin } from './harness/registry-admin';

const pusher: Credentials = { username: 'pusher', password: 'pusher-password' };
const puller: Credentials = { username: 'puller', password: 'puller-password' };
const deleter: Credentials = { username: 'deleter', password: 'deleter-password' };
const member: Credentials = { username: 'member', password: 'member-password' };
const outsider: Credentials = { username: 'outsider', password: 'outsider-password' };
const leaver: Credentials = { username: 'leaver', password: 'leaver-password' };

describeE2E('token authentication with the real registry and skopeo', () => {
  let server: RunningRegistryAdmin;
  let registry: RunningRegistry;
  let image: OciImage;
  let other: OciImage;
  let admin: Credentials;
  const ids = new Map<string, number>();

  async function api(method: string, path: string, body?: unknown) {
    const response = await fetch(`${server.url}${path}`, {
      method,
      headers: { authorization: server.adminAuth, ...(body ? { 'content-type': 'application/json' } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    const text = await response.text();
    if (response.status >= 300) throw new Error(`${method} ${path}: ${response.status} ${text}`);
    return text ? JSON.parse(text) : undefined;
  }
  const rule = (subjectType: string, subjectId: number | null, pattern: string, actions: string[]) =>
    api('POST', '/api/v1/access-rules', { subjectType, subjectId, pattern, actions });
  const ref = (repository: string, tag = 'v1') => `${registry.host}/${repository}:${tag}`;

  beforeAll(async () => {
    server = await startRegistryAdmin(['--registry.service', 'e2e-registry', '--registry.issuer', 'e2e-issuer']);
    admin = { username: 'admin', password: server.adminPassword };
    const fragment = await registryConfig(server, [
      '--registry.service',
      'e2e-registry',
      '--registry.issuer',
      'e2e-issuer',
    ]);
    registry = await startRegistry({ auth: fragment.auth.token, deleteEnabled: true });

    for (const user of [pusher, puller, deleter, member, outsider, leaver]) {
      const created = await api('POST', '/api/v1/users', { login: user.username, password: user.password });
      ids.set(user.username, created.id);
    }
    const group = await api('POST', '/api/v1/groups', { name: 'ops', members: [ids.get('member')] });
    await rule('user', ids.get('pusher') ?? 0, 'team/**', ['pull', 'push']);
    await rule('user', ids.get('pusher') ?? 0, 'future/**', ['pull', 'push']);
    await rule('user', ids.get('puller') ?? 0, 'team/**', ['pull']);
    await rule('user', ids.get('deleter') ?? 0, 'team/**', ['pull', 'delete']);
    await rule('user', ids.get('leaver') ?? 0, 'team/**', ['pull', 'push']);
    await rule('group', group.id, 'ops/*', ['pull', 'push']);
    await rule('everyone', null, 'public/*', ['pull']);
    await rule('registered', null, 'internal/*', ['pull']);

    const dir = await mkdtemp(join(tmpdir(), 'ra-images-'));
    image = await buildOciImage(join(dir, 'one'), { tag: 'v1', seed: 'one' });
    other = await buildOciImage(join(dir, 'two'), { tag: 'v1', seed: 'two' });
  });

  afterAll(async () => {
    await registry?.stop();
    await server?.stop();
  });

  it('lets a user with push rights push, and the pushed digest is what was built', async () => {
    const pushed = await copyToRegistry(image.dir, 'v1', ref('team/app'), pusher);
    expect(pushed.code, pushed.stderr).toBe(0);
    const inspected = await inspect(ref('team/app'), pusher);
    expect(inspected.digest).toBe(image.manifestDigest);
  });

  it('refuses a push with pull-only rights, and nothing is stored', async () => {
    const pushed = await copyToRegistry(other.dir, 'v1', ref('team/app', 'v2'), puller);
    expect(pushed.code).not.toBe(0);
    expect(pushed.stderr).toMatch(/denied|unauthorized|authentication required/i);
    expect((await inspect(ref('team/app', 'v2'), pusher)).code).not.toBe(0);
  });

  it('lets a pull-only user pull, and refuses a user without rights', async () => {
    const dest = await mkdtemp(join(tmpdir(), 'ra-pull-'));
    const pulled = await copyFromRegistry(ref('team/app'), dest, puller);
    expect(pulled.code, pulled.stderr).toBe(0);
    const refused = await inspect(ref('team/app'), outsider);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/denied|unauthorized|authentication required/i);
  });

  it('lets anonymous pull a repository shared with everyone', async () => {
    expect((await copyToRegistry(image.dir, 'v1', ref('public/app'), admin)).code).toBe(0);
    const anonymous = await inspect(ref('public/app'));
    expect(anonymous.code, anonymous.stderr).toBe(0);
    expect(anonymous.digest).toBe(image.manifestDigest);
    expect((await copyToRegistry(other.dir, 'v1', ref('public/app', 'v2'))).code).not.toBe(0);
  });

  it('refuses anonymous on a repository shared with registered users, which a registered user can pull', async () => {
    expect((await copyToRegistry(image.dir, 'v1', ref('internal/app'), admin)).code).toBe(0);
    expect((await inspect(ref('internal/app'))).code).not.toBe(0);
    const registered = await inspect(ref('internal/app'), outsider);
    expect(registered.code, registered.stderr).toBe(0);
  });

  it('applies a group rule to its members only', async () => {
    const pushed = await copyToRegistry(image.dir, 'v1', ref('ops/tool'), member);
    expect(pushed.code, pushed.stderr).toBe(0);
    expect((await copyToRegistry(other.dir, 'v1', ref('ops/other'), outsider)).code).not.toBe(0);
  });

  it('grants a ** pattern for a repository that does not exist yet', async () => {
    const pushed = await copyToRegistry(image.dir, 'v1', ref('future/deep/nested/repo'), pusher);
    expect(pushed.code, pushed.stderr).toBe(0);
    expect((await inspect(ref('future/deep/nested/repo'), pusher)).digest).toBe(image.manifestDigest);
  });

  it('deletes only with delete rights', async () => {
    expect((await copyToRegistry(other.dir, 'v1', ref('team/deleteme'), pusher)).code).toBe(0);
    expect((await deleteImage(ref('team/deleteme'), pusher)).code).not.toBe(0);
    expect((await deleteImage(ref('team/deleteme'), puller)).code).not.toBe(0);
    expect((await inspect(ref('team/deleteme'), puller)).code).toBe(0);
    const deleted = await deleteImage(ref('team/deleteme'), deleter);
    expect(deleted.code, deleted.stderr).toBe(0);
    expect((await inspect(ref('team/deleteme'), puller)).code).not.toBe(0);
  });

  it('runs the docker login flow (no scope) with good and bad passwords', async () => {
    const good = await login(registry.host, pusher);
    expect(good.code, good.stderr).toBe(0);
    const bad = await login(registry.host, { username: 'pusher', password: 'wrong-password' });
    expect(bad.code).not.toBe(0);
    const unknown = await login(registry.host, { username: 'nobody', password: 'whatever-password' });
    expect(unknown.code).not.toBe(0);
  });

  it('refuses a disabled user on the next request', async () => {
    expect((await inspect(ref('team/app'), leaver)).code).toBe(0);
    await api('PUT', `/api/v1/users/${ids.get('leaver')}`, { disabled: true });
    const refused = await inspect(ref('team/app'), leaver);
    expect(refused.code).not.toBe(0);
  });

  it('keeps a registry host:port prefix in a scope name', async () => {
    const scope = `repository:${registry.host}/team/app:pull`;
    const response = await fetch(
      `${server.url}/api/v1/registry/auth?service=e2e-registry&scope=${encodeURIComponent(scope)}`,
      {
        headers: { authorization: `Basic ${Buffer.from(`${puller.username}:${puller.password}`).toString('base64')}` },
      },
    );
    expect(response.status).toBe(200);
    const token = (await response.json()) as { token: string };
    const payload = JSON.parse(Buffer.from(token.token.split('.')[1] ?? '', 'base64url').toString());
    expect(payload.access).toEqual([{ type: 'repository', name: `${registry.host}/team/app`, actions: [] }]);
  });
});
