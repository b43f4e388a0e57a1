import { describe, expect, it } from 'vitest';
import { keepV8Small } from './v8-memory';

describe('keepV8Small', () => {
  it('sets what Node was not given, and leaves what it was', () => {
    expect(keepV8Small(['--max-semi-space-size=8'], '')).toEqual(['--optimize-for-size']);
    expect(keepV8Small([], '--enable-source-maps --min-semi-space-size=2 --no-optimize-for-size')).toEqual([]);
    expect(keepV8Small(['--optimize_for_size'], '--semi-space-growth-factor=2')).toEqual([]);
    expect(keepV8Small(['--enable-source-maps'], '--max-old-space-size=512')).toEqual([
      '--semi-space-growth-factor=1',
      '--optimize-for-size',
    ]);
  });
});
