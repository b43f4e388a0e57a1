/**
 * End to end: the configuration examples of the Go registry-admin's README, fed to this server unchanged but for
 * ports and paths (which point into a temporary directory): every option of its option list as a flag, as its RA_*
 * variable, its config-file snippets as YAML (snake_case, as it documents them) and as JSON (kebab-case), and its
 * registry notification config with an admin's Basic credentials. Each starts, and every setting is either in effect
 * here or named in a start-up warning.
 */
import { access, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateCertificateSet } from '@registry-admin/cert-builder';
import {
  buildOciImage,
  copyToRegistry,
  describeE2E,
  type RunningRegistry,
  startProcess,
  startRegistry,
  waitForHttp,
} from '@registry-admin/test-support';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { parse as parseYaml, stringify } from 'yaml';
import { loadConfig } from '../../src/config/load';
import type { Config } from '../../src/config/schema';
import { CLI, freePort, runCli } from './harness/registry-admin';

/** One option of its list: flag, RA_* name, the value given here, and our option it sets (undefined: its own). */
interface SeedOption {
  flag: string;
  env: string;
  value: string | boolean;
  ours?: { path: string; value: unknown };
}

/** Its README's notification example (the one with admin:super-secret), as it is written there. */
const SEED_NOTIFICATIONS = `
notifications:
  events:
    includereferences: true
  endpoints:
    - name: ra-listener
      disabled: false
      url: http://registry-admin/api/v1/registry/events
      headers:
        Authorization: [Basic YWRtaW46c3VwZXItc2VjcmV0] # encoded in Base64 as 'admin:super-secret'
      timeout: 1s
      threshold: 5
      backoff: 3s
      ignoredmediatypes:
        - application/octet-stream
      ignore:
        mediatypes:
          - application/octet-stream
`;

/** Its README's config-file snippets (certificate for HTTPS to the registry; the access log for fail2ban). */
const seedYaml = (dir: string) => `
registry:
  certs:
    https_cert: ${dir}/ssl/cert.pem
logger:
  enabled: true
  filename: ${dir}/log/access.log # mount the directory to a docker host folder for get access for fail2ban
  max_size: 5M
  max_backups: 3
`;

function pathOf(config: Config, path: string): unknown {
  return path.split('.').reduce<unknown>((node, key) => (node as Record<string, unknown> | undefined)?.[key], config);
}

