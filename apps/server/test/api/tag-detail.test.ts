/**
 * The tag detail of an image index with many children, against a registry that counts requests: one view reads at
 * most a page of children (32, 4 at a time) and lists the rest from the index; `?offset=` reads the next page; what
 * was read is cached; a config blob larger than the client's limit is a 502, not a stalled server.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeRegistry, startFakeRegistry } from './fake-registry';
import { adminAuth, createTestApp, type TestApp } from './fixture';

const CHILDREN = 200;
const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const OCI_CONFIG = 'application/vnd.oci.image.config.v1+json';

describe('tag detail of a large index', () => {
  let t: TestApp;
  let registry: FakeRegistry;
  const children: string[] = [];

  /** An image manifest with its config in the fake registry; returns the manifest's digest. */
  const pushImage = (config: string, tag?: string) => {
    const configDigest = registry.putBlob('big/index', config);
    return registry.putManifest(
      'big/index',
      {
        schemaVersion: 2,
        mediaType: OCI_MANIFEST,
        config: { mediaType: OCI_CONFIG, digest: configDigest, size: Buffer.byteLength(config) },
        layers: [],
      },
      tag,
    );
  };

  beforeAll(async () => {
    registry = await startFakeRegistry();
    for (let i = 0; i < CHILDREN; i++) {
      const architecture = `arch${i}`;
      children.push(pushImage(JSON.stringify({ os: 'linux', architecture, config: { Env: [`N=${i}`] } })));
    }
    registry.putManifest(
      'big/index',
      {
        schemaVersion: 2,
        mediaType: OCI_INDEX,
        manifests: children.map((digest, i) => ({
          mediaType: OCI_MANIFEST,
          digest,
          size: 100,
          platform: { os: 'linux', architecture: `arch${i}` },
        })),
      },
      'multi',
    );
    // 5 MiB of config: more than the client reads.
    pushImage(JSON.stringify({ os: 'linux', architecture: 'amd64', author: 'x'.repeat(5 * 1024 * 1024) }), 'huge');
    t = await createTestApp({ registry: { host: registry.host, port: registry.port } });
    await t.services.store.index.ensureRepository('big/index');
  });
  afterAll(async () => {
    await t?.close();
    await registry.close();
  });

  /** One view, with the registry requests it made and the most of them in flight at once. */
  const view = async (url: string) => {
    const before = registry.requests.length;
    const response = await t.app.inject({ url, headers: adminAuth() });
    return { response, requests: registry.requests.slice(before) };
  };

  it('describes one page of children per view, 4 at a time, and lists all of them', async () => {
    const first = await view('/api/v1/tags/big/index:multi');
    expect(first.response.statusCode, first.response.body).toBe(200);
    const body = first.response.json();
    expect(body.children).toEqual({ offset: 0, limit: 32, total: CHILDREN });
    expect(body.images).toHaveLength(32);
    expect(body.images[5]).toMatchObject({ digest: children[5], platform: { architecture: 'arch5' } });
    expect(body.images[5].config.env).toEqual(['N=5']);
    expect(body.otherImages).toHaveLength(CHILDREN - 32);
    expect(body.otherImages[0]).toEqual({
      digest: children[32],
      mediaType: OCI_MANIFEST,
      size: 100,
      platform: { os: 'linux', architecture: 'arch32' },
    });
    expect([...body.images, ...body.otherImages].map((image: { digest: string }) => image.digest)).toEqual(children);
    // The tag, then a manifest and a config per described child: nothing for the other 168.
    expect(first.requests.length).toBeLessThanOrEqual(1 + 2 * 32);
    expect(registry.maxInFlight).toBeLessThanOrEqual(4);
    expect(registry.maxInFlight).toBeGreaterThan(1);
  });

  it('describes the next children on demand with ?offset=, and serves what it read from its cache', async () => {
    const next = await view('/api/v1/tags/big/index:multi?offset=32&limit=10');
    expect(next.response.statusCode, next.response.body).toBe(200);
    const body = next.response.json();
    expect(body.children).toEqual({ offset: 32, limit: 10, total: CHILDREN });
    expect(body.images.map((image: { digest: string }) => image.digest)).toEqual(children.slice(32, 42));
    expect(body.otherImages).toHaveLength(CHILDREN - 10);
    expect(next.requests.length).toBeLessThanOrEqual(1 + 2 * 10);
    const last = await view('/api/v1/tags/big/index:multi?offset=190');
    expect(last.response.json().images).toHaveLength(10);
    const again = await view('/api/v1/tags/big/index:multi');
    expect(again.response.json().images).toHaveLength(32);
    expect(again.requests).toEqual(['GET /v2/big/index/manifests/multi']);
    expect(registry.maxInFlight).toBeLessThanOrEqual(4);
  });

  it('keeps its cache within 16 MiB, whatever the details read', async () => {
    // 24 images with 1 MiB of environment each: 24 MiB of details read, at most 16 MiB kept.
    for (let i = 0; i < 24; i++) {
      const env = [`BIG=${String(i).padStart(2, '0')}${'e'.repeat(1024 * 1024)}`];
      pushImage(JSON.stringify({ os: 'linux', architecture: 'amd64', config: { Env: env } }), `big${i}`);
      const response = await view(`/api/v1/tags/big/index:big${i}`);
      expect(response.response.statusCode).toBe(200);
    }
    const cached = t.services.tagDetails?.cached;
    expect(cached?.bytes).toBeLessThanOrEqual(16 * 1024 * 1024);
    expect(cached?.entries).toBeLessThan(512);
    // The most recent stays cached: a second view asks only for the tag.
    expect((await view('/api/v1/tags/big/index:big23')).requests).toEqual(['GET /v2/big/index/manifests/big23']);
  });

  it('refuses pages it will not read with 400', async () => {
    for (const query of ['limit=33', 'limit=0', 'offset=-1', 'offset=x']) {
      const response = await view(`/api/v1/tags/big/index:multi?${query}`);
      expect(response.response.statusCode, query).toBe(400);
      expect(response.requests).toEqual([]);
    }
  });

  it('answers a config larger than the client reads with 502 ERR_REGISTRY', async () => {
    const huge = await view('/api/v1/tags/big/index:huge');
    expect(huge.response.statusCode, huge.response.body.slice(0, 300)).toBe(502);
    expect(huge.response.json().error).toMatchObject({ code: 'ERR_REGISTRY' });
    expect(huge.response.json().error.message).toMatch(/larger than/);
  });
});
