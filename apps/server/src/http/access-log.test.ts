import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AccessLogEntry, formatAccessLogLine, openAccessLog, redactUrl, rotatedName } from './access-log';

const entry = (overrides: Partial<AccessLogEntry> = {}): AccessLogEntry => ({
  address: '203.0.113.7',
  user: undefined,
  time: new Date(2026, 10, 23, 19, 5, 6),
  method: 'GET',
  url: '/api/v1/registry/auth?service=registry&scope=repository:team/app:pull,push&account=alice',
  httpVersion: '1.1',
  status: 200,
  bytes: 1234,
  referer: undefined,
  userAgent: 'docker/27.0 go/go1.22',
  ...overrides,
});

describe('access log lines (Apache combined)', () => {
  it('writes host, user, time, request, status, size, referer and user agent', () => {
    const line = formatAccessLogLine(entry({ user: 'alice' }));
    expect(line).toMatch(
      /^203\.0\.113\.7 - alice \[23\/Nov\/2026:19:05:06 [+-]\d{4}\] "GET \/api\/v1\/registry\/auth\?service=registry&scope=repository:team\/app:pull,push&account=alice HTTP\/1\.1" 200 1234 "-" "docker\/27\.0 go\/go1\.22"\n$/,
    );
    expect(formatAccessLogLine(entry({ bytes: undefined, userAgent: undefined }))).toContain('" 200 - "-" "-"\n');
  });

  it('replaces the values of secret-looking query parameters, keeps the rest as received', () => {
    expect(redactUrl('/x?password=hunter2&account=bob&refresh_token=rt_abc&access_token=a&client_secret=s')).toBe(
      '/x?password=[redacted]&account=bob&refresh_token=[redacted]&access_token=[redacted]&client_secret=[redacted]',
    );
    expect(redactUrl('/x?api%5Fkey=k&offline_token=true&scope=repository:a:pull')).toBe(
      '/x?api%5Fkey=[redacted]&offline_token=true&scope=repository:a:pull',
    );
    expect(redactUrl('/api/v1/users')).toBe('/api/v1/users');
    const line = formatAccessLogLine(entry({ url: '/?token=abc', referer: 'https://ui.example/#/x?session=s1' }));
    expect(line).not.toContain('abc');
    expect(line).not.toContain('s1');
  });

  it('escapes quotes, backslashes and control bytes so no client can forge a field or a line', () => {
    const line = formatAccessLogLine(
      entry({ userAgent: 'x" 401 1 "-" "y\n10.0.0.1 - - [x] "GET / HTTP/1.1" 401 1', url: '/a"b\\c\u00e9' }),
    );
    expect(line.split('\n')).toHaveLength(2);
    expect(line).toContain('"GET /a\\"b\\\\c\\xc3\\xa9 HTTP/1.1" 200 1234');
    expect(line).toContain('"x\\" 401 1 \\"-\\" \\"y\\x0a10.0.0.1');
  });

  it('names rotated files like the Go tool', () => {
    const time = new Date('2026-11-23T19:25:46.123Z');
    expect(rotatedName('/var/log/access.log', time, 1, false)).toBe('access-2026-11-23T19-25-46.123.log');
    expect(rotatedName('/var/log/access.log', time, 2, true)).toBe('access-2026-11-23T19-25-46.123-2.log.gz');
  });
});

describe('access log file', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ra-access-log-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('rotates by size, gzips rotated files, keeps max-backups of them and flushes on close', async () => {
    const file = join(dir, 'logs', 'access.log');
    const log = await openAccessLog({ file, maxSize: 1024, maxBackups: 2, compress: true });
    const line = formatAccessLogLine(entry());
    // About 200 bytes a line: 40 lines make several rotations of 1 KiB.
    for (let i = 0; i < 40; i++) {
      log.write(line);
      // Let each write land, so rotation (which happens between writes) can take turns.
      await new Promise((resolve) => setImmediate(resolve));
    }
    await log.close();
    const names = await readdir(join(dir, 'logs'));
    const rotated = names.filter((name) => name.endsWith('.log.gz'));
    expect(rotated.length).toBeGreaterThan(0);
    expect(rotated.length).toBeLessThanOrEqual(2);
    for (const name of rotated) {
      expect(name).toMatch(/^access-\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d\.\d{3}(-\d+)?\.log\.gz$/);
      const text = gunzipSync(await readFile(join(dir, 'logs', name))).toString();
      expect(
        text
          .split('\n')
          .filter(Boolean)
          .every((written) => `${written}\n` === line),
      ).toBe(true);
    }
    const live = await readFile(file, 'utf8');
    expect(live.length).toBeLessThanOrEqual(1024 + line.length);
    expect(live.endsWith(line)).toBe(true);
    expect((await stat(file)).mode & 0o777).toBe(0o640);
    expect(log.dropped).toBe(0);
  });
});
