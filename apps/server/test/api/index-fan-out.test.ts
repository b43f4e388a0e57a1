/**
 * Indexing an image index with many children, against a registry that counts requests: a push notification and a
 * sync each read at most 64 children (4 at a time, a config only where the index names no platform, plus the first
 * child's for the created time), index the others from the index's own descriptors, and list all platforms.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeRegistry, startFakeRegistry } from './fake-registry';
import { createTestApp, type TestApp } from './fixture';

const CHILDREN = 500;
/** Children the index names no platform for (their configs tell it); all among the first 64. */
const WITHOUT_PLATFORM = 10;
const READ = 64;
const REPOSITORY = 'big/fan';
const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const OCI_CONFIG = 'application/vnd.oci.image.config.v1+json';
const LAYER = 'application/vnd.oci.image.layer.v1.tar+gzip';
/** At most: the index, 64 child manifests, the configs of the children without a platform and of the first. */
const MAX_REQUESTS = 1 + READ + WITHOUT_PLATFORM + 1;

const fakeDigest = (n: number) => `sha256:${n.toString(16).padStart(64, '0')}`;

describe('indexing an image index with many children', () => {
  let registry: FakeRegistry;
  let indexDigest: string;
  /** What the index must hold for it: every child's platform, and the size as far as it is known. */
  const platforms: Array<{ os: string; architecture: string }> = [];
  let expectedSize = 0;
  /** A child also pushed under a tag of its own, in the same envelope after the index. */
  let single = '';

  beforeAll(async () => {
    registry = await startFakeRegistry();
    // One layer every child shares (counted once), one of its own each.
    const shared = { mediaType: LAYER, digest: fakeDigest(1), size: 5000 };
    expectedSize += shared.size;
    const descriptors = [];
    for (let i = 0; i < CHILDREN; i++) {
      const architecture = `arch${i}`;
      const config = JSON.stringify({
        os: 'linux',
        architecture,
        created: `2026-01-01T00:00:${String(i % 60).padStart(2, '0')}Z`,
      });
      const configDigest = registry.putBlob(REPOSITORY, config);
      const manifest = {
        schemaVersion: 2,
        mediaType: OCI_MANIFEST,
        config: { mediaType: OCI_CONFIG, digest: configDigest, size: Buffer.byteLength(config) },
        layers: [shared, { mediaType: LAYER, digest: fakeDigest(1000 + i), size: 1000 + i }],
      };
      const digest = registry.putManifest(REPOSITORY, manifest);
      if (i === CHILDREN - 1) single = digest;
      const size = Buffer.byteLength(JSON.stringify(manifest));
      // Read: config and own layer; not read: the child's manifest as the index sizes it.
      expectedSize += i < READ ? Buffer.byteLength(config) + 1000 + i : size;
      platforms.push({ os: 'linux', architecture });
      descriptors.push({
        mediaType: OCI_MANIFEST,
        digest,
        size,
        ...(i < WITHOUT_PLATFORM ? {} : { platform: { os: 'linux', architecture } }),
      });
    }
    indexDigest = registry.putManifest(
      REPOSITORY,
      { schemaVersion: 2, mediaType: OCI_INDEX, manifests: descriptors },
      'multi',
    );
  });
  afterAll(() => registry.close());

  /** The tag as the index holds it, checked against what the registry has. */
  async function expectIndexed(t: TestApp) {
    const tag = await t.services.store.index.getTag(REPOSITORY, 'multi');
    expect(tag?.digest).toBe(indexDigest);
    expect(tag?.platforms).toEqual(platforms);
    expect(tag?.size).toBe(expectedSize);
    // The newest created time among the configs read (the first child's, and those of the children without one).
    expect(tag?.created).toBe('2026-01-01T00:00:09Z');
  }

  it('reads a bounded number of children, 4 at a time, for a push notification', async () => {
    const t = await createTestApp({ registry: { host: registry.host, port: registry.port } });
    try {
      const envelope = {
        events: [
          {
            id: 'push-big-index',
            timestamp: '2030-03-01T10:00:00Z',
            action: 'push',
            target: { mediaType: OCI_INDEX, digest: indexDigest, size: 100, repository: REPOSITORY, tag: 'multi' },
            actor: { name: 'alice' },
          },
          {
            id: 'push-single-after-it',
            timestamp: '2030-03-01T10:00:01Z',
            action: 'push',
            target: { mediaType: OCI_MANIFEST, digest: single, size: 100, repository: REPOSITORY, tag: 'single' },
            actor: { name: 'alice' },
          },
        ],
      };
      const post = () =>
        t.app.inject({
          method: 'POST',
          url: '/api/v1/registry/events',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${t.services.notificationSecret}` },
          payload: JSON.stringify(envelope),
        });
      registry.resetCounts();
      const response = await post();
      expect(response.statusCode, response.body).toBe(200);
      // The notification is answered once its registry reads are done: they are all the request waited for, and
      // the index holds up the event after it by no more than that (the image costs its manifest and config).
      expect(registry.requests.length).toBeLessThanOrEqual(MAX_REQUESTS + 2);
      expect((await t.services.store.index.getTag(REPOSITORY, 'single'))?.platforms).toEqual([
        { os: 'linux', architecture: `arch${CHILDREN - 1}` },
      ]);
      expect(registry.requests.length).toBeGreaterThan(READ);
      expect(registry.maxInFlight).toBeLessThanOrEqual(4);
      expect(registry.maxInFlight).toBeGreaterThan(1);
      await expectIndexed(t);
      // Delivered again: nothing is read, nothing changes.
      registry.resetCounts();
      expect((await post()).json()).toMatchObject({ recorded: 0 });
      expect(registry.requests).toEqual([]);
      await expectIndexed(t);
    } finally {
      await t.close();
    }
  });

  it('reads a bounded number of children, 4 at a time, in a sync', async () => {
    const t = await createTestApp({ registry: { host: registry.host, port: registry.port, sync: false } });
    try {
      registry.resetCounts();
      const report = await t.services.indexSync?.run();
      expect(report?.skipped).toEqual([]);
      expect(report?.fetched).toBe(1);
      // The catalog and the tag list, then the tag and its children.
      expect(registry.requests.length).toBeLessThanOrEqual(2 + MAX_REQUESTS);
      expect(registry.maxInFlight).toBeLessThanOrEqual(4);
      expect(registry.maxInFlight).toBeGreaterThan(1);
      await expectIndexed(t);
      // Nothing new: the next sync asks only whether the tag moved.
      registry.resetCounts();
      expect((await t.services.indexSync?.run())?.fetched).toBe(0);
      expect(registry.requests.length).toBeLessThanOrEqual(3);
    } finally {
      await t.close();
    }
  });
});
