/**
 * End to end: with periodic sync off, the index follows the real registry through its notifications alone.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  buildOciImage,
  buildOciIndex,
  type Credentials,
  copyFromRegistry,
  copyToRegistry,
  deleteImage,
  describeE2E,
  type RunningRegistry,
  startRegistry,
} from '@registry-admin/test-support';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { freePort, type RunningRegistryAdmin, registryConfig, startRegistryAdmin } from './harness/registry-admin';

interface Tag {
  name: string;
  digest: string;
  mediaType: string;
  size: number;
  platforms: Array<{ os: string; architecture: string; variant?: string }>;
  pullCount: number;
}

describeE2E('index kept by notifications alone', () => {
  let server: RunningRegistryAdmin;
  let registry: RunningRegistry;
  let admin: Credentials;
  let dir: string;

  async function tags(repository: string): Promise<Tag[]> {
    const response = await fetch(
      `${server.url}/api/v1/tags?filter=${encodeURIComponent(JSON.stringify({ repository }))}`,
      { headers: { authorization: server.adminAuth } },
    );
    return (await response.json()) as Tag[];
  }
  async function eventually<T>(read: () => Promise<T | undefined>): Promise<T> {
    for (let i = 0; i < 100; i++) {
      const value = await read();
      if (value !== undefined) return value;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error('the index did not follow');
  }
  const tagged = (repository: string, name: string, digest: string) =>
    eventually(async () => (await tags(repository)).find((tag) => tag.name === name && tag.digest === digest));
  const ref = (repository: string, tag = 'v1') => `${registry.host}/${repository}:${tag}`;

  beforeAll(async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'ra-events-server-'));
    const port = await freePort();
    const fragment = await registryConfig({ dataDir, url: `http://127.0.0.1:${port}` });
    registry = await startRegistry({ auth: fragment.auth.token, notifications: fragment.notifications });
    const registryPort = registry.host.split(':')[1] ?? '';
    server = await startRegistryAdmin(
      ['--registry.host', 'http://127.0.0.1', '--registry.port', registryPort, '--registry.sync', 'false'],
      { dataDir, port },
    );
    admin = { username: 'admin', password: server.adminPassword };
    dir = await mkdtemp(join(tmpdir(), 'ra-events-images-'));
  });
  afterAll(async () => {
    await server?.stop();
    await registry?.stop();
  });

  it('indexes OCI, Docker schema 2, multi-arch and artifact pushes from their events', async () => {
    const oci = await buildOciImage(join(dir, 'oci'), { tag: 'v1', seed: 'ev-oci' });
    expect((await copyToRegistry(oci.dir, 'v1', ref('ev/oci'), admin)).code).toBe(0);
    expect(await tagged('ev/oci', 'v1', oci.manifestDigest)).toMatchObject({
      size: oci.size,
      platforms: [{ os: 'linux', architecture: 'amd64' }],
    });

    expect((await copyToRegistry(oci.dir, 'v1', ref('ev/docker'), admin, ['--format', 'v2s2'])).code).toBe(0);
    const docker = await eventually(async () => (await tags('ev/docker'))[0]);
    expect(docker.mediaType).toBe('application/vnd.docker.distribution.manifest.v2+json');
    expect(docker.platforms).toEqual([{ os: 'linux', architecture: 'amd64' }]);

    const multi = await buildOciIndex(join(dir, 'multi'), {
      tag: 'v1',
      platforms: [
        { os: 'linux', architecture: 'amd64' },
        { os: 'linux', architecture: 'arm64' },
      ],
      attestation: true,
    });
    expect((await copyToRegistry(multi.dir, 'v1', ref('ev/multi'), admin, ['--all'])).code).toBe(0);
    const index = await tagged('ev/multi', 'v1', multi.indexDigest);
    expect(index.platforms.map((p) => p.architecture)).toEqual(['amd64', 'arm64']);
    expect(index.size).toBe(multi.platforms.reduce((sum, p) => sum + p.size, 0));

    const artifact = await buildOciImage(join(dir, 'artifact'), {
      tag: 'v1',
      seed: 'ev-artifact',
      configMediaType: 'application/vnd.example.x+json',
    });
    expect((await copyToRegistry(artifact.dir, 'v1', ref('ev/artifact'), admin)).code).toBe(0);
    expect(await tagged('ev/artifact', 'v1', artifact.manifestDigest)).toMatchObject({
      size: artifact.size,
      platforms: [],
    });
  });

  it("does not take the sync's own reads, which the registry reports as pulls, for pulls", async () => {
    const image = await buildOciImage(join(dir, 'echo'), { tag: 'v1', seed: 'ev-echo' });
    for (const repository of ['ev/echo-a', 'ev/echo-b']) {
      expect((await copyToRegistry(image.dir, 'v1', ref(repository), admin)).code).toBe(0);
      await tagged(repository, 'v1', image.manifestDigest);
    }
    const events = async (filter: Record<string, string>) => {
      const response = await fetch(`${server.url}/api/v1/events?filter=${encodeURIComponent(JSON.stringify(filter))}`, {
        headers: { authorization: server.adminAuth },
      });
      return (await response.json()) as Array<{ actor: string; action: string; repository: string }>;
    };
    // The sync asks the registry for every tag's manifest (a HEAD, which the registry reports as a pull too).
    const sync = await fetch(`${server.url}/api/v1/registry/sync`, {
      method: 'POST',
      headers: { authorization: server.adminAuth },
    });
    expect(sync.status).toBe(200);
    const pullDir = await mkdtemp(join(tmpdir(), 'ra-events-echo-'));
    expect((await copyFromRegistry(ref('ev/echo-b'), pullDir, admin)).code).toBe(0);
    // The registry sends its events in order: once the user's pull is in, everything the sync read came before it.
    await eventually(async () => ((await tags('ev/echo-b'))[0]?.pullCount ?? 0) >= 1 || undefined);
    expect((await tags('ev/echo-b'))[0]?.pullCount).toBe(1);
    expect((await tags('ev/echo-a'))[0]?.pullCount).toBe(0);
    expect(await events({ actor: 'registry-admin/server', action: 'pull' })).toEqual([]);
    expect((await events({ repository: 'ev/echo-b', action: 'pull' })).map((e) => e.actor)).toEqual(['admin']);
  });

  it('follows a re-push, counts pulls, and untags on delete', async () => {
    const first = await buildOciImage(join(dir, 'first'), { tag: 'v1', seed: 'ev-first' });
    const second = await buildOciImage(join(dir, 'second'), { tag: 'v1', seed: 'ev-second' });
    expect((await copyToRegistry(first.dir, 'v1', ref('ev/moving', 'latest'), admin)).code).toBe(0);
    await tagged('ev/moving', 'latest', first.manifestDigest);
    expect((await copyToRegistry(second.dir, 'v1', ref('ev/moving', 'latest'), admin)).code).toBe(0);
    await tagged('ev/moving', 'latest', second.manifestDigest);

    const pullDir = await mkdtemp(join(tmpdir(), 'ra-events-pull-'));
    expect((await copyFromRegistry(ref('ev/moving', 'latest'), pullDir, admin)).code).toBe(0);
    await eventually(async () => ((await tags('ev/moving'))[0]?.pullCount ?? 0) >= 1 || undefined);

    expect((await copyToRegistry(second.dir, 'v1', ref('ev/moving', 'also'), admin)).code).toBe(0);
    await tagged('ev/moving', 'also', second.manifestDigest);
    expect((await deleteImage(ref('ev/moving', 'latest'), admin)).code).toBe(0);
    // Deleting the manifest untags every tag that pointed at it.
    await eventually(async () => ((await tags('ev/moving')).length === 0 ? true : undefined));
  });

  it('deletes through the API, and the registry’s own delete event changes nothing more', async () => {
    const image = await buildOciImage(join(dir, 'api-delete'), { tag: 'v1', seed: 'ev-api-delete' });
    for (const tag of ['one', 'two', 'keep']) {
      const source =
        tag === 'keep' ? (await buildOciImage(join(dir, 'kept'), { tag: 'v1', seed: 'ev-kept' })).dir : image.dir;
      expect((await copyToRegistry(source, 'v1', ref('ev/api', tag), admin)).code).toBe(0);
    }
    await tagged('ev/api', 'two', image.manifestDigest);
    await eventually(async () => ((await tags('ev/api')).length === 3 ? true : undefined));
    const response = await fetch(`${server.url}/api/v1/tags/ev/api:one`, {
      method: 'DELETE',
      headers: { authorization: server.adminAuth },
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ digest: image.manifestDigest, alsoRemoved: ['two'] });
    expect((await tags('ev/api')).map((tag) => tag.name)).toEqual(['keep']);
    // The registry's delete notification arrives afterwards and is applied to an index that already agrees.
    await eventually(async () => {
      const events = await fetch(
        `${server.url}/api/v1/events?filter=${encodeURIComponent(JSON.stringify({ repository: 'ev/api', action: 'delete' }))}`,
        { headers: { authorization: server.adminAuth } },
      );
      return ((await events.json()) as unknown[]).length > 0 ? true : undefined;
    });
    expect((await tags('ev/api')).map((tag) => tag.name)).toEqual(['keep']);
  });
});
