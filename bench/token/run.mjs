// Token endpoint benchmark: requests/s and latency percentiles at 16 connections (wrk, a separate process),
// for several kinds of token request, next to a bare Fastify route measured in the same run.
import { execFile, execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startListening, stopAll } from '../lib/processes.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const cli = join(here, '../../apps/server/dist/cli.js');
const duration = Number(process.env.BENCH_DURATION ?? 10);
const connections = 16;
const service = 'bench-svc';

try {
  execFileSync('sh', ['-c', 'command -v wrk'], { stdio: 'ignore' });
} catch {
  console.error('wrk is not installed: apt-get install wrk');
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
  return { name, rps, p50: parseLatency(output, 50), p99: parseLatency(output, 99), socketErrors: errors?.[1] ?? null };
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

const dataDir = mkdtempSync(join(tmpdir(), 'ra-bench-'));
try {
  const adminPassword = 'bench-admin-password';
  const baseline = await startListening([join(here, 'baseline-server.mjs')], 'baseline');
  const server = await startListening(
    [
      cli,
      'serve',
      '--listen',
      '127.0.0.1',
      '--port',
      '0',
      '--data-dir',
      dataDir,
      '--store.admin-password',
      adminPassword,
      '--logger.level',
      'warn',
      '--registry.service',
      service,
    ],
    'registry-admin',
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
    throw new Error(`bad token response: ${JSON.stringify(sampleBody)}`);

  const results = [];
  results.push(await load('bare Fastify route (baseline)', `${baseline.url}/bare`));
  results.push(
    await load('token, repeated password (user)', tokenUrl('repository:bench/app:pull,push'), {
      Authorization: basic('bench', 'bench-password'),
    }),
  );
  results.push(await load('token, anonymous', tokenUrl('repository:public/app:pull')));
  const pat = await api(server.url, basic('bench', 'bench-password'), 'POST', '/api/v1/tokens', { name: 'bench' });
  results.push(
    await load('token, personal access token', tokenUrl('repository:bench/app:pull,push'), {
      Authorization: basic('bench', pat.token),
    }),
  );
  const login = await fetch(`${tokenUrl('repository:bench/app:pull')}&offline_token=true&client_id=docker`, {
    headers: { authorization: basic('bench', 'bench-password') },
  });
  const { refresh_token: refreshToken } = await login.json();
  if (!refreshToken) throw new Error('no refresh token from the login request');
  const form = new URLSearchParams({
    client_id: 'docker',
    grant_type: 'refresh_token',
    refresh_token: refreshToken,
    scope: 'repository:bench/app:pull,push',
    service,
  }).toString();
  const script = join(dataDir, 'refresh-grant.lua');
  writeFileSync(
    script,
    `wrk.method = "POST"\nwrk.body = "${form}"\nwrk.headers["Content-Type"] = "application/x-www-form-urlencoded"\n`,
  );
  results.push(await load('bare Fastify form POST (baseline)', `${baseline.url}/bare`, {}, script));
  results.push(await load('token, refresh grant (POST)', `${server.url}/api/v1/registry/auth`, {}, script));
  results.push(
    await load('token, repeated password (admin)', tokenUrl('repository:bench/app:pull,push'), {
      Authorization: adminAuth,
    }),
  );

  // The first, uncached password check: one request per fresh user, sequentially.
  const fresh = [];
  for (let i = 0; i < 20; i++) {
    await api(server.url, adminAuth, 'POST', '/api/v1/users', { login: `fresh${i}`, password: `fresh-password-${i}` });
  }
  const second = [];
  for (let i = 0; i < 20; i++) {
    const headers = { authorization: basic(`fresh${i}`, `fresh-password-${i}`) };
    for (const bucket of [fresh, second]) {
      const started = process.hrtime.bigint();
      const response = await fetch(tokenUrl('repository:bench/app:pull'), { headers });
      await response.arrayBuffer();
      if (response.status !== 200) throw new Error(`fresh user ${i}: ${response.status}`);
      bucket.push(Number(process.hrtime.bigint() - started) / 1e6);
    }
  }
  const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
  const mean = (values) => values.reduce((sum, value) => sum + value, 0) / values.length;

  const base = results[0].rps;
  console.log(`\ntoken endpoint, ${connections} connections, ${duration}s per scenario (wrk -t2 -c${connections})\n`);
  console.log(
    `${'scenario'.padEnd(36)}${'req/s'.padStart(10)}${'p50 ms'.padStart(10)}${'p99 ms'.padStart(10)}${'vs baseline'.padStart(13)}`,
  );
  for (const r of results) {
    console.log(
      `${r.name.padEnd(36)}${r.rps.toFixed(0).padStart(10)}${r.p50.toFixed(2).padStart(10)}${r.p99.toFixed(2).padStart(10)}${`${((r.rps / base) * 100).toFixed(0)}%`.padStart(13)}`,
    );
  }
  console.log(
    `\nfirst (uncached, argon2id) password check: mean ${mean(fresh).toFixed(1)} ms, p50 ${median(fresh).toFixed(1)} ms;` +
      ` second (cached): mean ${mean(second).toFixed(2)} ms, p50 ${median(second).toFixed(2)} ms (20 users, sequential)`,
  );
  mkdirSync(join(here, 'results'), { recursive: true });
  writeFileSync(
    join(here, 'results', 'latest.json'),
    JSON.stringify(
      { date: new Date().toISOString(), duration, connections, results, firstCheckMs: fresh, cachedCheckMs: second },
      null,
      2,
    ),
  );
} finally {
  stopAll();
  rmSync(dataDir, { recursive: true, force: true });
}
