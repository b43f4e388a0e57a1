import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import bcrypt from 'bcryptjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli';
import { createPasswordHasher } from '../../src/services/passwords';
import { outputSink } from '../output-sink';
import { adminAuth, basic, createTestApp, type TestApp } from './fixture';

const tokenFor = (t: TestApp, login: string, password: string) =>
  t.app.inject({
    url: '/api/v1/registry/auth?service=container_registry',
    headers: { authorization: basic(login, password) },
  });

async function until(check: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error('condition not reached');
}

describe('passwords', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ auth: { 'password-min-length': 12, 'argon2-memory': 12288, 'argon2-time': 2 } });
  });
  afterAll(() => t.close());

  it('enforces the configured minimum length', async () => {
    const short = await t.app.inject({
      method: 'POST',
      url: '/api/v1/users',
      headers: adminAuth(),
      payload: { login: 'shorty', password: 'elevenchars' },
    });
    expect(short.statusCode).toBe(400);
    expect(short.json().error.message).toContain('at least 12');
    const ok = await t.app.inject({
      method: 'POST',
      url: '/api/v1/users',
      headers: adminAuth(),
      payload: { login: 'longer', password: 'twelve-chars' },
    });
    expect(ok.statusCode).toBe(201);
  });

  it('accepts a bcrypt hash and replaces it with argon2id at the first sign-in', async () => {
    const user = await t.services.store.users.create({
      login: 'legacy',
      passwordHash: bcrypt.hashSync('legacy-password', 4),
    });
    await t.services.access.refresh();
    expect((await tokenFor(t, 'legacy', 'wrong-password')).statusCode).toBe(401);
    expect((await tokenFor(t, 'legacy', 'legacy-password')).statusCode).toBe(200);
    await until(
      async () =>
        (await t.services.store.users.getCredentials('legacy'))?.passwordHash.startsWith('$argon2id$') ?? false,
    );
    const stored = (await t.services.store.users.getCredentials('legacy'))?.passwordHash ?? '';
    expect(stored).toMatch(/^\$argon2id\$v=19\$m=12288,p=1,t=2\$/);
    // A re-hash is not a password change: the user keeps working and passwordChangedAt stays.
    expect((await t.services.store.users.get(user.id))?.passwordChangedAt).toBe(user.passwordChangedAt);
    expect((await tokenFor(t, 'legacy', 'legacy-password')).statusCode).toBe(200);
  });

  it('re-hashes argon2 hashes made with weaker parameters when the user signs in', async () => {
    const weak = await createPasswordHasher({ minLength: 8, memoryCost: 8192, timeCost: 1 }).hash(
      'weak-params-password',
    );
    await t.services.store.users.create({ login: 'weakling', passwordHash: weak });
    await t.services.access.refresh();
    expect((await tokenFor(t, 'weakling', 'weak-params-password')).statusCode).toBe(200);
    await until(async () => (await t.services.store.users.getCredentials('weakling'))?.passwordHash !== weak);
    expect((await t.services.store.users.getCredentials('weakling'))?.passwordHash).toContain('m=12288,p=1,t=2');
  });
});

describe('user import', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ra-import-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('imports bcrypt users from an htpasswd file and reports what it skipped', async () => {
    const file = join(dir, 'htpasswd');
    await writeFile(
      file,
      [
        `ann:${bcrypt.hashSync('ann-password', 4)}`,
        `bob:${bcrypt.hashSync('bob-password', 4).replace('$2a$', '$2y$')}`,
        'carl:$apr1$abcdefgh$0123456789abcdefghijkl',
        'Bad Name:$2y$05$xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx',
        '# comment',
        '',
      ].join('\n'),
    );
    const stdout = outputSink();
    const code = await runCli(['user', 'import', file, '--data-dir', dir], {
      env: {},
      cwd: dir,
      stdout: stdout.stream,
      stderr: new PassThrough(),
    });
    expect(code).toBe(0);
    expect(stdout.text()).toContain('imported 2 user(s)');
    expect(stdout.text()).toMatch(/skipped line 3: carl: only bcrypt/);
    expect(stdout.text()).toMatch(/skipped line 4: login "Bad Name"/);

    const t = await createTestApp({ 'data-dir': dir } as never);
    try {
      expect((await tokenFor(t, 'bob', 'bob-password')).statusCode).toBe(200);
      expect((await tokenFor(t, 'ann', 'ann-password')).statusCode).toBe(200);
    } finally {
      await t.app.close();
      await t.services.close();
    }
  });
});
