/**
 * The deployment examples (examples/compose, examples/kubernetes, examples/systemd) are parsed, and everything they
 * hand registry-admin — each RA_* variable, each flag — must be an option of ours that loads: a renamed or removed
 * option fails here instead of in someone's cluster. Where the registry reads registry-admin's CA bundle, it must be
 * mounted at the path `registry-config` prints for that configuration. (The registry configs themselves are started
 * with the real registry in test/e2e/examples.e2e.test.ts.)
 */
import { readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { configOptions, loadConfig } from '../../src/config/load';
import { resolvePaths } from '../../src/runtime/paths';

const EXAMPLES = resolve(import.meta.dirname, '../../../../examples');
const VERSION = (
  JSON.parse(await readFile(resolve(import.meta.dirname, '../../package.json'), 'utf8')) as { version: string }
).version;
const OPTION_ENVS = new Set(configOptions().map((option) => option.env));
const OPTION_FLAGS = new Set(configOptions().map((option) => `--${option.flag}`));
/** Variables the process reads that are not options: where it unpacks its files, and glibc's malloc settings. */
const PROCESS_ENVS = new Set(['XDG_CACHE_HOME', 'HOME', 'MALLOC_ARENA_MAX', 'MALLOC_MMAP_THRESHOLD_']);

type Env = Record<string, string>;

/** The options an example sets must exist and load together (as the server would load them). */
function expectLoads(env: Env, args: string[] = []): ReturnType<typeof loadConfig> {
  for (const name of Object.keys(env)) {
    if (PROCESS_ENVS.has(name)) continue;
    expect(OPTION_ENVS, `${name} is not an option`).toContain(name);
  }
  const argv: Record<string, unknown> = { _: [] };
  for (const arg of args) {
    if (!arg.startsWith('--')) continue;
    const [flag = '', value] = arg.split('=');
    expect(OPTION_FLAGS, `${flag} is not an option`).toContain(flag);
    argv[flag.slice(2)] = value ?? true;
  }
  const warnings: string[] = [];
  const config = loadConfig({ argv, env, cwd: '/', onWarning: (line) => warnings.push(line) });
  expect(warnings).toEqual([]);
  return config;
}

interface ComposeService {
  image?: string;
  environment?: Env;
  volumes?: Array<string | { type: string; target: string; volume?: { subpath?: string } }>;
  command?: string[];
}
interface Compose {
  services: Record<string, ComposeService>;
}

async function compose(...files: string[]): Promise<Compose> {
  // Override files merge service by service as `docker compose -f a -f b` does: environment maps merge, lists add.
  const merged: Compose = { services: {} };
  for (const file of files) {
    const document = parse(await readFile(join(EXAMPLES, 'compose', file), 'utf8')) as Compose;
    for (const [name, service] of Object.entries(document.services)) {
      const into = merged.services[name] ?? {};
      merged.services[name] = {
        ...into,
        ...service,
        environment: { ...into.environment, ...service.environment },
        volumes: [...(into.volumes ?? []), ...(service.volumes ?? [])],
      };
    }
  }
  return merged;
}

/** Container paths the registry service mounts. */
function mountTargets(service: ComposeService): string[] {
  return (service.volumes ?? []).map((volume) =>
    typeof volume === 'string' ? (volume.split(':')[1] ?? '') : volume.target,
  );
}

describe('examples/compose', () => {
  for (const files of [['compose.yml'], ['compose.yml', 'compose.tls.yml']]) {
    it(`${files.join(' + ')}: every option exists, and the registry mounts the CA bundle where registry-config points`, async () => {
      const { services } = await compose(...files);
      const admin = services['registry-admin'];
      const registry = services.registry;
      expect(admin?.image).toBe(`localhost/registry-admin:${VERSION}`);
      const config = expectLoads(admin?.environment ?? {}, admin?.command ?? []);
      // The image sets RA_DATA_DIR=/data, the volume.
      const paths = resolvePaths({ ...config, 'data-dir': '/data' }, '/');
      expect(mountTargets(admin ?? {})).toContain('/data');
      expect(mountTargets(registry ?? {})).toContain(dirname(paths.certs.ca));
      if (files.includes('compose.tls.yml')) {
        expect(config.ssl.type).toBe('static');
        for (const file of [config.ssl.cert, config.ssl.key])
          expect(mountTargets(admin ?? {})).toContain(dirname(file ?? ''));
      }
    });
  }
});

interface Container {
  name: string;
  args?: string[];
  env?: Array<{ name: string; value?: string; valueFrom?: unknown }>;
  volumeMounts?: Array<{ name: string; mountPath: string }>;
}
interface Manifest {
  kind: string;
  metadata: { name: string };
  spec?: {
    template?: {
      spec: { containers: Container[]; volumes?: Array<{ name: string; secret?: { secretName: string } }> };
    };
  };
}

async function manifests(file: string): Promise<Manifest[]> {
  const text = await readFile(join(EXAMPLES, 'kubernetes', file), 'utf8');
  return parseAllDocuments(text).map((document) => {
    expect(document.errors).toEqual([]);
    return document.toJS() as Manifest;
  });
}

describe('examples/kubernetes', () => {
  it('has the Deployment, Service, PVC and Secret use of registry-admin and the registry beside it', async () => {
    const all = [...(await manifests('registry-admin.yaml')), ...(await manifests('registry.yaml'))];
    const kinds = all.map((manifest) => `${manifest.kind}/${manifest.metadata.name}`);
    for (const expected of [
      'Deployment/registry-admin',
      'Service/registry-admin',
      'PersistentVolumeClaim/registry-admin-data',
      'Deployment/registry',
      'Service/registry',
      'PersistentVolumeClaim/registry-data',
    ]) {
      expect(kinds).toContain(expected);
    }
  });

  it('sets only options that exist, and the registry mounts the CA bundle where registry-config points', async () => {
    const [adminDeployment] = (await manifests('registry-admin.yaml')).filter((m) => m.kind === 'Deployment');
    const [registryDeployment] = (await manifests('registry.yaml')).filter((m) => m.kind === 'Deployment');
    const admin = adminDeployment?.spec?.template?.spec.containers[0];
    const env: Env = {};
    for (const variable of admin?.env ?? []) {
      // Values from Secrets are options too; a stand-in value checks that they load.
      env[variable.name] = variable.value ?? 'from-a-secret';
    }
    expect(admin?.args?.[0]).toBe('serve');
    const config = expectLoads(env, admin?.args ?? []);
    const paths = resolvePaths({ ...config, 'data-dir': '/data' }, '/');
    const registry = registryDeployment?.spec?.template?.spec.containers[0];
    expect(registry?.volumeMounts?.map((mount) => mount.mountPath)).toContain(dirname(paths.certs.ca));
    // Both mount the same Secret of certificates.
    const secretOf = (deployment: Manifest | undefined, mountPath: string) => {
      const spec = deployment?.spec?.template?.spec;
      const mount = spec?.containers[0]?.volumeMounts?.find((m) => m.mountPath === mountPath);
      return spec?.volumes?.find((volume) => volume.name === mount?.name)?.secret?.secretName;
    };
    expect(secretOf(registryDeployment, dirname(paths.certs.ca))).toBe(
      secretOf(adminDeployment, dirname(paths.certs.key)),
    );
  });
});

async function unitEnv(): Promise<{ unit: string; env: Env }> {
  const unit = await readFile(join(EXAMPLES, 'systemd/registry-admin.service'), 'utf8');
  const env: Env = {};
  for (const [, name = '', value = ''] of unit.matchAll(/^Environment=([A-Z_]+)=(.*)$/gm)) env[name] = value;
  return { unit, env };
}

/** The malloc settings among `env`. */
const mallocSettings = (env: Env): Env =>
  Object.fromEntries(Object.entries(env).filter(([name]) => name.startsWith('MALLOC_')));

describe('examples/systemd', () => {
  it('starts the executable with options that exist', async () => {
    const { unit, env } = await unitEnv();
    const exec = /^ExecStart=(\S+)(.*)$/m.exec(unit);
    expect(exec?.[1]).toBe('/usr/local/bin/registry-admin');
    const args = (exec?.[2] ?? '').trim().split(/\s+/);
    expect(args[0]).toBe('serve');
    expectLoads(env, args);
    expect(unit).toMatch(/^KillSignal=SIGTERM$/m);
  });
});

describe('docker/Dockerfile', () => {
  it('gives the process the malloc settings the systemd unit gives it (and the benchmarks measure)', async () => {
    const dockerfile = await readFile(resolve(EXAMPLES, '../docker/Dockerfile'), 'utf8');
    const block = /^ENV ((?:.*\\\n)*.*)$/m.exec(dockerfile)?.[1] ?? '';
    const env: Env = {};
    for (const [, name = '', value = ''] of block.matchAll(/([A-Z_]+)=(\S+)/g)) env[name] = value;
    expect(env.RA_DATA_DIR).toBe('/data');
    const settings = mallocSettings((await unitEnv()).env);
    expect(Object.keys(settings).sort()).toEqual(['MALLOC_ARENA_MAX', 'MALLOC_MMAP_THRESHOLD_']);
    expect(mallocSettings(env)).toEqual(settings);
  });
});
