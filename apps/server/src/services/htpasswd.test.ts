import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import bcrypt from 'bcryptjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configSchema } from '../config/schema';
import { htpasswdContent, registryPasswords, writeFileAtomically } from './htpasswd';

const HASH = `$2b$10$${'a'.repeat(53)}`;

describe('htpasswd file', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ra-htpasswd-unit-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('lists enabled users with a bcrypt hash, sorted, the server entry first and never twice', () => {
    const users = [
      { login: 'zed', disabled: false, registryPasswordHash: HASH },
      { login: 'amy', disabled: false, registryPasswordHash: HASH },
      { login: 'off', disabled: true, registryPasswordHash: HASH },
      { login: 'new', disabled: false, registryPasswordHash: null },
      { login: 'ra-sync', disabled: false, registryPasswordHash: HASH },
    ];
    expect(htpasswdContent(users, { login: 'ra-sync', hash: 'OWN' })).toBe(`ra-sync:OWN\namy:${HASH}\nzed:${HASH}\n`);
    expect(htpasswdContent([])).toBe('');
  });

  it('makes bcrypt hashes only in basic mode, and none for passwords bcrypt would cut', async () => {
    const basic = registryPasswords(configSchema.parse({ registry: { 'auth-type': 'basic', htpasswd: '/x' } }));
    const hash = await basic.hash('a-password');
    expect(hash).toMatch(/^\$2[ab]\$10\$/);
    expect(await bcrypt.compare('a-password', hash ?? '')).toBe(true);
    expect(await basic.hash('x'.repeat(73))).toBeUndefined();
    expect(await registryPasswords(configSchema.parse({})).hash('a-password')).toBeUndefined();
  });

  it('replaces the file whole, mode 0640, leaving no temporary file behind', async () => {
    const file = join(dir, 'htpasswd');
    await writeFile(file, 'old:entry\n', { mode: 0o600 });
    await writeFileAtomically(file, 'new:entry\n');
    expect(await readFile(file, 'utf8')).toBe('new:entry\n');
    expect((await stat(file)).mode & 0o777).toBe(0o640);
    expect(await readdir(dir)).toEqual(['htpasswd']);
  });

  it('refuses basic mode without the file, and with a registry but no login of its own, naming the option', () => {
    const issues = (input: unknown) =>
      configSchema.safeParse(input).error?.issues.map((issue) => issue.path.join('.')) ?? [];
    expect(issues({ registry: { 'auth-type': 'basic' } })).toEqual(['registry.htpasswd']);
    expect(issues({ registry: { 'auth-type': 'basic', htpasswd: '/x', host: 'http://r' } })).toEqual([
      'registry.login',
      'registry.password',
    ]);
  });
});
