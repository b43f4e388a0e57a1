/**
 * A registry that cannot be reached (a closed port): every route that talks to it answers 502 `ERR_REGISTRY` with the
 * reason, never a 500 and never a stack trace.
 */
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminAuth, createTestApp, type TestApp } from './fixture';

/** A port nothing listens on: bound once, then closed. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('registry down', () => {
  let t: TestApp;
  const lines: string[] = [];
  beforeAll(async () => {
    const port = await closedPort();
    t = await createTestApp({ registry: { host: 'http://127.0.0.1', port } }, { logLines: lines });
    await t.services.store.index.ensureRepository('team/app');
  });
  afterAll(() => t.close());

  const expectRegistryError = (response: { statusCode: number; body: string }) => {
    expect(response.statusCode, response.body).toBe(502);
    const body = JSON.parse(response.body);
    expect(body.error.code).toBe('ERR_REGISTRY');
    expect(body.error.message).toMatch(/ECONNREFUSED|refused/i);
    expect(response.body).not.toMatch(/\bat .+\.(?:ts|js):\d+/);
  };

  it('answers a sync with 502 ERR_REGISTRY and the reason', async () => {
    const response = await t.app.inject({ method: 'POST', url: '/api/v1/registry/sync', headers: adminAuth() });
    expectRegistryError(response);
    expect(lines.join('\n')).not.toMatch(/"statusCode":500|request failed/);
  });

  it('answers a tag detail and a delete the same way', async () => {
    expectRegistryError(await t.app.inject({ url: '/api/v1/tags/team/app:v1', headers: adminAuth() }));
    expectRegistryError(
      await t.app.inject({ method: 'DELETE', url: '/api/v1/tags/team/app:v1', headers: adminAuth() }),
    );
  });
});
