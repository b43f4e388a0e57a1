#!/usr/bin/env node
/**
 * Builds the registry-admin container image from the single executable (`pnpm package`), offline: the context holds
 * the executable, the shared libraries it and its addons link (found with ldd) and the files an unprivileged user
 * needs; docker/Dockerfile assembles them `FROM scratch`, so no base image is pulled.
 *
 * Usage: node docker/build-image.mjs [--executable <file>] [--context <dir>] [--tag <name>] [--context-only]
 *   --executable  default dist/registry-admin/registry-admin
 *   --context     where the build context is written (default dist/image-context)
 *   --tag         image name (default localhost/registry-admin:<version>)
 *   --context-only  write the context and stop (to build it with `docker build -f docker/Dockerfile <context>`)
 * Prints the image id and its size.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const option = (name, fallback) => {
  const index = process.argv.indexOf(name);
  return index > 0 && process.argv[index + 1] ? process.argv[index + 1] : fallback;
};
const version = JSON.parse(readFileSync(join(root, 'apps/server/package.json'), 'utf8')).version;
const executable = resolve(option('--executable', join(root, 'dist/registry-admin/registry-admin')));
const context = resolve(option('--context', join(root, 'dist/image-context')));
const tag = option('--tag', `localhost/registry-admin:${version}`);
/** The user the image runs as; /data belongs to it. */
const UID = 10001;

function fail(message) {
  console.error(`build-image: ${message}`);
  process.exit(1);
}

if (!existsSync(executable)) fail(`no executable at ${executable}: run pnpm package first`);

// What the executable and the addons it carries link: the same files the packaging script embedded.
const fromServer = createRequire(join(root, 'apps/server/package.json'));
const sqliteDir = dirname(fromServer.resolve('better-sqlite3/package.json'));
const argon2Dir = dirname(fromServer.resolve('argon2/package.json'));
const argon2Addon = createRequire(join(argon2Dir, 'package.json'))('node-gyp-build').path(argon2Dir);
const linked = new Set();
for (const binary of [executable, join(sqliteDir, 'build/Release/better_sqlite3.node'), argon2Addon]) {
  const output = execFileSync('ldd', [binary], { encoding: 'utf8' });
  for (const line of output.split('\n')) {
    // "libc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x…)" or the loader "/lib64/ld-linux-x86-64.so.2 (0x…)"
    const match = /(?:=>\s*)?(\/\S+)\s+\(0x/.exec(line);
    if (match?.[1]) linked.add(match[1]);
    else if (/not found/.test(line)) fail(`${binary} links a library this machine lacks: ${line.trim()}`);
  }
}

rmSync(context, { recursive: true, force: true });
const rootfs = join(context, 'rootfs');
for (const dir of ['usr/local/bin', 'etc', 'tmp']) mkdirSync(join(rootfs, dir), { recursive: true });
mkdirSync(join(context, 'data'), { recursive: true, mode: 0o700 });
chmodSync(join(context, 'data'), 0o700);
chmodSync(join(rootfs, 'tmp'), 0o1777);
copyFileSync(executable, join(rootfs, 'usr/local/bin/registry-admin'));
chmodSync(join(rootfs, 'usr/local/bin/registry-admin'), 0o755);
for (const library of linked) {
  // Copied under the name the loader asks for (symlinks resolved).
  mkdirSync(join(rootfs, dirname(library)), { recursive: true });
  copyFileSync(library, join(rootfs, library));
}
writeFileSync(
  join(rootfs, 'etc/passwd'),
  `root:x:0:0:root:/root:/sbin/nologin\nregistry-admin:x:${UID}:${UID}:registry-admin:/data:/sbin/nologin\n`,
);
writeFileSync(join(rootfs, 'etc/group'), `root:x:0:\nregistry-admin:x:${UID}:\n`);
writeFileSync(join(rootfs, 'etc/nsswitch.conf'), 'passwd: files\ngroup: files\nhosts: files dns\n');
writeFileSync(join(rootfs, 'etc/hosts'), '127.0.0.1 localhost\n::1 localhost\n');

if (process.argv.includes('--context-only')) {
  console.log(`build-image: context in ${context}`);
  process.exit(0);
}

execFileSync(
  'buildah',
  ['bud', '--quiet', '--format', 'docker', '--layers=false', '-f', join(root, 'docker/Dockerfile'), '-t', tag, context],
  { stdio: ['ignore', 'ignore', 'inherit'] },
);
const [image] = JSON.parse(execFileSync('buildah', ['images', '--json', tag], { encoding: 'utf8' }));
console.log(`${tag}: image ${image?.id} ${image?.size}`);
