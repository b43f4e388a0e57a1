/**
 * Each deployment example's registry config, made the way its instructions say (examples/registry/config.base.yml
 * followed by what `registry-admin registry-config` prints with the example's options), is started with the real
 * registry. Only ports and paths are changed, in a copy: the listen address becomes 127.0.0.1:0 and paths inside the
 * containers move into a temporary folder. The registry must start and challenge clients with the example's realm.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describeE2E, startProcess } from '@registry-admin/test-support';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { parse, parseAllDocuments, stringify } from 'yaml';
import { runCli } from './harness/registry-admin';

const EXAMPLES = resolve(import.meta.dirname, '../../../../examples');
/** Options whose values are paths inside the container. */
const PATH_OPTIONS = new Set([
  'RA_DATA_DIR',
  'RA_REGISTRY_CERTS_PATH',
  'RA_SSL_CERT',
  'RA_SSL_KEY',
  'RA_REGISTRY_STORAGE_PATH',
]);

type Env = Record<string, string>;

interface Example {
  name: string;
  /** registry-admin's environment in the example (the image adds RA_DATA_DIR=/data). */
  admin: Env;
  /** The registry container's environment. */
  registry: Env;
}

async function composeServices(...files: string[]): Promise<Record<string, { environment?: Env }>> {
  const services: Record<string, { environment?: Env }> = {};
  for (const file of files) {
    const document = parse(await readFile(join(EXAMPLES, 'compose', file), 'utf8')) as {
      services: Record<string, { environment?: Env }>;
    };
    for (const [name, service] of Object.entries(document.services)) {
      services[name] = { environment: { ...services[name]?.environment, ...service.environment } };
    }
  }
  return services;
}

async function examples(): Promise<Example[]> {
  const plain = await composeServices('compose.yml');
  const tls = await composeServices('compose.yml', 'compose.tls.yml');
  const kubernetes = parseAllDocuments(await readFile(join(EXAMPLES, 'kubernetes/registry-admin.yaml'), 'utf8'))
    .map((document) => document.toJS())
    .find((manifest) => manifest.kind === 'Deployment');
  const containerEnv: Env = {};
  for (const variable of kubernetes.spec.template.spec.containers[0].env as Array<{ name: string; value?: string }>) {
    if (variable.value !== undefined) containerEnv[variable.name] = variable.value;
  }
  return [
    { name: 'compose', admin: plain['registry-admin']?.environment ?? {}, registry: plain.registry?.environment ?? {} },
    {
      name: 'compose + TLS',
      admin: tls['registry-admin']?.environment ?? {},
      registry: tls.registry?.environment ?? {},
    },
    { name: 'kubernetes', admin: containerEnv, registry: {} },
  ];
}

/** Status and `WWW-Authenticate` of `GET /v2/` on a registry serving HTTPS with a certificate of its own making. */
function challengeOverTls(url: string): Promise<{ status: number; challenge: string }> {
  return new Promise((done, fail) => {
    const call = request(`${url}/v2/`, { rejectUnauthorized: false }, (response) => {
      response.resume();
      done({ status: response.statusCode ?? 0, challenge: String(response.headers['www-authenticate'] ?? '') });
    });
    call.once('error', fail);
    call.end();
  });
}

describeE2E('deployment examples start the real registry', () => {
  let work: string;
  let base: string;
  const cases: Example[] = [];

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'ra-examples-'));
    base = await readFile(join(EXAMPLES, 'registry/config.base.yml'), 'utf8');
    cases.push(...(await examples()));
  });

  afterAll(async () => {
    if (work) await rm(work, { recursive: true, force: true });
  });

  for (const name of ['compose', 'compose + TLS', 'kubernetes']) {
    it(`${name}: config.base.yml + registry-config`, async () => {
      const example = cases.find((candidate) => candidate.name === name);
      if (!example) throw new Error(`no example ${name}`);
      const root = await mkdtemp(join(work, 'case-'));
      const inside = (path: string) => join(root, path);
      const env: Env = { RA_DATA_DIR: '/data', ...example.admin };
      for (const [variable, value] of Object.entries(env))
        if (PATH_OPTIONS.has(variable)) env[variable] = inside(value);

      const printed = await runCli(['registry-config'], { env });
      expect(printed.code, printed.stderr).toBe(0);
      // As the instructions say: `cat config.base.yml registry-auth.yml > config.yml`.
      const config = parse(`${base}${printed.stdout}`, { uniqueKeys: true });
      const realm = config.auth.token.realm as string;
      const service = config.auth.token.service as string;

      // Ports and paths only.
      config.storage.filesystem.rootdirectory = inside('/var/lib/registry');
      config.http.addr = '127.0.0.1:0';
      const configFile = join(root, 'config.yml');
      await writeFile(configFile, stringify(config));
      const registryEnv: Env = { ...example.registry };
      if (registryEnv.REGISTRY_HTTP_ADDR) registryEnv.REGISTRY_HTTP_ADDR = '127.0.0.1:0';
      // The TLS example's certificate files, stood in for by the key pair registry-config just generated.
      if (registryEnv.REGISTRY_HTTP_TLS_CERTIFICATE)
        registryEnv.REGISTRY_HTTP_TLS_CERTIFICATE = config.auth.token.rootcertbundle;
      if (registryEnv.REGISTRY_HTTP_TLS_KEY) {
        registryEnv.REGISTRY_HTTP_TLS_KEY = join(resolve(config.auth.token.rootcertbundle, '..'), 'registry_auth.key');
      }

      const registry = startProcess('docker-registry', ['serve', configFile], { env: registryEnv });
      try {
        const [, address] = (await registry.waitFor(/listening on (127\.0\.0\.1:\d+)/, 30_000)) as string[];
        const answer = registryEnv.REGISTRY_HTTP_TLS_CERTIFICATE
          ? await challengeOverTls(`https://${address}`)
          : await fetch(`http://${address}/v2/`).then((response) => ({
              status: response.status,
              challenge: response.headers.get('www-authenticate') ?? '',
            }));
        expect(answer.status, registry.logs()).toBe(401);
        expect(answer.challenge).toBe(`Bearer realm="${realm}",service="${service}"`);
        expect(registry.logs()).not.toMatch(/level=(fatal|panic)/);
      } finally {
        await registry.stop();
      }
    });
  }
});
