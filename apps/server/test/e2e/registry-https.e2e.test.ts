/**
 * End to end: the real registry serves HTTPS with a certificate of a private CA (made by cert-builder). The server
 * reaches it with `--registry.https-certs`, refuses it without (saying why), skips verification only with
 * `--registry.https-insecure`; a registry that is not up at start is retried with backoff until the first sync
 * succeeds; `/readyz` names the registry's reachability as a check of its own.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateCertificateSet } from '@registry-admin/cert-builder';
import {
  buildOciImage,
  copyToRegistry,
  describeE2E,
  type RunningRegistry,
  startRegistry,
} from '@registry-admin/test-support';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { freePort, type RunningRegistryAdmin, startRegistryAdmin } from './harness/registry-admin';

/** Several server starts and a backoff of up to a minute, on a loaded machine. */
const LONG = 300_000;

interface Readiness {
  status: string;
  checks: Array<{ name: string; ok: boolean; required: boolean; reason?: string }>;
}

describeE2E('registry over HTTPS with a private CA', () => {
  let dir: string;
  let ca: string;
  let tls: { certificate: string; key: string };
  let port: number;
  let registry: RunningRegistry | undefined;
  const servers: RunningRegistryAdmin[] = [];

  const start = async (args: string[]) => {
    const server = await startRegistryAdmin([
      '--registry.host',
      'https://127.0.0.1',
      '--registry.port',
      String(port),
      '--metrics.enabled',
      ...args,
    ]);
    servers.push(server);
    return server;
  };
  const readiness = async (server: RunningRegistryAdmin): Promise<Readiness> => {
    const response = await fetch(`${server.url}/readyz`);
    expect(response.status).toBe(200);
    return (await response.json()) as Readiness;
  };
  const registryCheck = async (server: RunningRegistryAdmin) =>
    (await readiness(server)).checks.find((check) => check.name === 'registry');
  const syncRuns = async (server: RunningRegistryAdmin, result: 'ok' | 'failed') => {
    const text = await (await fetch(`${server.url}/metrics`)).text();
    return Number(
      new RegExp(`^registry_admin_sync_runs_total\\{result="${result}"\\} (\\d+)$`, 'm').exec(text)?.[1] ?? 0,
    );
  };
  const syncNow = (server: RunningRegistryAdmin) =>
    fetch(`${server.url}/api/v1/registry/sync`, { method: 'POST', headers: { authorization: server.adminAuth } });

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ra-registry-tls-'));
    // The registry's own certificate, self-signed: it is its own private CA, for 127.0.0.1.
    const set = await generateCertificateSet({ commonName: 'e2e private registry', ipAddresses: ['127.0.0.1'] });
    await mkdir(join(dir, 'tls'));
    ca = join(dir, 'tls', 'ca.crt');
    tls = { certificate: ca, key: join(dir, 'tls', 'registry.key') };
    await writeFile(ca, set.certificatePem);
    await writeFile(tls.key, set.privateKeyPem, { mode: 0o600 });
    port = await freePort();
  });
  afterAll(async () => {
    for (const server of servers) await server.stop();
    await registry?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it(
    'retries a registry that is down at start, with backoff, until the first sync succeeds',
    async () => {
      const server = await start(['--registry.https-certs', ca]);
      // Nothing listens on the port yet: ready all the same (tokens and the UI do not need the registry), and says so.
      let check = await registryCheck(server);
      expect(check).toMatchObject({ name: 'registry', ok: false, required: false });
      expect(check?.reason).toMatch(/ECONNREFUSED/);
      // At least one attempt failed before the registry came up.
      for (let i = 0; i < 100 && (await syncRuns(server, 'failed')) === 0; i++) await sleep(200);
      expect(await syncRuns(server, 'failed')).toBeGreaterThan(0);

      registry = await startRegistry({ port, tls });
      const image = await buildOciImage(join(dir, 'image'), { tag: 'v1', seed: 'https' });
      expect((await copyToRegistry(image.dir, 'v1', `127.0.0.1:${port}/secure/app:v1`)).code).toBe(0);
      // Retried within about a minute at most (1 s doubling), long before --registry.gc-interval (an hour).
      for (let i = 0; i < 600 && (await syncRuns(server, 'ok')) === 0; i++) await sleep(200);
      expect(await syncRuns(server, 'ok')).toBeGreaterThan(0);
      // The registry check's answer is kept a few seconds: wait for the next probe.
      for (let i = 0; i < 100 && !(await registryCheck(server))?.ok; i++) await sleep(200);
      check = await registryCheck(server);
      expect(check).toEqual({ name: 'registry', ok: true, required: false });
      const sync = await syncNow(server);
      expect(sync.status).toBe(200);
      expect(await sync.json()).toMatchObject({ repositories: 1, tags: 1 });
      expect(server.logs()).toContain('index sync at start failed, retrying');
    },
    LONG,
  );

  it(
    'refuses the registry certificate without the CA, naming the reason; accepts it with https-insecure',
    async () => {
      expect(registry).toBeDefined();
      const strict = await start([]);
      const refused = await syncNow(strict);
      expect(refused.status).toBe(502);
      expect(((await refused.json()) as { error: { message: string } }).error.message).toMatch(/CERT|certificate/i);
      expect((await registryCheck(strict))?.reason).toMatch(/CERT|certificate/i);

      const insecure = await start(['--registry.https-insecure']);
      const accepted = await syncNow(insecure);
      expect(accepted.status).toBe(200);
      expect(await accepted.json()).toMatchObject({ repositories: 1 });
    },
    LONG,
  );

  it(
    'stops at start with the option named when the CA file is missing',
    async () => {
      await expect(start(['--registry.https-certs', join(dir, 'missing.crt')])).rejects.toThrow(
        /--registry\.https-certs \(RA_REGISTRY_HTTPS_CERTS\): cannot read .*missing\.crt \(ENOENT\)/,
      );
    },
    LONG,
  );
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
