// Footprint benchmark: start-up time and resident memory of `registry-admin`, next to a bare Fastify server started
// and loaded the same way in the same run, with the figures of the Go registry-admin printed as the reference.
//
//   node bench/memory/run.mjs     (BENCH_DURATION: seconds of token load, default 60; BENCH_STARTS: starts timed, 5;
//                                  BENCH_MIXED: seconds of mixed load, default 600, 0 to leave it out)
import { execFile, execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deployedEnv, describeEnv, freePort, registryConfigArgs, serveArgs } from '../lib/server.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const cli = join(here, '../../apps/server/dist/cli.js');
const bare = join(here, '../token/baseline-server.mjs');
const DURATION = Number(process.env.BENCH_DURATION ?? 60);
const STARTS = Number(process.env.BENCH_STARTS ?? 5);
const MIXED = Number(process.env.BENCH_MIXED ?? 600);
/** Resident memory is read this often during the mixed load. */
const MIXED_SAMPLE_SECONDS = 30;
const CONNECTIONS = 16;
/** Both servers run with the environment the image and the systemd unit give registry-admin. */
const ENV = { ...process.env, ...deployedEnv() };
const SERVICE = 'bench-svc';
const ADMIN_PASSWORD = 'bench-admin-password';
const basic = (login, password) => `Basic ${Buffer.from(`${login}:${password}`).toString('base64')}`;
const log = (message) => console.error(`[${new Date().toISOString().slice(11, 23)}] ${message}`);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// The Go registry-admin on this machine (same registry data, same run), as measured when this benchmark was written.
const GO = { idleMb: '23', tokenLoadMb: '27', syncMb: '52-57', healthzMs: '60-470', versionMs: 'n/a' };

try {
  execFileSync('sh', ['-c', 'command -v wrk'], { stdio: 'ignore' });
} catch {
  console.error('wrk is not installed: apt-get install wrk');
  process.exit(2);
}

/** Resident memory (MB) and CPU time used so far (ms) of a process, from /proc. */
function usage(pid) {
  const rss = Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]); // utime + stime, in clock ticks (100 per second)
  return { rssMb: rss, cpuMs: ticks * 10 };
}

const children = new Set();

/**
 * Spawns `node <args>` and polls `GET /healthz` (or `/bare`) every 5 ms until it answers 200; resolves with the time
 * from spawn to that answer, the CPU the process had used by then, and the process.
 */
async function startTimed(args, port, path) {
  const started = process.hrtime.bigint();
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'], env: ENV });
  children.add(child);
  let stderr = '';
  child.stderr.on('data', (chunk) => {
    stderr += chunk;
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${args.join(' ')} exited with ${child.exitCode}:\n${stderr}`);
    try {
      const response = await fetch(`http://127.0.0.1:${port}${path}`);
      await response.arrayBuffer();
      if (response.status === 200) break;
    } catch {
      // not listening yet
    }
    await sleep(5);
  }
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  return { ms, cpuMs: usage(child.pid).cpuMs, child, exited };
}

async function stopChild(child, exited) {
  child.kill('SIGTERM');
  await exited;
  children.delete(child);
}

const run = (file, args, options = {}) =>
  new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    execFile(file, args, { maxBuffer: 1 << 24, ...options }, (error, stdout, stderr) =>
      error
        ? reject(new Error(`${file} ${args.join(' ')}: ${stderr || error.message}`))
        : resolve({ stdout, ms: Number(process.hrtime.bigint() - started) / 1e6 }),
    );
  });

