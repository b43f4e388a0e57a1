/**
 * Every numeric option, found through the schema (so a new one is covered without touching this file), is run with
 * its extremes through config loading, and with the boundary values that pass through a real start-up: out-of-range,
 * fractional and non-numeric values fail at load with the option's name; the minimum and the maximum start.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli';
import { ConfigError, configOptions, loadConfig, type OptionSpec } from '../../src/config/load';
import { MAX_TIMER_SECONDS, type NumericRange } from '../../src/config/schema';
import { runServer } from '../../src/server';
import { outputSink } from '../output-sink';
import { ADMIN_PASSWORD, basic } from './fixture';

const numericOptions = configOptions().filter(
  (option): option is OptionSpec & { range: NumericRange } => option.range !== undefined,
);

/** What a bare number means for the option: seconds are the unit of every duration's range. */
const factorOf = (range: NumericRange) => (range.unit === 'm' ? 60 : 1);
/** The boundary written as the option is usually written: durations with an explicit unit. */
const written = (range: NumericRange, value: number) => (range.unit === 'count' ? String(value) : `${value}s`);

/** Inputs (as flags give strings and config files give numbers) with the value they stand for, NaN when none. */
function extremes(range: NumericRange): Array<[input: unknown, value: number]> {
  const f = factorOf(range);
  return [
    [0, 0],
    ['0', 0],
    [-1, Number.NaN],
    ['-1', Number.NaN],
    [1.5, 1.5 * f],
    ['1.5', 1.5 * f],
    ['90.5', 90.5 * f],
    ['abc', Number.NaN],
    ['NaN', Number.NaN],
    [Number.NaN, Number.NaN],
    [Number.POSITIVE_INFINITY, Number.NaN],
    ['', Number.NaN],
    ['1e3', Number.NaN],
    ['1e400', Number.NaN],
    [1e21, Number.NaN],
    ['99999999999999999999', Number.NaN],
    [{ value: 1 }, Number.NaN],
    [true, Number.NaN],
    [written(range, range.min), range.min],
    [written(range, range.max), range.max],
    [written(range, range.min - 1), range.min - 1],
    [written(range, range.max + 1), range.max + 1],
    [written(range, range.max * 1000), range.max * 1000],
  ];
}

const accepted = (range: NumericRange, value: number) =>
  Number.isSafeInteger(value) && value >= range.min && value <= range.max;

function valueAt(config: unknown, path: readonly string[]): unknown {
  return path.reduce<unknown>((node, key) => (node as Record<string, unknown>)[key], config);
}

