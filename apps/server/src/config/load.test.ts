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
});
