import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { openStore } from '@registry-admin/store';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { outputSink } from '../test/output-sink';
import { runCli } from './cli';
import { createPasswordHasher } from './services/passwords';

const verifyPassword = (hash: string, password: string) => createPasswordHasher().verify(hash, password);

describe('registry-admin CLI', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ra-cli-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  async function cli(args: string[], stdin?: string, env: NodeJS.ProcessEnv = {}) {
    const stdout = outputSink();
    const stderr = outputSink();
    const input = new PassThrough();
    if (stdin !== undefined) input.end(stdin);
    else input.end();
    const code = await runCli([...args, '--data-dir', dir], {
      env,
      cwd: dir,
      stdout: stdout.stream,
      stderr: stderr.stream,
      stdin: input,
    });
    return { code, stdout: stdout.text(), stderr: stderr.text() };
  }

  it('adds users, changes passwords and lists users without hashes', async () => {
    expect((await cli(['user', 'add', 'carol', '--password', 'carol-password', '--role', 'manager'])).code).toBe(0);
    const viaStdin = await cli(['user', 'add', 'dave', '--password-stdin'], 'dave-password\n');
    expect(viaStdin.code, viaStdin.stderr).toBe(0);
    expect((await cli(['user', 'passwd', 'carol', '--password', 'carol-new-password'])).code).toBe(0);
    const store = await openStore({ type: 'sqlite', path: join(dir, 'registry-admin.db') });
    try {
      const carol = await store.users.getCredentials('carol');
      expect(carol?.role).toBe('manager');
      expect(await verifyPassword(carol?.passwordHash ?? '', 'carol-new-password')).toBe(true);
      expect(
        await verifyPassword((await store.users.getCredentials('dave'))?.passwordHash ?? '', 'dave-password'),
      ).toBe(true);
    } finally {
      await store.close();
    }
    const list = await cli(['user', 'list']);
    expect(list.stdout).toMatch(/carol\s+manager/);
    expect(list.stdout).not.toMatch(/argon2/);
    const json = JSON.parse((await cli(['user', 'list', '--json'])).stdout) as Array<{ login: string }>;
    expect(json.map((u) => u.login)).toEqual(['carol', 'dave']);
  });

  it('fails clearly on duplicates, bad logins, short passwords and unknown options', async () => {
    const duplicate = await cli(['user', 'add', 'carol', '--password', 'whatever-password']);
    expect(duplicate.code).toBe(1);
    expect(duplicate.stderr).toContain('login is already taken');
    const badLogin = await cli(['user', 'add', 'Bad Login', '--password', 'whatever-password']);
    expect(badLogin.code).toBe(2);
    expect(badLogin.stderr).toContain('<login>');
    expect((await cli(['user', 'add', 'erin', '--password', 'short'])).stderr).toContain('--password');
    const unknown = await cli(['user', 'list', '--bogus']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/bogus/);
    const badOption = await cli(['user', 'list', '--port', 'x']);
    expect(badOption.code).toBe(2);
    expect(badOption.stderr).toContain('--port (RA_PORT)');
  });

  it('refuses a login a service account already has, in user add and in user import', async () => {
    const store = await openStore({ type: 'sqlite', path: join(dir, 'registry-admin.db') });
    try {
      await store.serviceAccounts.create({ name: 'deploy-bot', secretHash: 'x' });
    } finally {
      await store.close();
    }
    const added = await cli(['user', 'add', 'deploy-bot', '--password', 'whatever-password']);
    expect(added.code).toBe(1);
    expect(added.stderr).toContain('login is already taken by a service account');
    const hash = await createPasswordHasher().hash('imported-password');
    await writeFile(join(dir, 'users.htpasswd'), `deploy-bot:${hash}\nfrank:${hash}\n`);
    const imported = await cli(['user', 'import', 'users.htpasswd']);
    expect(imported.code, imported.stderr).toBe(0);
    expect(imported.stdout).toContain('imported 1 user(s)');
    expect(imported.stdout).toContain('skipped line 1: deploy-bot: login is already taken by a service account');
  });

  it('generates certificates once, with the key 0600, and refuses to overwrite without --force', async () => {
    const first = await cli(['certs', 'generate', '--registry.certs.fqdn', 'registry.local']);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toMatch(/key id: ([A-Z2-7]{4}:){11}[A-Z2-7]{4}/);
    expect((await stat(join(dir, 'certs', 'registry_auth.key'))).mode & 0o777).toBe(0o600);
    const again = await cli(['certs', 'generate']);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('--force');
    expect((await cli(['certs', 'generate', '--force'])).code).toBe(0);
  });

  it('prints the registry auth.token fragment for this server', async () => {
    const result = await cli([
      'registry-config',
      '--public-url',
      'https://ra.example.com/',
      '--registry.service',
      'my-registry',
      '--registry.issuer',
      'my-issuer',
    ]);
    expect(result.code, result.stderr).toBe(0);
    const fragment = parseYaml(result.stdout);
    expect(fragment.auth).toEqual({
      token: {
        realm: 'https://ra.example.com/api/v1/registry/auth',
        service: 'my-registry',
        issuer: 'my-issuer',
        rootcertbundle: join(dir, 'certs', 'registry_auth_ca.crt'),
      },
    });
    const [endpoint] = fragment.notifications.endpoints;
    expect(endpoint.url).toBe('https://ra.example.com/api/v1/registry/events');
    expect(endpoint.headers.Authorization[0]).toMatch(/^Bearer [A-Za-z0-9_-]{43}$/);
    expect(fragment.notifications.events.includereferences).toBe(true);
    // The secret is made once: printing again shows the same one.
    const again = parseYaml((await cli(['registry-config', '--public-url', 'https://ra.example.com'])).stdout);
    expect(again.notifications.endpoints[0].headers).toEqual(endpoint.headers);
    const json = JSON.parse(
      (await cli(['registry-config', '--format', 'json', '--hostname', 'ra.local', '--port', '9000'])).stdout,
    );
    expect(json.auth.token.realm).toBe('http://ra.local:9000/api/v1/registry/auth');
  });

  it("warns about unknown RA_* variables and takes the Go registry-admin's names and --listen host:port", async () => {
    const result = await cli(['registry-config', '--listen', '0.0.0.0:80'], undefined, {
      RA_HOST_NAME: 'ra.example.org',
      RA_REGISTRY_SERVCE: 'typo',
    });
    expect(result.code, result.stderr).toBe(0);
    expect(parseYaml(result.stdout).auth.token.realm).toBe('http://ra.example.org/api/v1/registry/auth');
    expect(result.stderr.split('\n').filter(Boolean)).toEqual([
      'registry-admin: warning: RA_HOST_NAME (--hostname of the Go registry-admin) sets --hostname (RA_HOSTNAME); ' +
        'rename it to RA_HOSTNAME',
      'registry-admin: warning: unknown environment variable RA_REGISTRY_SERVCE is ignored ' +
        '(did you mean RA_REGISTRY_SERVICE?)',
    ]);
  });

  it('prints help and the version', async () => {
    const help = await cli(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('--registry.token-ttl');
    expect(help.stdout).toContain('RA_REGISTRY_TOKEN_TTL');
    expect((await cli(['--version'])).stdout).toMatch(/\d+\.\d+\.\d+/);
  });
});
