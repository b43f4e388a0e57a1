import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, configOptions, envName, loadConfig } from './load';

describe('configuration', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ra-config-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  const errorOf = (run: () => unknown): ConfigError => {
    try {
      run();
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      return error as ConfigError;
    }
    throw new Error('expected a ConfigError');
  };

  it('derives every option, its flag and its RA_* name from the schema', () => {
    const flags = configOptions().map((option) => option.flag);
    expect(flags).toContain('registry.token-ttl');
    expect(flags).toContain('store.admin-password');
    expect(flags).toContain('config-file');
    expect(envName('registry.token-ttl')).toBe('RA_REGISTRY_TOKEN_TTL');
    expect(configOptions().find((o) => o.flag === 'registry.certs.fqdn')?.kind).toBe('list');
    expect(configOptions().find((o) => o.flag === 'debug')?.kind).toBe('boolean');
  });

  it('applies defaults', () => {
    const config = loadConfig({});
    expect(config.port).toBe(8080);
    expect(config.registry['token-ttl']).toBe(300);
    expect(config.store.type).toBe('embed');
  });

  it('takes flags over environment over file over defaults', async () => {
    const file = join(dir, 'config.yml');
    await writeFile(
      file,
      'port: 1111\nhostname: from-file\nregistry:\n  token_ttl: 120\n  service: file-service\n  issuer: file-issuer\n',
    );
    const config = loadConfig({
      argv: { 'config-file': file, 'registry.token-ttl': '600' },
      env: {
        RA_PORT: '2222',
        RA_REGISTRY_TOKEN_TTL: '900',
        RA_REGISTRY_SERVICE: 'env-service',
        RA_TEST_OTHER: 'ignored',
      },
    });
    expect(config.registry['token-ttl']).toBe(600);
    expect(config.port).toBe(2222);
    expect(config.registry.service).toBe('env-service');
    expect(config.registry.issuer).toBe('file-issuer');
    expect(config.hostname).toBe('from-file');
  });

  it('reads JSON files and RA_CONFIG_FILE', async () => {
    const file = join(dir, 'config.json');
    await writeFile(
      file,
      JSON.stringify({ registry: { certs: { fqdn: ['a.example', 'b.example'] } }, auth: { cacheTtl: '2m' } }),
    );
    const config = loadConfig({ env: { RA_CONFIG_FILE: file } });
    expect(config.registry.certs.fqdn).toEqual(['a.example', 'b.example']);
    expect(config.auth['cache-ttl']).toBe(120);
  });

  it('parses durations and comma lists', () => {
    const config = loadConfig({ env: { RA_REGISTRY_TOKEN_TTL: '10m', RA_REGISTRY_CERTS_IP: '10.0.0.1, ::1' } });
    expect(config.registry['token-ttl']).toBe(600);
    expect(config.registry.certs.ip).toEqual(['10.0.0.1', '::1']);
  });

  it('names the option and its variable in errors, never echoing secrets', () => {
    const ttl = errorOf(() => loadConfig({ argv: { 'registry.token-ttl': '10' } }));
    expect(ttl.message).toContain('--registry.token-ttl (RA_REGISTRY_TOKEN_TTL)');
    expect(ttl.code).toBe('ERR_CONFIG_INVALID');
    expect(errorOf(() => loadConfig({ env: { RA_PORT: 'eighty' } })).message).toContain('--port (RA_PORT)');
    expect(errorOf(() => loadConfig({ env: { RA_REGISTRY_CERTS_IP: '999.1.1.1' } })).message).toContain(
      '--registry.certs.ip',
    );
    expect(errorOf(() => loadConfig({ env: { RA_STORE_TYPE: 'mongo' } })).message).toContain('--store.type');
    const postgres = errorOf(() => loadConfig({ env: { RA_STORE_TYPE: 'postgres' } }));
    expect(postgres.message).toContain('--store.postgres.url');
    const secret = errorOf(() => loadConfig({ env: { RA_STORE_ADMIN_PASSWORD: 'short' } }));
    expect(secret.message).toContain('--store.admin-password');
    expect(secret.message).not.toContain('short');
  });

  it('rejects unknown keys and unreadable files naming them', async () => {
    const file = join(dir, 'bad.yml');
    await writeFile(file, 'registry:\n  tokn-ttl: 5\n');
    const unknown = errorOf(() => loadConfig({ argv: { 'config-file': file } }));
    expect(unknown.message).toContain('unknown option registry.tokn-ttl');
    expect(unknown.message).toContain(file);
    const missing = errorOf(() => loadConfig({ argv: { 'config-file': join(dir, 'missing.yml') } }));
    expect(missing.code).toBe('ERR_CONFIG_FILE');
    await writeFile(join(dir, 'broken.yml'), 'a: [unclosed\n');
    expect(errorOf(() => loadConfig({ argv: { 'config-file': join(dir, 'broken.yml') } })).code).toBe(
      'ERR_CONFIG_FILE',
    );
  });

  it('reads --listen as host, host:port, *, *:port, [IPv6] and [IPv6]:port', () => {
    const listen = (value: string) => {
      const config = loadConfig({ argv: { listen: value } });
      return { host: config.listen, port: config.port };
    };
    expect(loadConfig({}).listen).toBe('0.0.0.0');
    expect(listen('127.0.0.1')).toEqual({ host: '127.0.0.1', port: 8080 });
    expect(listen('0.0.0.0:80')).toEqual({ host: '0.0.0.0', port: 80 });
    expect(listen('*')).toEqual({ host: '*', port: 8080 });
    expect(listen('*:8443')).toEqual({ host: '*', port: 8443 });
    expect(listen(':9000')).toEqual({ host: '*', port: 9000 });
    expect(listen('[::]:5080')).toEqual({ host: '::', port: 5080 });
    expect(listen('[::1]')).toEqual({ host: '::1', port: 8080 });
    expect(listen('::1')).toEqual({ host: '::1', port: 8080 });
    // A bare IPv6 address is all host (`::1:80` is an address): its port needs the brackets.
    expect(listen('::1:80')).toEqual({ host: '::1:80', port: 8080 });
    expect(listen('localhost:0')).toEqual({ host: 'localhost', port: 0 });
    expect(listen('registry-admin.example.com')).toEqual({ host: 'registry-admin.example.com', port: 8080 });
    // From the environment too.
    expect(loadConfig({ env: { RA_LISTEN: '0.0.0.0:80' } }).port).toBe(80);
  });

  it('refuses a --listen that is no address, naming the option', () => {
    for (const value of ['0.0.0.0:99999', '[::1', '[nothost]:80', 'a b', 'host:', 'http://x:80', '1.2.3.4:-1']) {
      const error = errorOf(() => loadConfig({ argv: { listen: value } }));
      expect(error.message, value).toContain('--listen (RA_LISTEN)');
      expect(error.message, value).toContain('host:port');
    }
  });

  it('refuses a port given both in --listen and in --port when they differ, naming both options', async () => {
    const clash = errorOf(() => loadConfig({ argv: { listen: '0.0.0.0:80', port: '8080' } }));
    expect(clash.message).toContain('--port (RA_PORT)');
    expect(clash.message).toContain('--listen (RA_LISTEN)');
    expect(clash.option).toBe('port');
    const file = join(dir, 'listen.yml');
    await writeFile(file, 'port: 81\n');
    expect(errorOf(() => loadConfig({ argv: { 'config-file': file }, env: { RA_LISTEN: '*:80' } })).message).toContain(
      'sets port 80',
    );
    // The same port twice is no clash.
    expect(loadConfig({ argv: { listen: '*:80', port: '80' } }).port).toBe(80);
  });

  const loadWarning = (env: NodeJS.ProcessEnv, argv: Record<string, unknown> = {}) => {
    const warnings: string[] = [];
    const config = loadConfig({ env, argv, onWarning: (line) => warnings.push(line) });
    return { config, warnings };
  };

  it('reports an RA_* variable that is no option, with the name it probably meant', () => {
    const { config, warnings } = loadWarning({
      RA_REGISTRY_TOKN_TTL: '600',
      RA_PROT: '81',
      RA_SOMETHING_ELSE_ENTIRELY: 'x',
      RA_TEST_POSTGRES_URL: 'postgres://test',
      RA_E2E_REQUIRED: '1',
      RA_WEB_DIR: '/srv/web',
      PATH: '/bin',
    });
    expect(config.registry['token-ttl']).toBe(300);
    expect(config.port).toBe(8080);
    expect(warnings).toEqual([
      'unknown environment variable RA_PROT is ignored (did you mean RA_PORT?)',
      'unknown environment variable RA_REGISTRY_TOKN_TTL is ignored (did you mean RA_REGISTRY_TOKEN_TTL?)',
      'unknown environment variable RA_SOMETHING_ELSE_ENTIRELY is ignored',
    ]);
    // A typo of one of the Go tool's names is suggested that name.
    expect(loadWarning({ RA_HOST_NAM: 'x' }).warnings).toEqual([
      'unknown environment variable RA_HOST_NAM is ignored (did you mean RA_HOST_NAME?)',
    ]);
    expect(loadWarning({ RA_PORT: '81', RA_REGISTRY_HOST: 'http://r' }).warnings).toEqual([]);
  });

  it("takes the Go registry-admin's names for our options, and says which option each set", () => {
    const { config, warnings } = loadWarning({
      RA_HOST_NAME: 'registry-admin.example.com',
      RA_STORE_DB_TYPE: 'embed',
      RA_REGISTRY_CERTS_CERT_PATH: '/certs',
      RA_REGISTRY_CERTS_KEY_PATH: '/certs/registry_auth.key',
      RA_REGISTRY_CERTS_PUBLIC_KEY_PATH: '/certs/registry_auth.pub',
      RA_REGISTRY_CERTS_CA_ROOT_PATH: '/certs/registry_auth_ca.crt',
      RA_AUTH_COOKIE_TTL: '24h',
    });
    expect(config.hostname).toBe('registry-admin.example.com');
    expect(config.store.type).toBe('embed');
    expect(config.registry.certs).toMatchObject({
      path: '/certs',
      key: '/certs/registry_auth.key',
      'public-key': '/certs/registry_auth.pub',
      'ca-root': '/certs/registry_auth_ca.crt',
    });
    expect(config.auth['session-ttl']).toBe(86400);
    expect(warnings).toContain(
      'RA_HOST_NAME (--hostname of the Go registry-admin) sets --hostname (RA_HOSTNAME); rename it to RA_HOSTNAME',
    );
    expect(warnings).toContain(
      'RA_REGISTRY_CERTS_CERT_PATH (--registry.certs.path of the Go registry-admin) sets --registry.certs.path ' +
        '(RA_REGISTRY_CERTS_PATH); rename it to RA_REGISTRY_CERTS_PATH',
    );
    expect(warnings).toHaveLength(7);
  });

  it('keeps flags over our variables over the Go names over the file', async () => {
    const file = join(dir, 'go-names.yml');
    await writeFile(file, 'hostname: from-file\nregistry:\n  certs:\n    key: /file.key\n    path: /file-certs\n');
    const { config, warnings } = loadWarning(
      {
        RA_CONFIG_FILE: file,
        RA_HOST_NAME: 'from-go-name',
        RA_HOSTNAME: 'from-our-name',
        RA_REGISTRY_CERTS_KEY_PATH: '/go.key',
        RA_REGISTRY_CERTS_CERT_PATH: '/go-certs',
      },
      { 'registry.certs.path': '/flag-certs' },
    );
    expect(config.hostname).toBe('from-our-name');
    expect(config.registry.certs.key).toBe('/go.key');
    expect(config.registry.certs.path).toBe('/flag-certs');
    expect(warnings).toContain(
      'RA_HOST_NAME (--hostname of the Go registry-admin) is ignored: RA_HOSTNAME is set too and wins',
    );
  });

  it("reports the Go registry-admin's options that mean nothing here or are not supported yet, with the reason", () => {
    const { config, warnings } = loadWarning({
      RA_STORE_EMBED_DB_PATH: '/data/data.db',
      RA_AUTH_JWT_TTL: '5m',
      RA_AUTH_ISSUER_NAME: 'registry-secret-value',
      RA_AUTH_TOKEN_SECRET: 'token-secret-value',
      RA_LOGGER_STDOUT: '/var/log/access.log',
    });
    expect(config.registry.service).toBe('container_registry');
    expect(warnings).toHaveLength(5);
    expect(warnings.join('\n')).toContain(
      'RA_AUTH_TOKEN_SECRET (--auth.token-secret of the Go registry-admin) has no effect here: ',
    );
    expect(warnings.join('\n')).toContain('RA_LOGGER_STDOUT (--logger.stdout of the Go registry-admin) has no effect');
    // Values are never echoed: some are secrets.
    for (const value of ['registry-secret-value', 'token-secret-value', '/var/log/access.log']) {
      expect(warnings.join('\n')).not.toContain(value);
    }
  });

  it("takes the Go registry-admin's ACME options, under its names where they differ from ours", () => {
    const { config, warnings } = loadWarning({
      RA_SSL_TYPE: 'auto',
      RA_SSL_ACME_EMAIL: 'ops@example.com',
      RA_SSL_ACME_LOCATION: '/var/lib/acme',
      RA_SSL_ACME_FQDN: 'registry.example.com,hub.example.com',
      RA_SSL_ACME_HTTP_PORT: '8081',
      RA_SSL_PORT: '8443',
    });
    expect(config.ssl).toMatchObject({
      type: 'auto',
      'acme-email': 'ops@example.com',
      'acme-location': '/var/lib/acme',
      fqdn: ['registry.example.com', 'hub.example.com'],
      'http-port': 8081,
      port: 8443,
    });
    // Where its variable names differ, the start says which name is ours.
    expect(warnings).toEqual([
      expect.stringContaining('RA_SSL_ACME_FQDN (--ssl.fqdn of the Go registry-admin) sets --ssl.fqdn (RA_SSL_FQDN)'),
      expect.stringContaining('RA_SSL_ACME_HTTP_PORT (--ssl.http-port of the Go registry-admin) sets --ssl.http-port'),
    ]);
  });

  it("reads the access log options under our names and the Go tool's, sizes with a unit", () => {
    const { config, warnings } = loadWarning({
      RA_LOGGER_ENABLED: 'true',
      RA_LOGGER_FILE: '/var/log/ra/access.log',
      RA_LOGGER_SIZE: '5M',
      RA_LOGGER_BACKUPS: '3',
    });
    expect(config.logger).toMatchObject({
      enabled: true,
      file: '/var/log/ra/access.log',
      'max-size': 5 * 1024 * 1024,
      'max-backups': 3,
      compress: false,
    });
    expect(warnings).toContain(
      'RA_LOGGER_SIZE (--logger.max-size of the Go registry-admin) sets --logger.max-size (RA_LOGGER_MAX_SIZE); rename it to RA_LOGGER_MAX_SIZE',
    );
    expect(loadConfig({ argv: { 'logger.max-size': '100K' } }).logger['max-size']).toBe(100 * 1024);
    expect(loadConfig({ argv: { 'logger.max-size': '1.5MiB' } }).logger['max-size']).toBe(1.5 * 1024 * 1024);
    expect(loadConfig({}).logger['max-size']).toBe(10 * 1024 * 1024);
    for (const bad of ['100', '10X', '0K', '200G', '-1M']) {
      const error = errorOf(() => loadConfig({ argv: { 'logger.max-size': bad } }));
      expect(error.option).toBe('logger.max-size');
      expect(error.message).toContain('with a unit (e.g. 100K, 10M, 1G)');
    }
  });

  it('refuses "admin", the Go registry-admin\'s default admin password, saying what to do', () => {
    for (const run of [
      () => loadConfig({ argv: { 'store.admin-password': 'admin' } }),
      () => loadConfig({ env: { RA_STORE_ADMIN_PASSWORD: 'Admin' } }),
    ]) {
      const error = errorOf(run);
      expect(error.option).toBe('store.admin-password');
      expect(error.message).toContain('--store.admin-password (RA_STORE_ADMIN_PASSWORD)');
      expect(error.message).toContain('well-known default');
      expect(error.message).toContain('leave the option unset');
      expect(error.message.split('\n')).toHaveLength(1);
    }
    expect(loadConfig({ argv: { 'store.admin-password': 'admin-password-long' } }).store['admin-password']).toBe(
      'admin-password-long',
    );
  });

  it("takes the Go registry-admin's flags: its names for ours set ours, the others are accepted and warned about", () => {
    const lines: string[] = [];
    const config = loadConfig({
      argv: {
        'auth.cookie-ttl': '48h',
        'auth.token-secret': 'token-secret-value',
        'logger.stdout': true,
        'registry.certs.https-cert': '/ssl/cert.pem',
        'store.embed.path': '/data/store.db',
      },
      onWarning: (line) => lines.push(line),
    });
    expect(config.auth['session-ttl']).toBe(48 * 3600);
    expect(config.store.embed.path).toBe('/data/store.db');
    expect(lines).toEqual([
      '--auth.cookie-ttl (of the Go registry-admin) sets --auth.session-ttl; rename it to --auth.session-ttl',
      expect.stringMatching(/^--auth\.token-secret \(of the Go registry-admin\) has no effect here: /),
      expect.stringMatching(/^--logger\.stdout \(of the Go registry-admin\) has no effect here: /),
      '--registry.certs.https-cert (of the Go registry-admin) sets --registry.https-certs; rename it to --registry.https-certs',
    ]);
    expect(lines.join('\n')).not.toContain('token-secret-value');
  });

  it("reads the Go registry-admin's config-file keys in snake_case and kebab-case, YAML and JSON", async () => {
    const yaml = join(dir, 'go.yml');
    await writeFile(
      yaml,
      [
        'hostname: registry.example.com',
        'registry:',
        '  auth_type: token',
        '  token_ttl: 120',
        '  gc_interval: 30',
        '  certs:',
        '    public_key: /certs/cert.pub',
        '    ca: /certs/cert.crt',
        '    fqdns: [a.example.com, b.example.com]',
        '    https_cert: /ssl/cert.pem',
        'auth:',
        '  cookie_ttl: 48h',
        '  issuer_name: someone',
        'logger:',
        '  filename: /var/log/access.log',
        'ssl:',
        '  acme_email: ops@example.com',
        '  acme_fqdns: [ui.example.com]',
        'store:',
        '  admin_password: super-secret',
        '  embed:',
        '    path: /data/store.db',
        '',
      ].join('\n'),
    );
    const json = join(dir, 'go.json');
    await writeFile(
      json,
      JSON.stringify({
        registry: { 'auth-type': 'token', certs: { 'public-key': '/certs/cert.pub', ca: '/certs/cert.crt' } },
        auth: { 'cookie-ttl': '48h' },
        ssl: { 'acme-email': 'ops@example.com' },
      }),
    );
    const yamlLines: string[] = [];
    const fromYaml = loadConfig({ argv: { 'config-file': yaml }, onWarning: (line) => yamlLines.push(line) });
    expect(fromYaml.hostname).toBe('registry.example.com');
    expect(fromYaml.registry['token-ttl']).toBe(120);
    expect(fromYaml.registry['gc-interval']).toBe(1800);
    expect(fromYaml.registry.certs['public-key']).toBe('/certs/cert.pub');
    expect(fromYaml.registry.certs['ca-root']).toBe('/certs/cert.crt');
    expect(fromYaml.registry.certs.fqdn).toEqual(['a.example.com', 'b.example.com']);
    expect(fromYaml.auth['session-ttl']).toBe(48 * 3600);
    expect(fromYaml.store['admin-password']).toBe('super-secret');
    expect(fromYaml.store.embed.path).toBe('/data/store.db');
    const said = yamlLines.join('\n');
    // Keys whose name is ours too (auth_type, acme_email) take effect silently; the others say what they set.
    expect(fromYaml.registry['auth-type']).toBe('token');
    expect(fromYaml.ssl['acme-email']).toBe('ops@example.com');
    expect(fromYaml.logger.file).toBe('/var/log/access.log');
    expect(fromYaml.registry['https-certs']).toBe('/ssl/cert.pem');
    for (const key of [
      'registry.certs.ca',
      'registry.certs.fqdns',
      'registry.certs.https-cert',
      'auth.cookie-ttl',
      'auth.issuer-name',
      'logger.filename',
      'ssl.acme-fqdns',
    ]) {
      expect(said).toContain(`${key} in ${yaml}`);
    }
    expect(said).toContain('registry.certs.ca in');
    expect(said).toContain('sets registry.certs.ca-root');
    expect(said).not.toContain('ops@example.com');

    const jsonLines: string[] = [];
    const fromJson = loadConfig({ argv: { 'config-file': json }, onWarning: (line) => jsonLines.push(line) });
    expect(fromJson.registry.certs['ca-root']).toBe('/certs/cert.crt');
    expect(fromJson.auth['session-ttl']).toBe(48 * 3600);
    expect(jsonLines).toHaveLength(2);
  });

  it('still refuses a config-file key that is neither ours nor the Go registry-admin’s', async () => {
    const file = join(dir, 'typo.yml');
    await writeFile(file, 'registry:\n  auth_typo: token\n');
    expect(errorOf(() => loadConfig({ argv: { 'config-file': file } })).message).toContain(
      'unknown option registry.auth-typo',
    );
  });
});
