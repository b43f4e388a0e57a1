/**
 * An event is recorded with its index change in one transaction: when the index change fails, the server keeps
 * neither and answers 503, so the registry delivers the envelope again — and that delivery applies both.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeRegistry, startFakeRegistry } from './fake-registry';
import { createTestApp, type TestApp } from './fixture';

describe('registry notifications, atomically', () => {
  let t: TestApp;
  let registry: FakeRegistry;
  let digest: string;
  beforeAll(async () => {
    registry = await startFakeRegistry();
    const config = registry.putBlob('team/atomic', JSON.stringify({ os: 'linux', architecture: 'amd64' }));
    digest = registry.putManifest('team/atomic', {
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: config, size: 10 },
      layers: [],
    });
    t = await createTestApp({ registry: { host: registry.host, port: registry.port } });
  });
  afterAll(async () => {
    await t.close();
    await registry.close();
  });

  it('answers 503 and keeps neither event nor index change when the index write fails; a redelivery applies both', async () => {
    const envelope = {
      events: [
        {
          id: 'atomic-push',
          timestamp: '2030-03-01T10:00:00Z',
          action: 'push',
          target: {
            mediaType: 'application/vnd.oci.image.manifest.v1+json',
            digest,
            repository: 'team/atomic',
            tag: 'v1',
          },
          actor: { name: 'alice' },
        },
      ],
    };
    const post = () =>
      t.app.inject({
        method: 'POST',
        url: '/api/v1/registry/events',
        headers: {
          'content-type': 'application/vnd.docker.distribution.events.v1+json',
          authorization: `Bearer ${t.services.notificationSecret}`,
        },
        payload: JSON.stringify(envelope),
      });
    const store = t.services.store;
    const original = store.transaction;
    store.transaction = (work) =>
      original((tx) =>
        work({
          ...tx,
          index: {
            ...tx.index,
            applyTags: async () => {
              throw new Error('index write failed');
            },
          },
        }),
      );
    try {
      const failed = await post();
      expect(failed.statusCode, failed.body).toBe(503);
      expect(failed.json().error.code).toBe('ERR_EVENTS_NOT_STORED');
    } finally {
      store.transaction = original;
    }
    expect((await store.registryEvents.list({ filter: { repository: 'team/atomic' } })).total).toBe(0);
    expect(await store.index.getTag('team/atomic', 'v1')).toBeUndefined();

    const redelivered = await post();
    expect(redelivered.statusCode, redelivered.body).toBe(200);
    expect(redelivered.json()).toEqual({ received: 1, recorded: 1, ignored: 0 });
    expect((await store.registryEvents.list({ filter: { repository: 'team/atomic' } })).total).toBe(1);
    expect((await store.index.getTag('team/atomic', 'v1'))?.digest).toBe(digest);
  });
});
