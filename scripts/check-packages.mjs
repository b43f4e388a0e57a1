#!/usr/bin/env node
/**
 * Checks what each library would publish: builds every non-private package under packages/, packs it with pnpm
 * (which turns `workspace:` ranges into versions, as publishing does) and runs publint and are-the-types-wrong on the
 * tarball itself, so the check sees exactly the files and package.json a consumer would get.
 *
 * Packages are discovered, not listed: a new library is checked as soon as it exists. ESM only on purpose (one copy
 * of each module, so `instanceof` on errors and the opaque acl Policy hold); every supported Node version can also
 * `require()` it, which is why attw runs with the esm-only profile.
 *
 * Usage: pnpm check:packages
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const packagesDir = join(root, 'packages');

const libraries = readdirSync(packagesDir, { withFileTypes: true })
  .filter((entry) => entry.isDirectory() && existsSync(join(packagesDir, entry.name, 'package.json')))
  .map((entry) => {
    const dir = join(packagesDir, entry.name);
    return { dir, manifest: JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) };
  })
  .filter(({ manifest }) => manifest.private !== true)
  .sort((a, b) => a.manifest.name.localeCompare(b.manifest.name));

if (libraries.length === 0) {
  console.error('check-packages: no publishable packages found under packages/');
  process.exit(1);
}

const run = (command, args, options = {}) =>
  spawnSync(command, args, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], ...options });

console.log(`check-packages: ${libraries.map(({ manifest }) => manifest.name).join(', ')}`);
const build = run('pnpm', [
  'exec',
  'turbo',
  'run',
  'build',
  '--output-logs=errors-only',
  ...libraries.map(({ manifest }) => `--filter=${manifest.name}`),
]);
if (build.status !== 0) {
  process.stdout.write(build.stdout);
  process.stderr.write(build.stderr);
  console.error('check-packages: build failed');
  process.exit(1);
}

const bin = (name) => join(root, 'node_modules', '.bin', name);

/** Like `run`, without blocking: packages are checked a few at a time (attw spends most of its time loading). */
function runAsync(command, args, options = {}) {
  return new Promise((resolvePromise) => {
    const child = spawn(command, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], ...options });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
    });
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    child.on('close', (status) => resolvePromise({ status, stdout, stderr }));
  });
}

async function check({ dir, manifest }, out) {
  const problems = [];
  // Each package packs into its own folder, so the tarball is the only file there.
  const destination = mkdtempSync(join(out, 'pack-'));
  const pack = await runAsync('pnpm', ['pack', '--pack-destination', destination], { cwd: dir });
  const tarballs = readdirSync(destination).filter((file) => file.endsWith('.tgz'));
  if (pack.status !== 0 || tarballs.length !== 1) return [`pnpm pack failed\n${pack.stdout}${pack.stderr}`];
  const tarball = join(destination, tarballs[0]);

  // What a consumer unpacks: the README, no workspace ranges, no tests or sources.
  const files = execFileSync('tar', ['-tzf', tarball], { encoding: 'utf8' }).trim().split('\n');
  if (!files.includes('package/README.md')) problems.push('README.md is not in the tarball');
  const stray = files.filter((file) => /\.test\.|\/src\//.test(file));
  if (stray.length > 0) problems.push(`tests or sources in the tarball: ${stray.join(', ')}`);
  const packed = execFileSync('tar', ['-xzOf', tarball, 'package/package.json'], { encoding: 'utf8' });
  if (packed.includes('workspace:')) problems.push('package.json still has workspace: ranges');

  const [publint, attw] = await Promise.all([
    // --strict: warnings fail too; suggestions are printed but pass.
    runAsync(bin('publint'), ['run', tarball, '--strict']),
    runAsync(bin('attw'), [tarball, '--profile', 'esm-only', '--format', 'ascii', '--no-emoji', '--no-color']),
  ]);
  if (publint.status !== 0) problems.push(`publint:\n${publint.stdout}${publint.stderr}`);
  if (attw.status !== 0) problems.push(`are-the-types-wrong:\n${attw.stdout}${attw.stderr}`);
  console.log(`${problems.length === 0 ? 'ok  ' : 'FAIL'} ${manifest.name} (${files.length} files)`);
  return problems;
}

const out = mkdtempSync(join(tmpdir(), 'ra-pack-'));
const failures = [];
try {
  const queue = [...libraries];
  const worker = async () => {
    for (let library = queue.shift(); library; library = queue.shift()) {
      const problems = await check(library, out);
      if (problems.length > 0) failures.push(`${library.manifest.name}:\n  ${problems.join('\n  ')}`);
    }
  };
  await Promise.all([worker(), worker()]);
} finally {
  rmSync(out, { recursive: true, force: true });
}

if (failures.length > 0) {
  console.error(`\n${failures.join('\n\n')}`);
  process.exit(1);
}
