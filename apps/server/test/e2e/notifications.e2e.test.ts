/**
 * End to end: the real registry, configured from `registry-admin registry-config`, delivers its notifications to
 * registry-admin, which keeps them as the activity log.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  buildOciIndex,
  type Credentials,
  copyFromRegistry,
  copyToRegistry,
  describeE2E,
  type RunningRegistry,
  startRegistry,
} from '@registry-admin/test-support';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type RunningRegistryAdmin, registryConfig, startRegistryAdmin } from './harness/registry-admin';

interface ActivityEvent {
  action: string;
  repository: string;
  tag: string | null;
  digest: string | null;
  actor: string;
  mediaType: string | null;
}

describeE2E('registry notifications with the real registry', () => {
  let server: RunningRegistryAdmin;
  let registry: RunningRegistry;
  const user: Credentials = { username: 'notifier', password: 'notifier-password' };

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
  async function activity(filter: Record<string, string>): Promise<ActivityEvent[]> {
    return api('GET', `/api/v1/events?range=[0,199]&filter=${encodeURIComponent(JSON.stringify(filter))}`);
  }
  async function eventually<T>(read: () => Promise<T | undefined>): Promise<T> {
    for (let i = 0; i < 100; i++) {
      const value = await read();
      if (value !== undefined) return value;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error('no event arrived');
  }

  beforeAll(async () => {
    server = await startRegistryAdmin();
    const fragment = await registryConfig(server);
    registry = await startRegistry({ auth: fragment.auth.token, notifications: fragment.notifications });
    const created = await api('POST', '/api/v1/users', { login: user.username, password: user.password });
    await api('POST', '/api/v1/access-rules', {
      subjectType: 'user',
      subjectId: created.id,
      pattern: 'events/**',
      actions: ['pull', 'push'],
    });
  });
  afterAll(async () => {
    await registry?.stop();
    await server?.stop();
  });

  it('receives the push of a multi-arch index, with every manifest of it, and the pull', async () => {
    const index = await buildOciIndex(join(await mkdtemp(join(tmpdir(), 'ra-notify-')), 'idx'), {
      tag: 'v1',
      platforms: [
        { os: 'linux', architecture: 'amd64' },
        { os: 'linux', architecture: 'arm64' },
      ],
    });
    const pushed = await copyToRegistry(index.dir, 'v1', `${registry.host}/events/app:v1`, user, ['--all']);
    expect(pushed.code, pushed.stderr).toBe(0);

    const tagged = await eventually(async () => {
      const events = await activity({ repository: 'events/app', action: 'push', tag: 'v1' });
      return events[0];
    });
    expect(tagged).toMatchObject({
      actor: 'notifier',
      digest: index.indexDigest,
      mediaType: 'application/vnd.oci.image.index.v1+json',
    });
    // The platform manifests are pushed by digest: each arrives as its own event of the envelope(s).
    const manifests = await eventually(async () => {
      const events = await activity({ repository: 'events/app', action: 'push' });
      const digests = events.map((event) => event.digest);
      return index.platforms.every((platform) => digests.includes(platform.manifestDigest)) ? events : undefined;
    });
    expect(manifests.length).toBeGreaterThanOrEqual(3);

    const dest = await mkdtemp(join(tmpdir(), 'ra-notify-pull-'));
    expect((await copyFromRegistry(`${registry.host}/events/app:v1`, dest, user)).code).toBe(0);
    const pulled = await eventually(async () => (await activity({ repository: 'events/app', action: 'pull' }))[0]);
    expect(pulled.actor).toBe('notifier');
  });
});
