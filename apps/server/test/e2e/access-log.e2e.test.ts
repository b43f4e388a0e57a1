/**
 * End to end: the server writes its access log file (Apache combined format, client addresses from a trusted proxy's
 * X-Forwarded-For, no secrets), and the fail2ban filter in examples/ — run by the real `fail2ban-regex` — matches
 * exactly the failed sign-ins and lockouts in it, never a successful one or an ordinary 401.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describeE2E } from '@registry-admin/test-support';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type RunningRegistryAdmin, startRegistryAdmin } from './harness/registry-admin';

const FILTER = resolve(import.meta.dirname, '../../../../examples/fail2ban/filter.d/registry-admin.conf');
const WRONG_PASSWORD = 'wrong-password-never-logged';
const QUERY_SECRET = 'query-secret-never-logged';

function fail2banRegex(log: string): Promise<{ code: number; stdout: string }> {
  return new Promise((done) => {
    execFile(
      'fail2ban-regex',
      ['--print-all-matched', '--print-all-missed', log, FILTER],
      { timeout: 60_000 },
      (error, stdout, stderr) => done({ code: error ? 1 : 0, stdout: stdout + stderr }),
    );
  });
}

describeE2E(
  'access log and the fail2ban filter',
  () => {
    let server: RunningRegistryAdmin;
    let dir: string;
    let log: string;
    let stdout: string;

    const basic = (login: string, password: string) =>
      `Basic ${Buffer.from(`${login}:${password}`).toString('base64')}`;
    const from = (address: string, headers: Record<string, string> = {}) => ({
      'x-forwarded-for': address,
      'user-agent': 'e2e-client/1.0',
      ...headers,
    });
    const login = (address: string, password: string) =>
      fetch(`${server.url}/api/v1/auth/login`, {
        method: 'POST',
        headers: from(address, { 'content-type': 'application/json' }),
        body: JSON.stringify({ login: 'admin', password }),
      });
    const token = (address: string, authorization?: string) =>
      fetch(`${server.url}/api/v1/registry/auth?service=container_registry&scope=repository:team/app:pull`, {
        headers: from(address, authorization ? { authorization } : {}),
      });

    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), 'ra-access-log-e2e-'));
      log = join(dir, 'logs', 'access.log');
      server = await startRegistryAdmin([
        '--logger.enabled',
        '--logger.file',
        log,
        '--trusted-proxies',
        '127.0.0.1,::1',
        '--auth.max-failures',
        '2',
      ]);
      // A guesser at the UI login: two failures, then locked out (429).
      expect((await login('203.0.113.10', WRONG_PASSWORD)).status).toBe(401);
      expect((await login('203.0.113.10', WRONG_PASSWORD)).status).toBe(401);
      expect((await login('203.0.113.10', WRONG_PASSWORD)).status).toBe(429);
      // A docker/skopeo login with a wrong password at the token endpoint.
      expect((await token('203.0.113.11', basic('admin', WRONG_PASSWORD))).status).toBe(401);
      // Successful ones, and a 401 that is no guess (an anonymous look at the API).
      expect((await login('198.51.100.1', server.adminPassword)).status).toBe(200);
      expect((await token('198.51.100.2', basic('admin', server.adminPassword))).status).toBe(200);
      expect((await token('198.51.100.3')).status).toBe(200);
      expect((await fetch(`${server.url}/api/v1/auth/me`, { headers: from('198.51.100.4') })).status).toBe(401);
      await (
        await fetch(`${server.url}/api/v1/users?password=${QUERY_SECRET}&range=[0,1]`, {
          headers: from('198.51.100.5', { authorization: server.adminAuth }),
        })
      ).arrayBuffer();
      stdout = server.logs();
      // Stopping flushes the file.
      await server.stop();
    });
    afterAll(async () => {
      await rm(dir, { recursive: true, force: true });
    });

    it('writes one Apache combined line per request with the client address and the signed-in login', async () => {
      const text = await readFile(log, 'utf8');
      const lines = text.trimEnd().split('\n');
      const combined =
        /^(\S+) - (\S+) \[\d\d\/[A-Z][a-z]{2}\/\d{4}:\d\d:\d\d:\d\d [+-]\d{4}\] "([A-Z]+) (\S+) HTTP\/1\.1" (\d{3}) (\d+|-) "([^"]*)" "([^"]*)"$/;
      for (const line of lines) expect(line).toMatch(combined);
      const byAddress = (address: string) => lines.filter((line) => line.startsWith(`${address} `));
      expect(byAddress('203.0.113.10').map((line) => combined.exec(line)?.[5])).toEqual(['401', '401', '429']);
      expect(byAddress('198.51.100.2')[0]).toMatch(
        /^198\.51\.100\.2 - admin \[.*"GET \/api\/v1\/registry\/auth\?service=container_registry&scope=repository:team\/app:pull HTTP\/1\.1" 200 \d+ "-" "e2e-client\/1\.0"$/,
      );
      expect(byAddress('198.51.100.1')[0]).toMatch(/^198\.51\.100\.1 - admin .* 200 /);
      expect(byAddress('198.51.100.3')[0]).toMatch(/^198\.51\.100\.3 - - .* 200 /);
      expect(byAddress('198.51.100.5')[0]).toContain('password=[redacted]&range=[0,1]');
      for (const secret of [WRONG_PASSWORD, QUERY_SECRET, server.adminPassword]) expect(text).not.toContain(secret);
      // The harness's own readiness polls come from the proxy's address itself.
      expect(lines.some((line) => /^(127\.0\.0\.1|::1|::ffff:127\.0\.0\.1) - - .*"GET \/readyz /.test(line))).toBe(
        true,
      );
    });

    it('keeps concise JSON lines with readable timestamps on stdout, without secrets', () => {
      const json = stdout.split('\n').filter((line) => line.startsWith('{'));
      expect(json.length).toBeGreaterThan(0);
      for (const line of json) expect(JSON.parse(line).time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      expect(stdout).toContain('authentication failed for user \\"admin\\" from 203.0.113.11');
      for (const secret of [WRONG_PASSWORD, QUERY_SECRET]) expect(stdout).not.toContain(secret);
    });

    it('the fail2ban filter matches the failed sign-ins and lockouts, and nothing else', async () => {
      const { code, stdout: report } = await fail2banRegex(log);
      expect(code, report).toBe(0);
      const summary = /Lines: (\d+) lines, (\d+) ignored, (\d+) matched, (\d+) missed/.exec(report);
      expect(summary, report).not.toBeNull();
      expect(Number(summary?.[3]), report).toBe(4);
      const matched = report.slice(report.indexOf('Matched line(s):'), report.indexOf('Missed line(s):'));
      const missed = report.slice(report.indexOf('Missed line(s):'));
      const matchedAddresses = [...matched.matchAll(/^\|\s+(\S+) - /gm)].map((match) => match[1]);
      expect(matchedAddresses.sort(), report).toEqual(['203.0.113.10', '203.0.113.10', '203.0.113.10', '203.0.113.11']);
      for (const address of ['198.51.100.1', '198.51.100.2', '198.51.100.3', '198.51.100.4']) {
        expect(missed).toContain(`${address} - `);
      }
    });
  },
  { tools: ['fail2ban-regex'] },
);
