import { describe, expect, it } from 'vitest';
import { v8FlagsToSet } from './v8-memory';

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
