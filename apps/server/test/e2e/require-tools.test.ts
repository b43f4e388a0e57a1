/**
 * describeE2E must never let a missing tool pass silently: skipped with a visible reason locally, a failure when
 * RA_E2E_REQUIRED=1. Proven by running a guarded suite in a child vitest whose PATH has `sh` and skopeo but no
 * docker-registry.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, symlink } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { missingTools } from '@registry-admin/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const FIXTURE = resolve(import.meta.dirname, 'fixtures/missing-tools');
const VITEST = join(dirname(createRequire(import.meta.url).resolve('vitest/package.json')), 'vitest.mjs');

/** Absolute path of a command on this machine's PATH, or undefined. */
function which(command: string): Promise<string | undefined> {
  return new Promise((done) => {
    execFile('sh', ['-c', `command -v ${command}`], (error, stdout) => done(error ? undefined : stdout.trim()));
  });
}

function runGuardedSuite(env: NodeJS.ProcessEnv): Promise<{ code: number; output: string }> {
  return new Promise((done) => {
    execFile(
      process.execPath,
      [VITEST, 'run', '--root', FIXTURE, '--config', join(FIXTURE, 'vitest.config.ts'), '--reporter', 'verbose'],
      { cwd: FIXTURE, timeout: 50_000, env: { HOME: process.env.HOME, TMPDIR: process.env.TMPDIR, ...env } },
      (error, stdout, stderr) => {
        done({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, output: stdout + stderr });
      },
    );
  });
}

describe('describeE2E without docker-registry', () => {
  let bin: string;

  beforeAll(async () => {
    bin = await mkdtemp(join(tmpdir(), 'ra-bin-'));
    // A shell for `command -v`, and skopeo (a stand-in when this machine lacks it): docker-registry alone is missing.
    await symlink((await which('sh')) ?? '/bin/sh', join(bin, 'sh'));
    await symlink((await which('skopeo')) ?? '/bin/true', join(bin, 'skopeo'));
  });
  afterAll(async () => {
    await rm(bin, { recursive: true, force: true });
  });

  it('names exactly the tools this machine lacks', async () => {
    const lacking: string[] = [];
    for (const tool of ['docker-registry', 'skopeo']) if (!(await which(tool))) lacking.push(tool);
    expect(missingTools()).toEqual(lacking);
  });

  it('skips the suite with the reason in its name and a warning', async () => {
    const { code, output } = await runGuardedSuite({ PATH: bin });
    expect(code, output).toBe(0);
    expect(output).toMatch(/skipping e2e suite "guarded suite": docker-registry not installed/);
    expect(output).toMatch(/guarded suite \(skipped: docker-registry not installed/);
    expect(output).not.toMatch(/✓.*runs only with both tools/);
  });

  it('fails the run naming the missing tool when RA_E2E_REQUIRED=1', async () => {
    const { code, output } = await runGuardedSuite({ PATH: bin, RA_E2E_REQUIRED: '1' });
    expect(code, output).not.toBe(0);
    expect(output).toMatch(/RA_E2E_REQUIRED=1 but docker-registry not installed/);
    expect(output).not.toMatch(/runs only with both tools/);
  });
});
