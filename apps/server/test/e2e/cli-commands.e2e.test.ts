/**
 * End to end: every command of the built executable still works now that each loads what it needs when it runs
 * (the commands, yargs and the configuration schema, mail, the PostgreSQL driver, certificate generation and the YAML
 * parser are all loaded on demand) — and the cheap ones load none of the heavy packages.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeE2E, type RunningRegistry, startRegistry } from '@registry-admin/test-support';
import bcrypt from 'bcryptjs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runCli, startRegistryAdmin } from './harness/registry-admin';

const PACKAGE_VERSION = (
  JSON.parse(await readFile(join(import.meta.dirname, '../../package.json'), 'utf8')) as {
    version: string;
  }
).version;

/** Packages only some commands or options need, by where their files lie; none may load where it is not needed. */
const HEAVY: Record<string, RegExp> = {
  pg: /\/node_modules\/pg\//,
  nodemailer: /\/node_modules\/nodemailer\//,
  // @peculiar/x509 is bundled into a chunk of its own, loaded when a certificate is generated.
  x509: /\/x509\.es-[^/]*\.js$/,
  fastify: /\/node_modules\/fastify\//,
  yaml: /\/node_modules\/yaml\//,
  yargs: /\/node_modules\/yargs\//,
  zod: /\/node_modules\/zod\//,
  'better-sqlite3': /\/node_modules\/better-sqlite3\//,
  // Fastify's default validator compiler: every schema is zod, so it is never needed.
  ajv: /\/node_modules\/ajv\//,
  // The OpenAPI document's generator loads when the document is first asked for, the docs page (Swagger UI) when it is
  // first opened.
  swagger: /\/node_modules\/@fastify\/swagger\//,
  'swagger-ui': /\/node_modules\/@fastify\/swagger-ui\//,
  // The web UI's file server loads with the first asset asked for.
  'file-server': /\/node_modules\/@fastify\/(?:send|static)\//,
  // Password hashing loads with the first password set or checked; bcrypt only in htpasswd mode or for imported users.
  argon2: /\/node_modules\/argon2\//,
  bcrypt: /\/node_modules\/bcryptjs\//,
};

