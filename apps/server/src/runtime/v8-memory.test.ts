import { describe, expect, it } from 'vitest';
import { v8FlagsToSet } from './v8-memory';

describe('v8FlagsToSet', () => {
  it('sets what Node was not given, and leaves what it was', () => {
    expect(v8FlagsToSet(['--max-semi-space-size=8'], '')).toEqual(['--optimize-for-size']);
    expect(v8FlagsToSet([], '--enable-source-maps --min-semi-space-size=2 --no-optimize-for-size')).toEqual([]);
    expect(v8FlagsToSet(['--optimize_for_size'], '--semi-space-growth-factor=2')).toEqual([]);
    expect(v8FlagsToSet(['--enable-source-maps'], '--max-old-space-size=512')).toEqual([
      '--semi-space-growth-factor=1',
      '--optimize-for-size',
    ]);
  });
});
