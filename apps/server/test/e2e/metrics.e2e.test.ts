/**
 * End to end: `--metrics.listen` serves /metrics on its own address only (the main port has no such route), and a
 * scrape there sees the token requests made on the main port.
 */
import { describeE2E } from '@registry-admin/test-support';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { freePort, type RunningRegistryAdmin, startRegistryAdmin } from './harness/registry-admin';

describeE2E('metrics on a separate address', () => {
  let server: RunningRegistryAdmin;
  let metricsUrl: string;

  beforeAll(async () => {
    const port = await freePort();
    metricsUrl = `http://127.0.0.1:${port}/metrics`;
    server = await startRegistryAdmin(['--metrics.listen', `127.0.0.1:${port}`]);
  });
  afterAll(() => server?.stop());

  it('answers on the metrics address, not on the main port, and counts token requests', async () => {
    expect((await fetch(`${server.url}/metrics`)).status).toBe(404);
    const issued = async () => {
      const text = await (await fetch(metricsUrl)).text();
      return Number(/^registry_admin_token_requests_total\{outcome="issued"\} (\d+)$/m.exec(text)?.[1] ?? 0);
    };
    const before = await issued();
    for (let i = 0; i < 5; i++) {
      const response = await fetch(`${server.url}/api/v1/registry/auth?service=container_registry`, {
        headers: { authorization: server.adminAuth },
      });
      expect(response.status).toBe(200);
    }
    expect(await issued()).toBe(before + 5);
    expect(server.logs()).toContain(`metrics served on ${metricsUrl}`);
  });
});
