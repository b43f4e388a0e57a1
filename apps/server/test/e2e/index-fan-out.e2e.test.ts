/**
 * End to end: an image index of 100 platforms pushed with skopeo is indexed from its notification (periodic sync off):
 * every platform listed, 64 children read (counted in the registry's log) and the others sized from the index's
 * descriptors.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  buildOciIndex,
  copyToRegistry,
  describeE2E,
  type RunningRegistry,
  startRegistry,
} from '@registry-admin/test-support';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { freePort, type RunningRegistryAdmin, registryConfig, startRegistryAdmin } from './harness/registry-admin';

const PLATFORMS = 100;
/** Children whose manifests are read when an index is indexed (see packages/registry-index, manifest-description.ts). */
const READ = 64;

interface Tag {
  name: string;
  digest: string;
  size: number;
  platforms: Array<{ os: string; architecture: string }>;
}

describeE2E('an index of many platforms pushed to the real registry', () => {
  let server: RunningRegistryAdmin;
  let registry: RunningRegistry;

  beforeAll(async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'ra-fan-out-server-'));
    const port = await freePort();
    const fragment = await registryConfig({ dataDir, url: `http://127.0.0.1:${port}` });
    registry = await startRegistry({ auth: fragment.auth.token, notifications: fragment.notifications });
    server = await startRegistryAdmin(
      [
        '--registry.host',
        'http://127.0.0.1',
        '--registry.port',
        registry.host.split(':')[1] ?? '',
        '--registry.sync',
        'false',
      ],
      { dataDir, port },
    );
  });
  afterAll(async () => {
    await server?.stop();
    await registry?.stop();
  });

  it('lists every platform and sizes the children it did not read from the index', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ra-fan-out-images-'));
    const platforms = Array.from({ length: PLATFORMS }, (_, i) => ({ os: 'linux', architecture: `arch${i}` }));
    const index = await buildOciIndex(dir, { tag: 'v1', platforms, layers: 1, layerBytes: 64 });
    const admin = { username: 'admin', password: server.adminPassword };
    const pushed = await copyToRegistry(index.dir, 'v1', `${registry.host}/fan/out:v1`, admin, ['--all']);
    expect(pushed.code, pushed.stderr).toBe(0);

    let tag: Tag | undefined;
    for (let i = 0; i < 100 && !tag; i++) {
      const response = await fetch(
        `${server.url}/api/v1/tags?filter=${encodeURIComponent(JSON.stringify({ repository: 'fan/out' }))}`,
        { headers: { authorization: server.adminAuth } },
      );
      tag = ((await response.json()) as Tag[]).find((t) => t.name === 'v1' && t.digest === index.indexDigest);
      if (!tag) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(tag, 'the index did not follow the push').toBeDefined();
    expect(tag?.platforms).toEqual(platforms);
    // What this server asked the registry for (its requests name it as their user agent; skopeo's do not): the index,
    // 64 children and one config, not every child and config.
    const reads = registry
      .logs()
      .split('\n')
      .filter(
        (line) =>
          line.includes('response completed') &&
          line.includes('useragent=registry-admin/') &&
          line.includes('uri="/v2/fan/out/'),
      );
    expect(reads.length).toBeGreaterThan(0);
    expect(reads.length).toBeLessThanOrEqual(1 + READ + 1);
    const expectedSize = index.platforms.reduce((sum, p, i) => sum + (i < READ ? p.size : p.manifestSize), 0);
    expect(tag?.size).toBe(expectedSize);
  });
});