describe('numeric options', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ra-numeric-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('every option whose value is a number declares its range', () => {
    const defaults = loadConfig({});
    const numberValued = configOptions()
      .filter((option) => option.flag !== 'config-file')
      // Byte sizes are read with a unit (10M) and tested with their own cases in load.test.ts.
      .filter((option) => option.flag !== 'logger.max-size')
      // The TLS ports have no default (they follow --port, or are off) but are numbers when given.
      .filter(
        (option) =>
          typeof valueAt(defaults, option.path) === 'number' || ['ssl.port', 'ssl.http-port'].includes(option.flag),
      )
      .map((option) => option.flag);
    expect(numberValued.length).toBeGreaterThan(10);
    expect(numericOptions.map((option) => option.flag)).toEqual(numberValued);
    for (const option of numericOptions) expect(option.description).toContain('..');
  });

  it('takes exactly the whole numbers in range, and names the option for every other value', () => {
    let cases = 0;
    for (const option of numericOptions) {
      for (const [input, value] of extremes(option.range)) {
        const label = `--${option.flag} ${JSON.stringify(input) ?? String(input)}`;
        let result: unknown;
        try {
          result = valueAt(loadConfig({ argv: { [option.flag]: input } }), option.path);
        } catch (error) {
          result = error;
        }
        if (accepted(option.range, value)) {
          expect(result, label).toBe(value);
        } else {
          expect(result, label).toBeInstanceOf(ConfigError);
          const error = result as ConfigError;
          expect(error.code, label).toBe('ERR_CONFIG_INVALID');
          expect(error.option, label).toBe(option.flag);
          expect(error.message, label).toContain(`invalid option --${option.flag} (${option.env})`);
          expect(error.message.split('\n'), label).toHaveLength(1);
        }
        cases++;
      }
    }
    expect(cases).toBe(numericOptions.length * extremes({ min: 1, max: 2, unit: 'count' }).length);
  });

  it('refuses YAML NaN and infinities from a config file for every numeric option at once', async () => {
    const file = join(dir, 'extremes.yml');
    const groups = new Map<string, string[]>();
    for (const option of numericOptions) {
      const [head, ...rest] = option.path;
      const key = rest.length === 0 ? '' : (head as string);
      groups.set(key, [...(groups.get(key) ?? []), `${rest.length === 0 ? '' : '  '}${option.path.at(-1)}: .nan`]);
    }
    // Nested at most two levels deep today; a deeper numeric option would need this writer extended.
    expect(numericOptions.every((option) => option.path.length <= 2)).toBe(true);
    const yaml = [...groups].flatMap(([key, lines]) => (key === '' ? lines : [`${key}:`, ...lines])).join('\n');
    await writeFile(file, `${yaml}\n`);
    let error: unknown;
    try {
      loadConfig({ argv: { 'config-file': file } });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    for (const option of numericOptions) expect((error as Error).message).toContain(`--${option.flag} (`);
    await writeFile(file, 'registry:\n  token-ttl: .inf\n');
    expect(() => loadConfig({ argv: { 'config-file': file } })).toThrow(/--registry\.token-ttl .*"Infinity"/);
  });

  it('the longest gc-interval fits a timer', () => {
    const gc = numericOptions.find((option) => option.flag === 'registry.gc-interval');
    expect(gc?.range.max).toBeLessThanOrEqual(MAX_TIMER_SECONDS);
  });

  it('the CLI answers a bad value with one line naming the option, exit code 2 and no stack trace', async () => {
    for (const value of ['90.5', '0', 'abc', '1e400']) {
      const stdout = outputSink();
      const stderr = outputSink();
      const code = await runCli(['serve', '--registry.token-ttl', value, '--data-dir', join(dir, 'cli')], {
        env: {},
        cwd: dir,
        stdout: stdout.stream,
        stderr: stderr.stream,
        stdin: process.stdin,
        stopSignal: Promise.resolve('SIGTERM'),
      });
      expect(code).toBe(2);
      expect(stderr.text()).toMatch(
        /^registry-admin: invalid option --registry\.token-ttl \(RA_REGISTRY_TOKEN_TTL\): /,
      );
      expect(stderr.text().trim().split('\n')).toHaveLength(1);
      expect(stderr.text()).not.toMatch(/\n\s+at /);
    }
  });

  it('starts with each option at its minimum and at its maximum, issuing a token and checking a password', async () => {
    const certs = join(dir, 'certs');
    let starts = 0;
    for (const option of numericOptions) {
      for (const boundary of [option.range.min, option.range.max]) {
        const label = `--${option.flag} ${written(option.range, boundary)}`;
        const dataDir = await mkdtemp(join(dir, 'start-'));
        const config = loadConfig({
          argv: {
            'data-dir': dataDir,
            listen: '127.0.0.1',
            port: '0',
            'logger.level': 'silent',
            'registry.certs.path': certs,
            // The registry and SMTP options are read at start when these are set; nothing listens there.
            'registry.host': 'http://127.0.0.1',
            'registry.sync': 'false',
            'smtp.host': '127.0.0.1',
            'store.admin-password': ADMIN_PASSWORD,
            [option.flag]: written(option.range, boundary),
          },
        });
        expect(valueAt(config, option.path), label).toBe(boundary);
        // Tests listen on a port the system picks: the port's own extremes are checked by loading above.
        const started = option.flag === 'port' ? { ...config, port: 0 } : config;
        const stdout = outputSink();
        const server = await runServer(started, { cwd: dataDir, stdout: stdout.stream });
        try {
          const health = await fetch(`${server.url}/healthz`);
          expect(health.status, label).toBe(200);
          const token = await fetch(
            `${server.url}/api/v1/registry/auth?service=container_registry&scope=repository:a/b:pull`,
            { headers: { authorization: basic('admin', ADMIN_PASSWORD) } },
          );
          expect(token.status, label).toBe(200);
          const body = (await token.json()) as { expires_in: number };
          expect(body.expires_in, label).toBe(config.registry['token-ttl']);
        } finally {
          await server.close();
        }
        await rm(dataDir, { recursive: true, force: true });
        starts++;
      }
    }
    expect(starts).toBe(numericOptions.length * 2);
  }, 180_000);
});