describeE2E('registry-admin commands, each loading what it needs', () => {
  let dir: string;
  let dataDir: string;
  let hook: string;
  let registry: RunningRegistry;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ra-cli-e2e-'));
    dataDir = join(dir, 'data');
    // Lists every module the process loaded (ES modules through the loader hook, CommonJS from the require cache).
    hook = join(dir, 'loaded.mjs');
    await writeFile(
      hook,
      `import Module, { register } from 'node:module';
import { MessageChannel } from 'node:worker_threads';
const { port1, port2 } = new MessageChannel();
const urls = [];
port1.on('message', (url) => urls.push(url));
port1.unref();
register(${JSON.stringify(
        `data:text/javascript,${encodeURIComponent(
          'let port; export function initialize(data) { port = data.port; } ' +
            'export async function load(url, context, next) { port.postMessage(url); return next(url, context); }',
        )}`,
      )}, { parentURL: import.meta.url, data: { port: port2 }, transferList: [port2] });
process.on('exit', () => {
  process.stderr.write('LOADED ' + JSON.stringify([...urls, ...Object.keys(Module._cache)]) + '\\n');
});
`,
    );
    registry = await startRegistry();
  });
  afterAll(async () => {
    await registry?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  /** Runs the built CLI with the loader hook; resolves with its output and the heavy packages it loaded. */
  async function run(args: string[], env: NodeJS.ProcessEnv = {}) {
    const result = await runCli(args, { env: { ...env, NODE_OPTIONS: `--import=${hook}` } });
    const line = /^LOADED (.*)$/m.exec(result.stderr)?.[1];
    expect(line, result.stderr).toBeDefined();
    const loaded = JSON.parse(line ?? '[]') as string[];
    const heavy = Object.keys(HEAVY).filter((name) => loaded.some((url) => HEAVY[name]?.test(url)));
    return { ...result, stderr: result.stderr.replace(/^LOADED .*\n?/m, ''), heavy };
  }
  const withData = (args: string[]) => [...args, '--data-dir', dataDir];

  it('--version and --help', async () => {
    const version = await run(['--version']);
    expect(version).toMatchObject({ code: 0, stdout: `${PACKAGE_VERSION}\n`, heavy: [] });
    const help = await run(['--help']);
    expect(help.code).toBe(0);
    for (const command of ['serve', 'user', 'certs', 'sync', 'registry-config']) expect(help.stdout).toContain(command);
    expect(help.stdout).toContain('[RA_REGISTRY_TOKEN_TTL]');
    const userHelp = await run(['user', '--help']);
    expect(userHelp.stdout).toContain('import <file>');
  });

  it('user add, passwd, list and import; a bad option still fails with its name', async () => {
    const add = await run(withData(['user', 'add', 'carol', '--password', 'carol-password', '--role', 'manager']));
    expect(add.code, add.stderr).toBe(0);
    expect(add.heavy).toContain('argon2');
    expect(add.stdout).toMatch(/created user "carol"/);
    expect((await run(withData(['user', 'passwd', 'carol', '--password', 'carol-password-2']))).code).toBe(0);
    const htpasswd = join(dir, 'htpasswd');
    await writeFile(htpasswd, `dave:${bcrypt.hashSync('dave-password', 4)}\n`);
    const imported = await run(withData(['user', 'import', htpasswd]));
    expect(imported.stdout).toBe('imported 1 user(s)\n');

    const list = await run(withData(['user', 'list']));
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(/carol\s+manager/);
    expect(list.stdout).toMatch(/dave\s+user/);
    // The store and the configuration, nothing of the server, mail, PostgreSQL, certificates, YAML or passwords.
    expect(list.heavy).toEqual(['yargs', 'zod', 'better-sqlite3']);
    const json = await run(withData(['user', 'list', '--json']));
    expect((JSON.parse(json.stdout) as Array<{ login: string }>).map((u) => u.login)).toEqual(['carol', 'dave']);

    const bad = await run(withData(['user', 'list', '--registry.token-ttl', '5']));
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--registry.token-ttl (RA_REGISTRY_TOKEN_TTL)');
  });

  it('reads a YAML config file only when there is one', async () => {
    const file = join(dir, 'config.yml');
    await writeFile(file, 'registry:\n  token-ttl: 5\n');
    const fromFile = await run(withData(['user', 'list', '--config-file', file]));
    expect(fromFile.code).toBe(2);
    expect(fromFile.stderr).toContain('--registry.token-ttl');
    expect(fromFile.heavy).toContain('yaml');
  });

  it('certs generate loads the certificate tooling; registry-config prints YAML and JSON', async () => {
    const certs = await run(withData(['certs', 'generate']));
    expect(certs.code, certs.stderr).toBe(0);
    expect(certs.stdout).toMatch(/registry_auth\.key \(0600\)/);
    expect(certs.heavy).toContain('x509');
    const again = await run(withData(['certs', 'generate']));
    expect(again.code).not.toBe(0);

    const yaml = await run(withData(['registry-config']));
    expect(yaml.code, yaml.stderr).toBe(0);
    expect(yaml.stdout).toMatch(/^auth:\n {2}token:\n/);
    // Existing certificates are read with node:crypto: no certificate tooling.
    expect(yaml.heavy).not.toContain('x509');
    const json = await run(withData(['registry-config', '--format', 'json']));
    expect(JSON.parse(json.stdout)).toMatchObject({ auth: { token: { service: 'container_registry' } } });
  });

  it('sync against a real registry, and a clear error without one', async () => {
    const missing = await run(withData(['sync']));
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('--registry.host');
    const [host, port] = registry.host.split(':');
    const sync = await run(withData(['sync', '--registry.host', `http://${host}`, '--registry.port', port ?? '']));
    expect(sync.code, sync.stderr).toBe(0);
    expect(sync.stdout).toMatch(/^synced 0 repositories, 0 tags/);
    expect(sync.heavy).not.toContain('pg');
    expect(sync.heavy).not.toContain('nodemailer');
  });

  it('serve answers /healthz on the existing data dir, without what it was not asked for, and stops on SIGTERM', async () => {
    const server = await startRegistryAdmin([], { dataDir, env: { NODE_OPTIONS: `--import=${hook}` } });
    try {
      expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
      // The web UI is served (the workspace's build), its page answered from memory.
      const page = await fetch(server.url, { headers: { accept: 'text/html' } });
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('/assets/');
    } finally {
      expect(await server.stop()).toEqual({ code: 0, signal: null });
    }
    const line = /^LOADED (.*)$/m.exec(server.logs())?.[1];
    expect(line, server.logs()).toBeDefined();
    const loaded = JSON.parse(line ?? '[]') as string[];
    const heavy = Object.keys(HEAVY).filter((name) => loaded.some((url) => HEAVY[name]?.test(url)));
    // The server itself, and nothing of what only mail, PostgreSQL, certificate generation, the OpenAPI document, the
    // docs page, the UI's assets or a sign-in need.
    expect(heavy.sort()).toEqual(['better-sqlite3', 'fastify', 'yargs', 'zod']);
  });

  it('serve keeps the young generation at its initial size', async () => {
    const server = await startRegistryAdmin(['--metrics.enabled'], { dataDir });
    try {
      // Start-up (every module loaded) and some requests: by default V8 grows it to two 16 MiB semi-spaces for this.
      for (let i = 0; i < 50; i++) await (await fetch(`${server.url}/api/v1/openapi.json`)).arrayBuffer();
      const metrics = await (await fetch(`${server.url}/metrics`)).text();
      const size = /^registry_admin_nodejs_heap_space_size_total_bytes\{space="new"\} (\d+)/m.exec(metrics)?.[1];
      expect(size, metrics.slice(0, 2000)).toBeDefined();
      expect(Number(size) / 2 ** 20).toBeLessThanOrEqual(4);
    } finally {
      await server.stop();
    }
  });
});
