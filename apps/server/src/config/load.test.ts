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
      RA_SSL_ACME_EMAIL: 'ops@example.com',
    });
    // Its database is not ours: this server keeps its own file.
    expect(config.store.embed.path).toBeUndefined();
    expect(warnings).toHaveLength(6);
    expect(warnings.join('\n')).toContain(
      'RA_STORE_EMBED_DB_PATH (--store.embed.path of the Go registry-admin) is not supported yet and is ignored: ',
    );
    expect(warnings.join('\n')).toContain('RA_STORE_EMBED_PATH');
    expect(warnings.join('\n')).toContain(
      'RA_AUTH_TOKEN_SECRET (--auth.token-secret of the Go registry-admin) has no effect here: ',
    );
    expect(warnings.join('\n')).toContain('RA_LOGGER_STDOUT (--logger.stdout of the Go registry-admin) has no effect');
    // Values are never echoed: some are secrets.
    for (const value of ['registry-secret-value', 'token-secret-value', '/var/log/access.log', 'ops@example.com']) {
      expect(warnings.join('\n')).not.toContain(value);
    }
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
});
