// Token endpoint benchmark: requests/s and latency percentiles at 16 connections (wrk, a separate process),
// for several kinds of token request, next to a bare Fastify route measured in the same run — and, with
// BENCH_COMPARE_CLI, next to another build of the server.
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startListening, stopAll } from '../lib/processes.mjs';
import { deployedEnv, describeEnv, serveArgs } from '../lib/server.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const cli = join(here, '../../apps/server/dist/cli.js');
// Another build's CLI (e.g. the code before a change): its token scenarios run in the same run, side by side.
const compareCli = process.env.BENCH_COMPARE_CLI ? resolve(process.env.BENCH_COMPARE_CLI) : undefined;
const duration = Number(process.env.BENCH_DURATION ?? 10);
const connections = 16;
// A comma-separated list of words: only the token scenarios whose name holds one of them run (e.g. "user").
const only = process.env.BENCH_SCENARIOS?.split(',').filter(Boolean);
const service = 'bench-svc';
const env = deployedEnv();

try {
  execFileSync('sh', ['-c', 'command -v wrk'], { stdio: 'ignore' });
} catch {
  console.error('wrk is not installed: apt-get install wrk');
  process.exit(2);
}

if (compareCli && !existsSync(compareCli)) {
  console.error(`BENCH_COMPARE_CLI: no such file ${compareCli}`);
  process.exit(2);
}

const run = (args) =>
  new Promise((resolve, reject) =>
    execFile(args[0], args.slice(1), { maxBuffer: 1 << 24 }, (error, stdout, stderr) =>
      error ? reject(new Error(`${args.join(' ')}: ${stderr || error.message}`)) : resolve(stdout),
    ),
  );

const basic = (login, password) => `Basic ${Buffer.from(`${login}:${password}`).toString('base64')}`;

function parseLatency(text, percentile) {
  const match = new RegExp(`^\\s*${percentile}%\\s+([\\d.]+)(us|ms|s)\\s*$`, 'm').exec(text);
  if (!match) throw new Error(`no ${percentile}% latency in wrk output:\n${text}`);
  const factor = { us: 0.001, ms: 1, s: 1000 }[match[2]];
  return Number(match[1]) * factor;
}

async function load(name, url, headers = {}, script) {
  const headerArgs = [
    ...Object.entries(headers).flatMap(([key, value]) => ['-H', `${key}: ${value}`]),
    ...(script ? ['-s', script] : []),
  ];
  // Warm-up (JIT, caches), then the measured run.
  await run(['wrk', '-t2', `-c${connections}`, '-d2s', ...headerArgs, url]);
  const output = await run(['wrk', '-t2', `-c${connections}`, `-d${duration}s`, '--latency', ...headerArgs, url]);
  const non2xx = /Non-2xx or 3xx responses: (\d+)/.exec(output);
  if (non2xx) throw new Error(`${name}: ${non2xx[1]} responses were not 2xx:\n${output}`);
  const errors = /Socket errors: (.*)/.exec(output);
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(output)?.[1]);
  const max = /Latency\s+\S+\s+\S+\s+([\d.]+)(us|ms|s)/.exec(output);
  return {
    name,
    rps,
    p50: parseLatency(output, 50),
    p99: parseLatency(output, 99),
    maxMs: max ? Number(max[1]) * { us: 0.001, ms: 1, s: 1000 }[max[2]] : null,
    socketErrors: errors?.[1] ?? null,
  };
}

