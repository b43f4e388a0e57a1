import { access, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { outputSink } from '../../test/output-sink';
import { runCli } from '../cli';

describe('registry-admin import', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ra-import-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  async function cli(args: string[]) {
    const stdout = outputSink();
    const stderr = outputSink();
    const code = await runCli([...args, '--data-dir', join(dir, 'data')], {
      env: {},
      cwd: dir,
      stdout: stdout.stream,
      stderr: stderr.stream,
    });
    return { code, stdout: stdout.text(), stderr: stderr.text() };
  }

  it('never creates a missing source, and refuses a database that is not the Go registry-admin’s', async () => {
    const missing = await cli(['import', 'nowhere.db']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain(`cannot open ${join(dir, 'nowhere.db')} read-only`);
    await expect(access(join(dir, 'nowhere.db'))).rejects.toThrow();

    // One of ours: pointed at restore instead.
    expect((await cli(['user', 'add', 'erin', '--password', 'erin-password'])).code).toBe(0);
    const ours = await cli(['import', join(dir, 'data', 'registry-admin.db'), '--store.embed.path', join(dir, 'x.db')]);
    expect(ours.code).toBe(1);
    expect(ours.stderr).toContain('is not a database of the Go registry-admin');
    expect(ours.stderr).toContain('registry-admin restore');

    await writeFile(join(dir, 'text.db'), 'not a database at all, just text that is long enough to look like a file');
    const text = await cli(['import', 'text.db']);
    expect(text.code).toBe(1);
    expect(text.stderr).toMatch(/not a SQLite database|cannot open/);
  });

  it('takes a database or --htpasswd, not both and not neither; --htpasswd imports bcrypt users', async () => {
    expect((await cli(['import'])).code).toBe(2);
    expect((await cli(['import', 'a.db', '--htpasswd', 'users'])).code).toBe(2);
    await writeFile(
      join(dir, 'htpasswd'),
      'frank:$2y$05$H5fX1bTtQ5N/gDvAtXvjs.1xHXbkwiPhpYy.9nQpQMYZ7kXv7kXQe\nmd5user:$apr1$abc$def\n',
    );
    const result = await cli(['import', '--htpasswd', 'htpasswd']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('imported 1 user(s)');
    expect(result.stdout).toContain('md5user: only bcrypt');
  });
});
