/**
 * End to end: the index follows the real registry through sync — OCI, Docker schema 2, a multi-arch index with an
 * attestation, an artifact with an unknown config; a re-pushed tag, a no-change re-sync, a deleted tag.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  buildOciImage,
  buildOciIndex,
  type Credentials,
  copyToRegistry,
  deleteImage,
  describeE2E,
  type OciImage,
  type OciIndex,
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
}

describeE2E('index sync with the real registry', () => {
  let server: RunningRegistryAdmin;
  let registry: RunningRegistry;
  let admin: Credentials;
  let oci: OciImage;
  let other: OciImage;
  let multi: OciIndex;
  let artifact: OciImage;

  async function api(method: string, path: string) {
    const response = await fetch(`${server.url}${path}`, { method, headers: { authorization: server.adminAuth } });
    const text = await response.text();
    if (response.status >= 300) throw new Error(`${method} ${path}: ${response.status} ${text}`);
    return JSON.parse(text);
  }
  const tags = (repository: string): Promise<Tag[]> =>
    api(
      'GET',
      `/api/v1/tags?filter=${encodeURIComponent(JSON.stringify({ repository }))}&sort=${encodeURIComponent('["name","ASC"]')}`,
    );
  const ref = (repository: string, tag = 'v1') => `${registry.host}/${repository}:${tag}`;

  beforeAll(async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'ra-sync-server-'));
    const port = await freePort();
    const fragment = await registryConfig({ dataDir, url: `http://127.0.0.1:${port}` });
    registry = await startRegistry({ auth: fragment.auth.token });
    const registryPort = registry.host.split(':')[1] ?? '';
    server = await startRegistryAdmin(['--registry.host', 'http://127.0.0.1', '--registry.port', registryPort], {
      dataDir,
      port,
    });
    admin = { username: 'admin', password: server.adminPassword };
    const dir = await mkdtemp(join(tmpdir(), 'ra-sync-images-'));
    oci = await buildOciImage(join(dir, 'oci'), { tag: 'v1', seed: 'sync-oci' });
    other = await buildOciImage(join(dir, 'other'), { tag: 'v1', seed: 'sync-other', layers: 3 });
    artifact = await buildOciImage(join(dir, 'artifact'), {
      tag: 'v1',
      seed: 'sync-artifact',
      layers: 1,
      configMediaType: 'application/vnd.example.thing+json',
    });
    multi = await buildOciIndex(join(dir, 'multi'), {
      tag: 'v1',
      platforms: [
        { os: 'linux', architecture: 'amd64' },
        { os: 'linux', architecture: 'arm', variant: 'v7' },
      ],
      attestation: true,
    });
    // One after another: two uploads of the same blobs into one repository at once can race in the registry.
    const pushes = [];
    for (const push of [
      () => copyToRegistry(oci.dir, 'v1', ref('sync/oci'), admin),
      () => copyToRegistry(oci.dir, 'v1', ref('sync/oci', 'same'), admin),
      () => copyToRegistry(oci.dir, 'v1', ref('sync/docker'), admin, ['--format', 'v2s2']),
      () => copyToRegistry(multi.dir, 'v1', ref('sync/multi'), admin, ['--all']),
      () => copyToRegistry(artifact.dir, 'v1', ref('sync/artifact'), admin),
    ]) {
      pushes.push(await push());
    }
    for (const pushed of pushes) expect(pushed.code, pushed.stderr).toBe(0);
  });
  afterAll(async () => {
    await server?.stop();
    await registry?.stop();
  });

  it('indexes every kind of manifest with sizes and platforms', async () => {
    const report = await api('POST', '/api/v1/registry/sync');
    // The two images' configs are read after every tag was indexed (the index's children are read with it; the
    // artifact's config is not an image config).
    expect(report).toMatchObject({ repositories: 4, tags: 5, configsRead: 2, skipped: [] });
    expect(report.indexedMs).toBeLessThanOrEqual(report.durationMs);
    const repositories = (await api('GET', '/api/v1/repositories?sort=["name","ASC"]')) as Array<{
      name: string;
      tagCount: number;
      size: number;
    }>;
    expect(repositories.map((r) => [r.name, r.tagCount])).toEqual([
      ['sync/artifact', 1],
      ['sync/docker', 1],
      ['sync/multi', 1],
      ['sync/oci', 2],
    ]);
    // Two tags of one image: its blobs count once.
    expect(repositories.find((r) => r.name === 'sync/oci')?.size).toBe(oci.size);

    const [ociTag] = await tags('sync/oci');
    expect(ociTag).toMatchObject({
      digest: oci.manifestDigest,
      size: oci.size,
      platforms: [{ os: 'linux', architecture: 'amd64' }],
    });
    const [dockerTag] = await tags('sync/docker');
    expect(dockerTag?.mediaType).toBe('application/vnd.docker.distribution.manifest.v2+json');
    expect(dockerTag?.platforms).toEqual([{ os: 'linux', architecture: 'amd64' }]);
    const [multiTag] = await tags('sync/multi');
    expect(multiTag?.digest).toBe(multi.indexDigest);
    expect(multiTag?.platforms).toEqual([
      { os: 'linux', architecture: 'amd64' },
      { os: 'linux', architecture: 'arm', variant: 'v7' },
    ]);
    expect(multiTag?.size).toBe(multi.platforms.reduce((sum, p) => sum + p.size, 0));
    const [artifactTag] = await tags('sync/artifact');
    expect(artifactTag).toMatchObject({ digest: artifact.manifestDigest, size: artifact.size, platforms: [] });
  });

  it('shows a tag in detail: manifest, per-platform config, layers and history, attestations apart', async () => {
    const image = await api('GET', '/api/v1/tags/sync/oci:v1');
    expect(image).toMatchObject({
      id: 'sync/oci:v1',
      digest: oci.manifestDigest,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      indexed: { digest: oci.manifestDigest, size: oci.size },
      attestations: [],
    });
    expect(image.manifest.config.digest).toBe(image.images[0].config.digest);
    expect(image.images).toHaveLength(1);
    expect(image.images[0]).toMatchObject({
      platform: { os: 'linux', architecture: 'amd64' },
      size: oci.size,
      artifactType: null,
      config: {
        env: ['PATH=/usr/bin', 'SEED=sync-oci'],
        labels: { 'test.seed': 'sync-oci' },
        cmd: ['/bin/true'],
        exposedPorts: ['8080/tcp'],
      },
    });
    expect(image.images[0].layers.length).toBe(image.manifest.layers.length);
    expect(image.images[0].history.map((h: { createdBy: string }) => h.createdBy)).toEqual(
      image.manifest.layers.map((_: unknown, i: number) => `generated layer ${i}`),
    );

    const index = await api('GET', '/api/v1/tags/sync/multi:v1');
    expect(index.digest).toBe(multi.indexDigest);
    expect(index.images.map((i: { platform: unknown }) => i.platform)).toEqual([
      { os: 'linux', architecture: 'amd64' },
      { os: 'linux', architecture: 'arm', variant: 'v7' },
    ]);
    expect(index.images.map((i: { size: number }) => i.size)).toEqual(multi.platforms.map((p) => p.size));
    expect(index.attestations).toHaveLength(1);
    expect(index.attestations[0].refersTo).toBe(index.images[0].digest);

    const thing = await api('GET', '/api/v1/tags/sync/artifact:v1');
    expect(thing.images[0]).toMatchObject({
      artifactType: 'application/vnd.example.thing+json',
      platform: null,
      config: { env: [] },
    });
    const missing = await fetch(`${server.url}/api/v1/tags/sync/oci:nope`, {
      headers: { authorization: server.adminAuth },
    });
    expect(missing.status).toBe(404);
  });

  it('fetches nothing when nothing changed, and only the new digest after a re-push', async () => {
    expect((await api('POST', '/api/v1/registry/sync')).fetched).toBe(0);
    expect((await copyToRegistry(other.dir, 'v1', ref('sync/oci', 'same'), admin)).code).toBe(0);
    const report = await api('POST', '/api/v1/registry/sync');
    expect(report.fetched).toBe(1);
    const byName = Object.fromEntries((await tags('sync/oci')).map((tag) => [tag.name, tag.digest]));
    expect(byName).toEqual({ same: other.manifestDigest, v1: oci.manifestDigest });
  });

  it('removes what the registry no longer has', async () => {
    expect((await deleteImage(ref('sync/docker'), admin)).code).toBe(0);
    const report = await api('POST', '/api/v1/registry/sync');
    expect(report.removedTags).toBe(1);
    expect(await tags('sync/docker')).toEqual([]);
    const repositories = (await api('GET', '/api/v1/repositories')) as Array<{ name: string; tagCount: number }>;
    // The registry still lists a repository whose tags are all gone.
    expect(repositories.find((r) => r.name === 'sync/docker')?.tagCount).toBe(0);
  });

  it('deletes a tag through the API with delete rights, reporting the tags that shared its digest', async () => {
    expect((await copyToRegistry(other.dir, 'v1', ref('sync/del', 'a'), admin)).code).toBe(0);
    expect((await copyToRegistry(other.dir, 'v1', ref('sync/del', 'b'), admin)).code).toBe(0);
    await api('POST', '/api/v1/registry/sync');
    const created = await fetch(`${server.url}/api/v1/users`, {
      method: 'POST',
      headers: { authorization: server.adminAuth, 'content-type': 'application/json' },
      body: JSON.stringify({ login: 'janitor', password: 'janitor-password' }),
    });
    const janitor = (await created.json()) as { id: number };
    const asJanitor = `Basic ${Buffer.from('janitor:janitor-password').toString('base64')}`;
    const refused = await fetch(`${server.url}/api/v1/tags/sync/del:a`, {
      method: 'DELETE',
      headers: { authorization: asJanitor },
    });
    expect(refused.status).toBe(403);
    await fetch(`${server.url}/api/v1/access-rules`, {
      method: 'POST',
      headers: { authorization: server.adminAuth, 'content-type': 'application/json' },
      body: JSON.stringify({
        subjectType: 'user',
        subjectId: janitor.id,
        pattern: 'sync/del',
        actions: ['pull', 'delete'],
      }),
    });
    const deleted = await fetch(`${server.url}/api/v1/tags/sync/del:a`, {
      method: 'DELETE',
      headers: { authorization: asJanitor },
    });
    expect(deleted.status).toBe(200);
    expect(await deleted.json()).toEqual({
      id: 'sync/del:a',
      repository: 'sync/del',
      tag: 'a',
      digest: other.manifestDigest,
      alsoRemoved: ['b'],
    });
    expect(await tags('sync/del')).toEqual([]);
    const gone = await fetch(`${server.url}/api/v1/tags/sync/del:a`, {
      method: 'DELETE',
      headers: { authorization: asJanitor },
    });
    expect(gone.status).toBe(404);
    const audit = await api('GET', `/api/v1/audit-events?filter=${encodeURIComponent('{"action":"tag.delete"}')}`);
    expect(audit[0]).toMatchObject({ actorName: 'janitor', targetName: 'sync/del:a', details: { alsoRemoved: ['b'] } });
  });

  it('indexes the same from the registry storage (--registry.storage-path) as over HTTP', async () => {
    const registryPort = registry.host.split(':')[1] ?? '';
    const reader = await startRegistryAdmin([
      '--registry.host',
      'http://127.0.0.1',
      '--registry.port',
      registryPort,
      '--registry.storage-path',
      join(registry.dir, 'data'),
    ]);
    try {
      const list = async (url: string, auth: string, path: string) =>
        (await (await fetch(`${url}${path}`, { headers: { authorization: auth } })).json()) as unknown[];
      const everything = '/api/v1/tags?range=[0,999]&sort=["repository","ASC"]';
      const comparable = (tags: unknown[]) =>
        (tags as Array<Record<string, unknown>>).map(
          ({ pushedAt: _p, lastPulledAt: _l, pullCount: _c, ...rest }) => rest,
        );
      const overHttp = comparable(await list(server.url, server.adminAuth, everything));
      // The reader syncs at start (tags first, then the image configs); wait for it to finish.
      let fromStorage: unknown[] = [];
      for (let i = 0; i < 100; i++) {
        fromStorage = comparable(await list(reader.url, reader.adminAuth, everything));
        if (JSON.stringify(fromStorage) === JSON.stringify(overHttp)) break;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(overHttp.length).toBeGreaterThan(3);
      expect(fromStorage).toEqual(overHttp);
    } finally {
      await reader.stop();
    }
  });
});
