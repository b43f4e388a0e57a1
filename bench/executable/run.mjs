// Start-up of the single executable next to `node apps/server/dist/cli.js` in the same run: wall time from spawning
// `serve` to the first 200 from /healthz, each build on its own data dir (initialized by a first, uncounted start),
// runs interleaved so the machine's load touches both alike; then `--version` and `user list` from spawn to exit.
// Also the executable's first start with an empty cache (it unpacks its addons and web UI), and the sizes.
//
//   pnpm package && node bench/executable/run.mjs        BENCH_RUNS=9 for more runs (default 7)
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { serveArgs } from '../lib/server.mjs';

const root = resolve(import.meta.dirname, '../..');
const cli = join(root, 'apps/server/dist/cli.js');
const executable = resolve(process.env.BENCH_EXECUTABLE ?? join(root, 'dist/registry-admin/registry-admin'));
const runs = Number(process.env.BENCH_RUNS ?? 7);
for (const file of [cli, executable]) {
  if (!existsSync(file)) {
    console.error(`missing ${file}: run pnpm package first`);
    process.exit(2);
  }
}

const work = mkdtempSync(join(tmpdir(), 'ra-bench-start-'));
const cache = join(work, 'cache');
const builds = [
  { label: 'node dist/cli.js', command: process.execPath, args: [cli], dataDir: join(work, 'node'), times: [] },
  { label: 'single executable', command: executable, args: [], dataDir: join(work, 'sea'), times: [] },
];

/** Milliseconds from spawn to the first 200 of /healthz; the server is then stopped with SIGTERM. */
async function startOnce(build, env = { XDG_CACHE_HOME: cache }) {
  const started = performance.now();
  const child = spawn(
    build.command,
    [...build.args, ...serveArgs({ dataDir: build.dataDir, adminPassword: 'bench-admin-password' })],
    { stdio: ['ignore', 'pipe', 'ignore'], env: { ...process.env, ...env } },
  );
  const exited = new Promise((done) => child.once('exit', done));
  let output = '';
  const url = await new Promise((done, fail) => {
    child.stdout.on('data', (chunk) => {
      output += chunk;
      const match = /listening on (http:\/\/\S+)/.exec(output);
      if (match) done(match[1]);
    });
    child.once('exit', (code) => fail(new Error(`${build.label} exited with ${code}: ${output}`)));
  });
  let elapsed;
  for (;;) {
    try {
      if ((await fetch(`${url}/healthz`)).status === 200) {
        elapsed = performance.now() - started;
        break;
      }
    } catch {}
    await new Promise((done) => setTimeout(done, 2));
  }
  child.kill('SIGTERM');
  await exited;
  return elapsed;
}

/** Milliseconds from spawn to the exit (0) of a command. */
async function commandOnce(build, args) {
  const started = performance.now();
  await new Promise((done, fail) => {
    const child = spawn(build.command, [...build.args, ...args], {
      stdio: 'ignore',
      env: { ...process.env, XDG_CACHE_HOME: cache },
    });
    child.once('exit', (code) =>
      code === 0 ? done() : fail(new Error(`${build.label} ${args.join(' ')} exited with ${code}`)),
    );
  });
  return performance.now() - started;
}

const stats = (times) => {
  const sorted = [...times].sort((a, b) => a - b);
  return { median: sorted[Math.floor(sorted.length / 2)], min: sorted[0], max: sorted.at(-1) };
};

try {
  const firstUnpack = await startOnce(builds[1], { XDG_CACHE_HOME: join(work, 'empty-cache') });
  for (const build of builds) await startOnce(build);
  for (let i = 0; i < runs; i++) for (const build of builds) build.times.push(await startOnce(build));
  const mib = (bytes) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
  console.log(`start to /healthz (200), ${runs} runs each, interleaved; ms`);
  console.log('build                 median     min     max');
  for (const build of builds) {
    const { median, min, max } = stats(build.times);
    console.log(
      `${build.label.padEnd(20)}${median.toFixed(0).padStart(8)}${min.toFixed(0).padStart(8)}${max.toFixed(0).padStart(8)}`,
    );
  }
  const ratio = stats(builds[1].times).median / stats(builds[0].times).median;
  console.log(`single executable / node: ${(ratio * 100).toFixed(0)}% (target: 300 ms)`);
  for (const [label, args] of [
    ['--version', () => ['--version']],
    ['user list', (build) => ['user', 'list', '--data-dir', build.dataDir]],
  ]) {
    const times = builds.map(() => []);
    for (let i = 0; i < runs; i++) {
      for (const [index, build] of builds.entries()) times[index].push(await commandOnce(build, args(build)));
    }
    console.log(`\n${label}, spawn to exit, ${runs} runs each, interleaved; ms (target: 200 ms)`);
    for (const [index, build] of builds.entries()) {
      const { median, min, max } = stats(times[index]);
      console.log(
        `${build.label.padEnd(20)}${median.toFixed(0).padStart(8)}${min.toFixed(0).padStart(8)}${max.toFixed(0).padStart(8)}`,
      );
    }
  }
  console.log('');
  console.log(`single executable, first start with an empty cache (unpacks its files): ${firstUnpack.toFixed(0)} ms`);
  console.log(
    `size: single executable ${mib(statSync(executable).size)}; node runtime alone ${mib(statSync(process.execPath).size)}`,
  );
} finally {
  rmSync(work, { recursive: true, force: true });
}