async function wrk(url, headers, seconds, script) {
  const args = [
    '-t2',
    `-c${CONNECTIONS}`,
    `-d${seconds}s`,
    '--latency',
    ...(script ? ['-s', script] : []),
    ...Object.entries(headers).flatMap(([key, value]) => ['-H', `${key}: ${value}`]),
    url,
  ];
  const { stdout } = await run('wrk', args);
  if (/Non-2xx or 3xx responses/.test(stdout)) throw new Error(`${url}: non-2xx answers:\n${stdout}`);
  const at = (percentile) => {
    const match = new RegExp(`^\\s*${percentile}%\\s+([\\d.]+)(us|ms|s)\\s*$`, 'm').exec(stdout);
    return match ? Number(match[1]) * { us: 0.001, ms: 1, s: 1000 }[match[2]] : Number.NaN;
  };
  // "Latency  <avg> <stdev> <max> <+/- stdev>": the third figure is the slowest request.
  const max = /Latency\s+\S+\s+\S+\s+([\d.]+)(us|ms|s)/.exec(stdout);
  return {
    rps: Number(/Requests\/sec:\s+([\d.]+)/.exec(stdout)?.[1]),
    p50: at(50),
    p99: at(99),
    max: max ? Number(max[1]) * { us: 0.001, ms: 1, s: 1000 }[max[2]] : Number.NaN,
  };
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

async function api(base, method, path, body, auth = basic('admin', ADMIN_PASSWORD)) {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: { authorization: auth, ...(body ? { 'content-type': 'application/json' } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  if (response.status >= 300) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
  return response.json();
}

const dataDir = mkdtempSync(join(tmpdir(), 'ra-bench-memory-'));
try {
  const serverArgs = (port) => [
    cli,
    ...serveArgs({ port, dataDir, adminPassword: ADMIN_PASSWORD, extra: ['--registry.service', SERVICE] }),
  ];
  const bareArgs = () => [bare];

  // The first start creates the data dir (store, certificates, admin); every start timed below finds it existing.
  {
    const port = await freePort();
    const first = await startTimed(serverArgs(port), port, '/healthz');
    const base = `http://127.0.0.1:${port}`;
    const user = await api(base, 'POST', '/api/v1/users', { login: 'bench', password: 'bench-password' });
    await api(base, 'POST', '/api/v1/access-rules', {
      subjectType: 'user',
      subjectId: user.id,
      pattern: 'bench/**',
      actions: ['pull', 'push'],
    });
    await stopChild(first.child, first.exited);
  }

  log(`timing ${STARTS} starts of each`);
  const starts = { server: [], bare: [] };
  for (let i = 0; i < STARTS; i++) {
    // Alternating, so drift in the machine's load touches both alike.
    const port = await freePort();
    const server = await startTimed(serverArgs(port), port, '/healthz');
    starts.server.push(server);
    await stopChild(server.child, server.exited);
    const baseline = await startBare(bareArgs(), '/bare');
    starts.bare.push(baseline);
    await stopChild(baseline.child, baseline.exited);
  }
  const commands = { version: [], userList: [], nodeOnly: [] };
  for (let i = 0; i < STARTS; i++) {
    commands.nodeOnly.push((await run(process.execPath, ['-e', '0'])).ms);
    commands.version.push((await run(process.execPath, [cli, '--version'])).ms);
    commands.userList.push((await run(process.execPath, [cli, 'user', 'list', '--data-dir', dataDir])).ms);
  }

  log('memory: idle after start, then token load');
  const port = await freePort();
  const server = await startTimed(serverArgs(port), port, '/healthz');
  const baseline = await startBare(bareArgs(), '/bare');
  await sleep(3000);
  const memory = [
    { label: 'idle after start', server: usage(server.child.pid).rssMb, bare: usage(baseline.child.pid).rssMb },
  ];
  const tokenUrl = `http://127.0.0.1:${port}/api/v1/registry/auth?service=${SERVICE}&scope=${encodeURIComponent('repository:bench/app:pull,push')}`;
  const load = {
    server: await wrk(tokenUrl, { Authorization: basic('bench', 'bench-password') }, DURATION),
    bare: await wrk(`${baseline.url}/bare`, {}, DURATION),
  };
  memory.push({
    label: `after ${DURATION} s of load (${CONNECTIONS} connections)`,
    server: usage(server.child.pid).rssMb,
    bare: usage(baseline.child.pid).rssMb,
  });
  await sleep(10_000);
  memory.push({
    label: 'idle 10 s after the load',
    server: usage(server.child.pid).rssMb,
    bare: usage(baseline.child.pid).rssMb,
  });
  const mixed = MIXED > 0 ? await mixedLoad(port, server.child.pid) : undefined;
  await stopChild(server.child, server.exited);
  await stopChild(baseline.child, baseline.exited);

  const ratio = (a, b) => `${(a / b).toFixed(2)}x`;
  console.log(`\nstart-up (median of ${STARTS}; wall time from spawn to the first 200, and CPU time used by then)\n`);
  console.log(`${''.padEnd(46)}${'wall ms'.padStart(9)}${'CPU ms'.padStart(9)}   reference`);
  const serverMs = median(starts.server.map((s) => s.ms));
  const bareMs = median(starts.bare.map((s) => s.ms));
  console.log(
    `${'bare Fastify: first GET /bare 200'.padEnd(46)}${bareMs.toFixed(0).padStart(9)}${median(
      starts.bare.map((s) => s.cpuMs),
    )
      .toFixed(0)
      .padStart(9)}`,
  );
  console.log(
    `${'registry-admin serve: first GET /healthz 200'.padEnd(46)}${serverMs.toFixed(0).padStart(9)}${median(
      starts.server.map((s) => s.cpuMs),
    )
      .toFixed(0)
      .padStart(9)}   target 300 ms; Go tool ${GO.healthzMs} ms; ${ratio(serverMs, bareMs)} bare`,
  );
  console.log(`${'node -e 0 (Node.js alone)'.padEnd(46)}${median(commands.nodeOnly).toFixed(0).padStart(9)}`);
  console.log(
    `${'registry-admin --version'.padEnd(46)}${median(commands.version).toFixed(0).padStart(9)}${''.padStart(9)}   target 200 ms`,
  );
  console.log(
    `${'registry-admin user list'.padEnd(46)}${median(commands.userList).toFixed(0).padStart(9)}${''.padStart(9)}   target 200 ms`,
  );

  console.log(
    `\nresident memory (MB), registry-admin next to a bare Fastify server measured the same way (both with ${describeEnv(deployedEnv())})\n`,
  );
  console.log(`${''.padEnd(46)}${'server'.padStart(8)}${'bare'.padStart(8)}${'ratio'.padStart(8)}   target; Go tool`);
  const targets = ['<= 1.3x; 23 MB', '<= 1.5x; 27 MB', '<= 1.5x'];
  memory.forEach((row, i) => {
    console.log(
      `${row.label.padEnd(46)}${row.server.toFixed(0).padStart(8)}${row.bare.toFixed(0).padStart(8)}${ratio(row.server, row.bare).padStart(8)}   ${targets[i]}`,
    );
  });
  console.log(`(after a full sync of 10,000 tags: bench/sync prints it; target <= 150 MB; Go tool ${GO.syncMb} MB)`);
  console.log(`\nload: wrk -t2 -c${CONNECTIONS} -d${DURATION}s`);
  for (const [label, r] of [
    ['token, repeated password', load.server],
    ['bare Fastify route', load.bare],
  ]) {
    console.log(
      `${label.padEnd(46)}${r.rps.toFixed(0).padStart(8)} req/s  p50 ${r.p50.toFixed(2)} ms  p99 ${r.p99.toFixed(2)} ms  max ${r.max.toFixed(0)} ms`,
    );
  }
  if (mixed) {
    const first = mixed.samples[0];
    const last = mixed.samples.at(-1);
    const peak = Math.max(...mixed.samples.map((sample) => sample.rssMb));
    console.log(
      `\nmixed load, ${MIXED} s (wrk -t2 -c${CONNECTIONS}: token, repository list, activity list, a registry event in turn)`,
    );
    console.log(
      `${mixed.load.rps.toFixed(0)} req/s  p50 ${mixed.load.p50.toFixed(2)} ms  p99 ${mixed.load.p99.toFixed(2)} ms; ` +
        `${mixed.events} events recorded`,
    );
    console.log(
      `resident memory every ${MIXED_SAMPLE_SECONDS} s (MB): ${mixed.samples.map((sample) => sample.rssMb.toFixed(0)).join(' ')}`,
    );
    console.log(
      `first ${first.rssMb.toFixed(0)} MB at ${first.at} s, last ${last.rssMb.toFixed(0)} MB at ${last.at} s, peak ${peak.toFixed(0)} MB; ` +
        `growth from the second half's start to the end ${(last.rssMb - mixed.samples[Math.floor(mixed.samples.length / 2)].rssMb).toFixed(0)} MB (target: none)`,
    );
  }
  mkdirSync(join(here, 'results'), { recursive: true });
  writeFileSync(
    join(here, 'results', 'latest.json'),
    JSON.stringify(
      {
        date: new Date().toISOString(),
        starts: {
          server: starts.server.map(({ ms, cpuMs }) => ({ ms, cpuMs })),
          bare: starts.bare.map(({ ms, cpuMs }) => ({ ms, cpuMs })),
        },
        commands,
        memory,
        load,
        mixed,
        go: GO,
      },
      null,
      2,
    ),
  );
} finally {
  for (const child of children) child.kill('SIGTERM');
  rmSync(dataDir, { recursive: true, force: true });
}

/**
 * MIXED seconds of wrk against the server, each connection sending in turn a token request (a user's password), the
 * repository list and the activity log (admin), and a registry event envelope (the notification secret, a new event
 * id each time); the server's resident memory is read every MIXED_SAMPLE_SECONDS.
 */
async function mixedLoad(port, pid) {
  const base = `http://127.0.0.1:${port}`;
  const fragment = JSON.parse(
    (await run(process.execPath, [cli, ...registryConfigArgs({ dataDir, publicUrl: base })])).stdout,
  );
  const secret = fragment.notifications.endpoints[0].headers.Authorization[0];
  const lua = (value) => `[==[${value}]==]`;
  const script = join(dataDir, 'mixed.lua');
  writeFileSync(
    script,
    `local n = 0
local counter = 1
function setup(thread)
  thread:set("thread_id", counter)
  counter = counter + 1
end
function request()
  n = n + 1
  local turn = n % 4
  if turn == 0 then
    return wrk.format("GET", ${lua(`/api/v1/registry/auth?service=${SERVICE}&scope=${encodeURIComponent('repository:bench/app:pull,push')}`)}, { Authorization = ${lua(basic('bench', 'bench-password'))} })
  elseif turn == 1 then
    return wrk.format("GET", ${lua('/api/v1/repositories?range=%5B0%2C24%5D')}, { Authorization = ${lua(basic('admin', ADMIN_PASSWORD))} })
  elseif turn == 2 then
    return wrk.format("GET", ${lua('/api/v1/events?range=%5B0%2C24%5D')}, { Authorization = ${lua(basic('admin', ADMIN_PASSWORD))} })
  end
  local id = "mixed-" .. (thread_id or 0) .. "-" .. n
  -- A time of its own for each event, as the registry gives (a second apart per connection's event).
  local k = n * 2 + (thread_id or 0)
  local timestamp = string.format("2026-01-%02dT%02d:%02d:%02dZ", 1 + math.floor(k / 86400),
    math.floor(k / 3600) % 24, math.floor(k / 60) % 60, k % 60)
  local body = '{"events":[{"id":"' .. id .. '","timestamp":"' .. timestamp .. '","action":"pull",' ..
    '"target":{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:${'a'.repeat(64)}",' ..
    '"repository":"bench/app","tag":"v1","size":500},"request":{"addr":"127.0.0.1:1","useragent":"wrk"},' ..
    '"actor":{"name":"bench"}}]}'
  return wrk.format("POST", "/api/v1/registry/events", {
    Authorization = ${lua(secret)},
    ["Content-Type"] = "application/vnd.docker.distribution.events.v1+json",
  }, body)
end
`,
  );
  log(`mixed load for ${MIXED} s`);
  const samples = [];
  const started = Date.now();
  const timer = setInterval(() => {
    samples.push({ at: Math.round((Date.now() - started) / 1000), rssMb: usage(pid).rssMb });
  }, MIXED_SAMPLE_SECONDS * 1000);
  let load;
  try {
    load = await wrk(base, {}, MIXED, script);
  } finally {
    clearInterval(timer);
  }
  samples.push({ at: Math.round((Date.now() - started) / 1000), rssMb: usage(pid).rssMb });
  const counted = await fetch(`${base}/api/v1/events?range=%5B0%2C0%5D`, {
    headers: { authorization: basic('admin', ADMIN_PASSWORD) },
  });
  await counted.arrayBuffer();
  const events = counted.headers.get('content-range')?.split('/')[1] ?? 'n/a';
  return { load, samples, events };
}

/** The bare server picks its own port and announces it on stdout; timed like the server, polled once announced. */
async function startBare(args, path) {
  const started = process.hrtime.bigint();
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'], env: ENV });
  children.add(child);
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const url = await new Promise((resolve, reject) => {
    let output = '';
    child.stdout.on('data', (chunk) => {
      output += chunk;
      const match = /listening on (http:\/\/\S+)/.exec(output);
      if (match) resolve(match[1]);
    });
    child.once('exit', (code) => reject(new Error(`bare server exited with ${code}`)));
  });
  for (;;) {
    const response = await fetch(`${url}${path}`).catch(() => undefined);
    if (response) await response.arrayBuffer();
    if (response?.status === 200) break;
    await sleep(5);
  }
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  return { ms, cpuMs: usage(child.pid).cpuMs, child, exited, url };
}