describeE2E("the Go registry-admin's configuration examples, unchanged", () => {
  let dir: string;
  let registry: RunningRegistry;
  let options: SeedOption[];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ra-seed-'));
    await mkdir(join(dir, 'ssl'));
    await mkdir(join(dir, 'log'));
    // Its HTTPS certificate for the registry (--registry.https-certs is read at start) and its own TLS pair.
    const tls = await generateCertificateSet({ dnsNames: ['localhost'] });
    await writeFile(join(dir, 'ssl', 'cert.pem'), tls.certificatePem);
    await writeFile(join(dir, 'ssl', 'key.pem'), tls.privateKeyPem, { mode: 0o600 });
    registry = await startRegistry();
    const registryPort = Number(new URL(registry.url).port);
    const certs = join(dir, 'certs');
    // Its option list, in its order; --listen, --port and paths adjusted to this machine.
    options = [
      { flag: 'listen', env: 'RA_LISTEN', value: '127.0.0.1', ours: { path: 'listen', value: '127.0.0.1' } },
      { flag: 'hostname', env: 'RA_HOST_NAME', value: 'localhost', ours: { path: 'hostname', value: 'localhost' } },
      { flag: 'port', env: 'RA_PORT', value: '0', ours: { path: 'port', value: 0 } },
      { flag: 'debug', env: 'RA_DEBUG', value: true, ours: { path: 'debug', value: true } },
      {
        flag: 'registry.host',
        env: 'RA_REGISTRY_HOST',
        value: 'http://127.0.0.1',
        ours: { path: 'registry.host', value: 'http://127.0.0.1' },
      },
      {
        flag: 'registry.port',
        env: 'RA_REGISTRY_PORT',
        value: String(registryPort),
        ours: { path: 'registry.port', value: registryPort },
      },
      { flag: 'registry.auth-type', env: 'RA_REGISTRY_AUTH_TYPE', value: 'token' },
      { flag: 'registry.login', env: 'RA_REGISTRY_LOGIN', value: 'registry-login' },
      { flag: 'registry.password', env: 'RA_REGISTRY_PASSWORD', value: 'registry-password' },
      { flag: 'registry.htpasswd', env: 'RA_REGISTRY_HTPASSWD', value: join(dir, '.htpasswd') },
      { flag: 'registry.https-insecure', env: 'RA_REGISTRY_HTTPS_INSECURE', value: true },
      {
        flag: 'registry.service',
        env: 'RA_REGISTRY_SERVICE',
        value: 'container_registry_service_name',
        ours: { path: 'registry.service', value: 'container_registry_service_name' },
      },
      {
        flag: 'registry.issuer',
        env: 'RA_REGISTRY_ISSUER',
        value: 'registry_token_issuer_name',
        ours: { path: 'registry.issuer', value: 'registry_token_issuer_name' },
      },
      {
        flag: 'registry.gc-interval',
        env: 'RA_REGISTRY_GC_INTERVAL',
        value: '30',
        ours: { path: 'registry.gc-interval', value: 1800 },
      },
      {
        flag: 'registry.certs.path',
        env: 'RA_REGISTRY_CERTS_CERT_PATH',
        value: certs,
        ours: { path: 'registry.certs.path', value: certs },
      },
      {
        flag: 'registry.certs.key',
        env: 'RA_REGISTRY_CERTS_KEY_PATH',
        value: join(certs, 'cert.key'),
        ours: { path: 'registry.certs.key', value: join(certs, 'cert.key') },
      },
      {
        flag: 'registry.certs.public-key',
        env: 'RA_REGISTRY_CERTS_PUBLIC_KEY_PATH',
        value: join(certs, 'cert.pub'),
        ours: { path: 'registry.certs.public-key', value: join(certs, 'cert.pub') },
      },
      {
        flag: 'registry.certs.ca-root',
        env: 'RA_REGISTRY_CERTS_CA_ROOT_PATH',
        value: join(certs, 'cert.crt'),
        ours: { path: 'registry.certs.ca-root', value: join(certs, 'cert.crt') },
      },
      {
        flag: 'registry.certs.fqdn',
        env: 'RA_REGISTRY_CERTS_FQDN',
        value: 'registry.example.com',
        ours: { path: 'registry.certs.fqdn', value: ['registry.example.com'] },
      },
      {
        flag: 'registry.certs.ip',
        env: 'RA_REGISTRY_CERTS_IP',
        value: '127.0.0.1',
        ours: { path: 'registry.certs.ip', value: ['127.0.0.1'] },
      },
      { flag: 'registry.https-certs', env: 'RA_REGISTRY_HTTPS_CERT', value: join(dir, 'ssl', 'cert.pem') },
      { flag: 'auth.token-secret', env: 'RA_AUTH_TOKEN_SECRET', value: 'super-secret-password-string' },
      { flag: 'auth.jwt-issuer', env: 'RA_AUTH_ISSUER_NAME', value: 'zebox' },
      { flag: 'auth.jwt-ttl', env: 'RA_AUTH_JWT_TTL', value: '1h' },
      {
        flag: 'auth.cookie-ttl',
        env: 'RA_AUTH_COOKIE_TTL',
        value: '24h',
        ours: { path: 'auth.session-ttl', value: 86400 },
      },
      { flag: 'logger.stdout', env: 'RA_LOGGER_STDOUT', value: true },
      { flag: 'logger.enabled', env: 'RA_LOGGER_ENABLED', value: true },
      { flag: 'logger.file', env: 'RA_LOGGER_FILE', value: join(dir, 'log', 'access.log') },
      {
        flag: 'logger.max-size',
        env: 'RA_LOGGER_SIZE',
        value: '10M',
        ours: { path: 'logger.max-size', value: 10 * 1024 * 1024 },
      },
      {
        flag: 'logger.max-backups',
        env: 'RA_LOGGER_BACKUPS',
        value: '10',
        ours: { path: 'logger.max-backups', value: 10 },
      },
      { flag: 'ssl.type', env: 'RA_SSL_TYPE', value: 'none', ours: { path: 'ssl.type', value: 'none' } },
      {
        flag: 'ssl.cert',
        env: 'RA_SSL_CERT',
        value: join(dir, 'ssl', 'cert.pem'),
        ours: { path: 'ssl.cert', value: join(dir, 'ssl', 'cert.pem') },
      },
      {
        flag: 'ssl.key',
        env: 'RA_SSL_KEY',
        value: join(dir, 'ssl', 'key.pem'),
        ours: { path: 'ssl.key', value: join(dir, 'ssl', 'key.pem') },
      },
      { flag: 'ssl.acme-location', env: 'RA_SSL_ACME_LOCATION', value: join(dir, 'acme') },
      { flag: 'ssl.acme-email', env: 'RA_SSL_ACME_EMAIL', value: 'admin@example.com' },
      { flag: 'ssl.port', env: 'RA_SSL_PORT', value: '8443', ours: { path: 'ssl.port', value: 8443 } },
      {
        flag: 'ssl.http-port',
        env: 'RA_SSL_ACME_HTTP_PORT',
        value: '8081',
        ours: { path: 'ssl.http-port', value: 8081 },
      },
      {
        flag: 'ssl.fqdn',
        env: 'RA_SSL_ACME_FQDN',
        value: 'registry.example.com',
        ours: { path: 'ssl.fqdn', value: ['registry.example.com'] },
      },
      { flag: 'store.type', env: 'RA_STORE_DB_TYPE', value: 'embed', ours: { path: 'store.type', value: 'embed' } },
      {
        flag: 'store.admin-password',
        env: 'RA_STORE_ADMIN_PASSWORD',
        value: 'super-secret',
        ours: { path: 'store.admin-password', value: 'super-secret' },
      },
      {
        flag: 'store.embed.path',
        env: 'RA_STORE_EMBED_DB_PATH',
        value: join(dir, 'data.db'),
        ours: { path: 'store.embed.path', value: join(dir, 'data.db') },
      },
    ];
  });

  afterAll(async () => {
    await registry?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  /** Starts `serve` as users run it; resolves with its log once /readyz answers, and stops it. */
  async function startsWith(args: string[], env: NodeJS.ProcessEnv = {}): Promise<string> {
    const server = startProcess(process.execPath, [CLI, 'serve', '--data-dir', join(dir, 'data'), ...args], {
      env: { ...process.env, ...env },
    });
    try {
      const match = await server.waitFor(/listening on (https?:\/\/\S+)/, 90_000);
      await waitForHttp(`${match[1]}/readyz`, (status) => status === 200);
      return server.logs();
    } finally {
      await server.stop();
      await rm(join(dir, 'data.db'), { force: true });
      for (const suffix of ['-wal', '-shm']) await rm(join(dir, `data.db${suffix}`), { force: true });
    }
  }

  /** Each option is in effect (ours, or one the Go tool names differently), or a warning names it. */
  function expectEachInEffectOrWarned(config: Config, warnings: string, name: (option: SeedOption) => string) {
    for (const option of options) {
      const target = option.ours ?? { path: option.flag, value: option.value };
      const inEffect = JSON.stringify(pathOf(config, target.path)) === JSON.stringify(target.value);
      if (option.ours) expect(pathOf(config, option.ours.path), option.flag).toEqual(option.ours.value);
      else expect(inEffect || warnings.includes(name(option)), `${option.flag}: in effect or warned`).toBe(true);
    }
  }

  it('takes every flag of its option list', async () => {
    const argv = Object.fromEntries(options.map((option) => [option.flag, option.value]));
    const lines: string[] = [];
    const config = loadConfig({ argv, onWarning: (line) => lines.push(line) });
    expectEachInEffectOrWarned(config, lines.join('\n'), (option) => `--${option.flag} `);

    const args = options.flatMap((option) =>
      option.value === true ? [`--${option.flag}`] : [`--${option.flag}=${String(option.value)}`],
    );
    const logs = await startsWith(args);
    for (const line of lines) expect(logs).toContain(line);
    // Its certificate paths are where the certificates were made.
    for (const file of ['cert.key', 'cert.pub', 'cert.crt']) await access(join(dir, 'certs', file));
  }, 180_000);

  it('takes every RA_* variable of its option list', async () => {
    const env = Object.fromEntries(options.map((option) => [option.env, String(option.value)]));
    const lines: string[] = [];
    const config = loadConfig({ env, onWarning: (line) => lines.push(line) });
    expectEachInEffectOrWarned(config, lines.join('\n'), (option) => `${option.env} `);
    expect(lines.join('\n')).not.toContain('unknown environment variable');
    const logs = await startsWith([], env);
    for (const line of lines) expect(logs).toContain(line);
  }, 180_000);

  it('takes its config-file snippets and option names as YAML (snake_case) and JSON (kebab-case)', async () => {
    const settings = {
      listen: '127.0.0.1',
      hostname: 'localhost',
      port: 0,
      registry: {
        host: 'http://127.0.0.1',
        port: Number(new URL(registry.url).port),
        auth_type: 'token',
        issuer: 'registry_token_issuer',
        service: 'container_registry',
        certs: {
          path: join(dir, 'certs'),
          key: join(dir, 'certs', 'cert.key'),
          public_key: join(dir, 'certs', 'cert.pub'),
          ca: join(dir, 'certs', 'cert.crt'),
          fqdns: ['registry.example.com', 'localhost'],
          ip: '127.0.0.1',
        },
      },
      store: { type: 'embed', admin_password: 'super-secret', embed: { path: join(dir, 'data.db') } },
    };
    // YAML: the documented settings as it names them, with its two snippets (paths excepted) as written.
    const yamlFile = join(dir, 'ra-config.yml');
    const withHttpsCert = {
      ...settings,
      registry: {
        ...settings.registry,
        certs: { ...settings.registry.certs, ...(parseYaml(seedYaml(dir)).registry.certs as object) },
      },
    };
    await writeFile(
      yamlFile,
      `${stringify(withHttpsCert)}${seedYaml(dir).split('logger:')[1] ? `logger:${seedYaml(dir).split('logger:')[1]}` : ''}`,
    );
    // JSON: the same, every key in kebab-case.
    const kebab = (value: unknown): unknown =>
      value && typeof value === 'object' && !Array.isArray(value)
        ? Object.fromEntries(Object.entries(value).map(([k, v]) => [k.replace(/_/g, '-'), kebab(v)]))
        : value;
    const jsonFile = join(dir, 'ra-config.json');
    await writeFile(jsonFile, JSON.stringify(kebab(parseYaml(await readFile(yamlFile, 'utf8'))), null, 2));

    for (const file of [yamlFile, jsonFile]) {
      const lines: string[] = [];
      const config = loadConfig({ argv: { 'config-file': file }, onWarning: (line) => lines.push(line) });
      const said = lines.join('\n');
      expect(config.hostname).toBe('localhost');
      expect(config.registry.issuer, file).toBe('registry_token_issuer');
      expect(config.registry.certs['public-key']).toBe(join(dir, 'certs', 'cert.pub'));
      expect(config.registry.certs['ca-root']).toBe(join(dir, 'certs', 'cert.crt'));
      expect(config.registry.certs.fqdn).toEqual(['registry.example.com', 'localhost']);
      expect(config.store['admin-password']).toBe('super-secret');
      expect(config.store.embed.path).toBe(join(dir, 'data.db'));
      for (const key of ['registry.auth-type', 'registry.certs.https-cert', 'logger.enabled', 'logger.filename']) {
        const own = pathOf(config, key);
        expect(own !== undefined || said.includes(`${key} in ${file}`), `${key} in ${file}`).toBe(true);
      }
      const logs = await startsWith(['--config-file', file]);
      for (const line of lines) expect(logs).toContain(line);
    }
  }, 180_000);

  it('accepts events from its registry notification config unchanged (an admin’s Basic credentials)', async () => {
    const dataDir = join(dir, 'notifications');
    const added = await runCli([
      'user',
      'add',
      'admin',
      '--role',
      'admin',
      '--password',
      'super-secret',
      '--data-dir',
      dataDir,
    ]);
    expect(added.code, added.stderr).toBe(0);
    const port = await freePort();
    const notifications = parseYaml(
      SEED_NOTIFICATIONS.replace('http://registry-admin/', `http://127.0.0.1:${port}/`),
    ).notifications;
    const notifying = await startRegistry({ notifications });
    const server = startProcess(process.execPath, [
      CLI,
      'serve',
      '--listen',
      `127.0.0.1:${port}`,
      '--data-dir',
      dataDir,
      '--registry.host',
      'http://127.0.0.1',
      '--registry.port',
      new URL(notifying.url).port,
      '--registry.sync',
      'false',
    ]);
    try {
      const url = (await server.waitFor(/listening on (https?:\/\/\S+)/, 90_000))[1] as string;
      const image = await buildOciImage(join(dir, 'image'), { tag: 'v1', seed: 'seed-notifications' });
      const pushed = await copyToRegistry(image.dir, 'v1', `${notifying.host}/team/app:v1`);
      expect(pushed.code, pushed.stderr).toBe(0);
      const auth = `Basic ${Buffer.from('admin:super-secret').toString('base64')}`;
      let events: Array<{ repository: string; action: string }> = [];
      // The registry sends within its timeout and backoff; look a bounded number of times.
      for (let attempt = 0; attempt < 60 && events.length === 0; attempt++) {
        await new Promise((resolve) => setTimeout(resolve, 500));
        events = (await (
          await fetch(`${url}/api/v1/events`, { headers: { authorization: auth } })
        ).json()) as typeof events;
      }
      expect(events.some((event) => event.repository === 'team/app' && event.action === 'push')).toBe(true);
      expect(notifying.logs()).not.toMatch(/status=401/);
    } finally {
      await server.stop();
      await notifying.stop();
    }
  }, 180_000);
});
