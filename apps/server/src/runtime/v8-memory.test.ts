import { constants, type PerformanceEntry, PerformanceObserver } from 'node:perf_hooks';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { collectGarbage, v8FlagsToSet } from './v8-memory';

describe('v8FlagsToSet', () => {
  it('sets what Node was not given, and leaves what it was', () => {
    const flags = (execArgv: string[], nodeOptions: string) =>
      v8FlagsToSet(execArgv, nodeOptions).map((setting) => setting.flag);
    expect(flags(['--max-semi-space-size=8', '--jitless'], '')).toEqual(['--no-optimize-for-size']);
    expect(flags([], '--enable-source-maps --min-semi-space-size=2 --no-optimize-for-size --turbofan')).toEqual([]);
    expect(flags(['--optimize_for_size', '--no-opt'], '--semi-space-growth-factor=2')).toEqual([]);
    expect(flags(['--lite-mode'], '')).toEqual(['--semi-space-growth-factor=1', '--no-optimize-for-size']);
    expect(flags(['--enable-source-maps'], '--max-old-space-size=512')).toEqual([
      '--semi-space-growth-factor=1',
      '--no-optimize-for-size',
      '--no-turbofan',
    ]);
    // Optimizing for size and the optimizing compiler are turned on once the server listens.
    expect(v8FlagsToSet([], '').map((setting) => setting.afterStart)).toEqual([
      undefined,
      '--optimize-for-size',
      '--turbofan',
    ]);
  });
});

describe('collectGarbage', () => {
  /** The kinds of the collections V8 reports while `run` runs (and the observer's next turn). */
  async function collectionsDuring(run: () => void): Promise<number[]> {
    const entries: PerformanceEntry[] = [];
    const observer = new PerformanceObserver((list) => entries.push(...list.getEntries()));
    observer.observe({ entryTypes: ['gc'] });
    run();
    await new Promise((resolve) => setTimeout(resolve, 50));
    observer.disconnect();
    return entries.map((entry) => (entry as unknown as { detail: { kind: number } }).detail.kind);
  }

  it('runs a full collection each time, and exposes gc to no other context', async () => {
    for (let i = 0; i < 2; i++) {
      expect(await collectionsDuring(collectGarbage)).toContain(constants.NODE_PERFORMANCE_GC_MAJOR);
    }
    expect(runInNewContext('typeof gc')).toBe('undefined');
    expect(typeof (globalThis as { gc?: unknown }).gc).toBe('undefined');
  });
});