async function api(base, auth, method, path, body) {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: { authorization: auth, ...(body ? { 'content-type': 'application/json' } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  if (response.status >= 300) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
  return response.json();
}

/**
 * Starts one build's `registry-admin serve` on a temporary SQLite store and prepares what the scenarios need: a user
 * with rules, a personal access token, and a refresh token with its wrk script.
 */
async function startBuild(label, cliPath, adminPassword) {
  const dataDir = mkdtempSync(join(tmpdir(), 'ra-bench-'));
  dataDirs.push(dataDir);
  const server = await startListening(
    [cliPath, ...serveArgs({ dataDir, adminPassword, extra: ['--registry.service', service] })],
    `registry-admin (${label})`,
    env,
  );
  const adminAuth = basic('admin', adminPassword);
  const user = await api(server.url, adminAuth, 'POST', '/api/v1/users', {
    login: 'bench',
    password: 'bench-password',
  });
  await api(server.url, adminAuth, 'POST', '/api/v1/access-rules', {
    subjectType: 'user',
    subjectId: user.id,
    pattern: 'bench/**',
    actions: ['pull', 'push'],
  });
  await api(server.url, adminAuth, 'POST', '/api/v1/access-rules', {
    subjectType: 'everyone',
    subjectId: null,
    pattern: 'public/*',
    actions: ['pull'],
  });

  const tokenUrl = (scope) =>
    `${server.url}/api/v1/registry/auth?service=${service}&scope=${encodeURIComponent(scope)}`;
  const sample = await fetch(tokenUrl('repository:bench/app:pull,push'), {
    headers: { authorization: basic('bench', 'bench-password') },
  });
  const sampleBody = await sample.json();
  if (sample.status !== 200 || sampleBody.token.split('.').length !== 3)
    throw new Error(`${label}: bad token response: ${JSON.stringify(sampleBody)}`);
  const pat = await api(server.url, basic('bench', 'bench-password'), 'POST', '/api/v1/tokens', { name: 'bench' });
  const login = await fetch(`${tokenUrl('repository:bench/app:pull')}&offline_token=true&client_id=docker`, {
    headers: { authorization: basic('bench', 'bench-password') },
  });
  const { refresh_token: refreshToken } = await login.json();
  if (!refreshToken) throw new Error(`${label}: no refresh token from the login request`);
  const form = new URLSearchParams({
    client_id: 'docker',
    grant_type: 'refresh_token',
    refresh_token: refreshToken,
    scope: 'repository:bench/app:pull,push',
    service,
  }).toString();
  const refreshScript = join(dataDir, 'refresh-grant.lua');
  writeFileSync(
    refreshScript,
    `wrk.method = "POST"\nwrk.body = "${form}"\nwrk.headers["Content-Type"] = "application/x-www-form-urlencoded"\n`,
  );
  return { label, server, adminAuth, tokenUrl, pat: pat.token, refreshScript };
}

/** The token scenarios, in the order they are printed; each yields the arguments of `load` for one build. */
const scenarios = [
  {
    name: 'token, repeated password (user)',
    args: (b) => [b.tokenUrl('repository:bench/app:pull,push'), { Authorization: basic('bench', 'bench-password') }],
  },
  { name: 'token, anonymous', args: (b) => [b.tokenUrl('repository:public/app:pull')] },
  {
    name: 'token, personal access token',
    args: (b) => [b.tokenUrl('repository:bench/app:pull,push'), { Authorization: basic('bench', b.pat) }],
  },
  {
    name: 'token, refresh grant (POST)',
    args: (b) => [`${b.server.url}/api/v1/registry/auth`, {}, b.refreshScript],
    baseline: 'form',
  },
  {
    name: 'token, repeated password (admin)',
    args: (b) => [b.tokenUrl('repository:bench/app:pull,push'), { Authorization: b.adminAuth }],
  },
];

/**
 * The first, uncached password check against the second (cached) one: one request per fresh user, sequentially,
 * each user on every build in turn.
 */
async function firstChecks(builds) {
  const checks = builds.map(() => ({ first: [], second: [] }));
  for (const build of builds) {
    for (let i = 0; i < 20; i++) {
      await api(build.server.url, build.adminAuth, 'POST', '/api/v1/users', {
        login: `fresh${i}`,
        password: `fresh-password-${i}`,
      });
    }
  }
  for (let i = 0; i < 20; i++) {
    const headers = { authorization: basic(`fresh${i}`, `fresh-password-${i}`) };
    for (const [b, build] of builds.entries()) {
      for (const bucket of [checks[b].first, checks[b].second]) {
        const started = process.hrtime.bigint();
        const response = await fetch(build.tokenUrl('repository:bench/app:pull'), { headers });
        await response.arrayBuffer();
        if (response.status !== 200) throw new Error(`${build.label}: fresh user ${i}: ${response.status}`);
        bucket.push(Number(process.hrtime.bigint() - started) / 1e6);
      }
    }
  }
  return checks;
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const mean = (values) => values.reduce((sum, value) => sum + value, 0) / values.length;
const cell = (text, width) => String(text).padStart(width);
const figures = (r, base) =>
  r
    ? `${cell(r.rps.toFixed(0), 10)}${cell(r.p50.toFixed(2), 9)}${cell(r.p99.toFixed(2), 9)}${cell(`${((r.rps / base) * 100).toFixed(0)}%`, 8)}`
    : ' '.repeat(36);

const dataDirs = [];
try {
  const adminPassword = 'bench-admin-password';
  const baseline = await startListening([join(here, 'baseline-server.mjs')], 'baseline', env);
  const builds = [await startBuild('this build', cli, adminPassword)];
  if (compareCli) builds.push(await startBuild('compare', compareCli, adminPassword));

  const bare = await load('bare Fastify route (baseline)', `${baseline.url}/bare`);
  const bareForm = await load('bare Fastify form POST (baseline)', `${baseline.url}/bare`, {}, builds[0].refreshScript);
  // Each scenario runs on every build back to back, so drift in the machine's load touches both alike.
  const rows = [];
  for (const scenario of scenarios) {
    if (only && !only.some((word) => scenario.name.includes(word))) continue;
    const measured = [];
    for (const build of builds) measured.push(await load(scenario.name, ...scenario.args(build)));
    rows.push({ name: scenario.name, base: scenario.baseline === 'form' ? bareForm.rps : bare.rps, measured });
  }
  const checks = await firstChecks(builds);

  console.log(`\ntoken endpoint, ${connections} connections, ${duration}s per scenario (wrk -t2 -c${connections})`);
  console.log(`servers run with ${describeEnv(env)}`);
  if (compareCli) console.log(`compare = ${compareCli}`);
  console.log('"base" is the share of the bare Fastify baseline\n');
  const group = `${cell('req/s', 10)}${cell('p50 ms', 9)}${cell('p99 ms', 9)}${cell('base', 8)}`;
  console.log(
    `${''.padEnd(36)}${builds.map((b) => `  | ${b.label.padEnd(34)}`).join('')}${compareCli ? '  |  this/compare' : ''}`,
  );
  console.log(`${'scenario'.padEnd(36)}${builds.map(() => `  |${group}`).join('')}${compareCli ? '  |' : ''}`);
  const line = (name, results, base) => {
    const ratio =
      compareCli && results[0] && results[1]
        ? `  |${cell(`${((results[0].rps / results[1].rps) * 100).toFixed(0)}%`, 14)}`
        : '';
    console.log(`${name.padEnd(36)}${builds.map((_, i) => `  |${figures(results[i], base)}`).join('')}${ratio}`);
  };
  line(bare.name, [bare], bare.rps);
  line(bareForm.name, [bareForm], bareForm.rps);
  for (const row of rows) line(row.name, row.measured, row.base);
  console.log('\nslowest request of each run (wrk max), ms:');
  for (const row of [{ name: bare.name, measured: [bare] }, { name: bareForm.name, measured: [bareForm] }, ...rows]) {
    console.log(
      `${row.name.padEnd(36)}${row.measured.map((r) => `  |${cell(r.maxMs?.toFixed(1) ?? '-', 10)}`).join('')}`,
    );
  }
  console.log('');
  builds.forEach((build, i) => {
    const { first, second } = checks[i];
    console.log(
      `${build.label}: first (uncached, argon2id) password check: mean ${mean(first).toFixed(1)} ms, p50 ${median(first).toFixed(1)} ms;` +
        ` second (cached): mean ${mean(second).toFixed(2)} ms, p50 ${median(second).toFixed(2)} ms (20 users, sequential)`,
    );
  });
  mkdirSync(join(here, 'results'), { recursive: true });
  writeFileSync(
    join(here, 'results', 'latest.json'),
    JSON.stringify(
      {
        date: new Date().toISOString(),
        duration,
        connections,
        baseline: [bare, bareForm],
        builds: builds.map((build, i) => ({
          label: build.label,
          cli: i === 0 ? cli : compareCli,
          results: rows.map((row) => row.measured[i]),
          firstCheckMs: checks[i].first,
          cachedCheckMs: checks[i].second,
        })),
      },
      null,
      2,
    ),
  );
} finally {
  stopAll();
  for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
}
