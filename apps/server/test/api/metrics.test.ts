/**
 * `/metrics`: off by default; when on, a scrape after token requests, failed sign-ins, notifications and a sync shows
 * each counter moved by exactly what was done, and the index size as the store has it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeRegistry, startFakeRegistry } from './fake-registry';
import { ADMIN_PASSWORD, basic, createTestApp, type TestApp } from './fixture';

/** The value of one sample line (`name{labels} value`) of the exposition text, or undefined. */
function sample(text: string, series: string): number | undefined {
  for (const line of text.split('\n')) {
    if (line.startsWith(`${series} `)) return Number(line.slice(series.length + 1));
  }
  return undefined;
}

describe('metrics', () => {
  it('are off by default: no /metrics route', async () => {
    const t = await createTestApp();
    try {
      expect(t.services.metrics.enabled).toBe(false);
      expect((await t.app.inject({ url: '/metrics' })).statusCode).toBe(404);
    } finally {
      await t.close();
    }
  });

  describe('when enabled', () => {
    let t: TestApp;
    let registry: FakeRegistry;
    beforeAll(async () => {
      registry = await startFakeRegistry();
      registry.putManifest(
        'team/app',
        {
          schemaVersion: 2,
          mediaType: 'application/vnd.oci.image.manifest.v1+json',
          config: {
            mediaType: 'application/vnd.oci.image.config.v1+json',
            digest: registry.putBlob('team/app', '{"architecture":"amd64","os":"linux"}'),
            size: 37,
          },
          layers: [],
        },
        'v1',
      );
      t = await createTestApp({
        metrics: { enabled: true },
        registry: { host: registry.host, port: registry.port, sync: false },
      });
    });
    afterAll(async () => {
      await t.close();
      await registry.close();
    });

    const scrape = async () => {
      const response = await t.app.inject({ url: '/metrics' });
      expect(response.statusCode).toBe(200);
      expect(response.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
      return response.body;
    };
    const token = (authorization?: string) =>
      t.app.inject({
        url: '/api/v1/registry/auth?service=container_registry&scope=repository:team/app:pull',
        headers: authorization ? { authorization } : {},
      });

    it('counts token requests by outcome, their latency, failed sign-ins, events and syncs', async () => {
      const before = await scrape();
      const issued = sample(before, 'registry_admin_token_requests_total{outcome="issued"}') ?? 0;
      expect(sample(before, 'registry_admin_index_size{kind="repositories"}')).toBe(0);

      for (let i = 0; i < 3; i++) expect((await token(basic('admin', ADMIN_PASSWORD))).statusCode).toBe(200);
      expect((await token()).statusCode).toBe(200);
      expect((await token(basic('admin', 'wrong-password'))).statusCode).toBe(401);
      const login = await t.app.inject({
        method: 'POST',
        url: '/api/v1/auth/login',
        payload: { login: 'admin', password: 'wrong-password' },
      });
      expect(login.statusCode).toBe(401);
      const events = await t.app.inject({
        method: 'POST',
        url: '/api/v1/registry/events',
        headers: {
          'content-type': 'application/vnd.docker.distribution.events.v1+json',
          authorization: `Bearer ${t.services.notificationSecret}`,
        },
        payload: JSON.stringify({
          events: ['e1', 'e2'].map((id) => ({
            id,
            timestamp: '2030-03-01T10:00:00Z',
            action: 'pull',
            target: {
              mediaType: 'application/vnd.oci.image.manifest.v1+json',
              digest: `sha256:${'1'.repeat(64)}`,
              repository: 'team/app',
            },
            request: { addr: '10.0.0.5:4000', method: 'GET', useragent: 'skopeo' },
            actor: {},
          })),
        }),
      });
      expect(events.json()).toMatchObject({ recorded: 2 });
      await t.services.indexSync?.run();

      const after = await scrape();
      expect(sample(after, 'registry_admin_token_requests_total{outcome="issued"}')).toBe(issued + 4);
      expect(sample(after, 'registry_admin_token_requests_total{outcome="denied"}')).toBe(1);
      expect(sample(after, 'registry_admin_token_request_duration_seconds_count')).toBe(
        (sample(before, 'registry_admin_token_request_duration_seconds_count') ?? 0) + 5,
      );
      expect(sample(after, 'registry_admin_authentication_failures_total{via="basic"}')).toBe(1);
      expect(sample(after, 'registry_admin_authentication_failures_total{via="login"}')).toBe(1);
      expect(sample(after, 'registry_admin_registry_events_ingested_total')).toBe(2);
      expect(sample(after, 'registry_admin_sync_runs_total{result="ok"}')).toBe(1);
      expect(sample(after, 'registry_admin_sync_duration_seconds_count')).toBe(1);
      expect(sample(after, 'registry_admin_index_size{kind="repositories"}')).toBe(1);
      expect(sample(after, 'registry_admin_index_size{kind="tags"}')).toBe(1);
      expect(after).toContain('registry_admin_process_cpu_seconds_total');
    });
  });
});
