import { describe, expect, it } from 'vitest';
import { keepYoungGenerationSmall } from './young-generation';

describe('keepYoungGenerationSmall', () => {
  it('leaves a young-generation size given to Node alone', () => {
    expect(keepYoungGenerationSmall(['--max-semi-space-size=8'], '')).toBe(false);
    expect(keepYoungGenerationSmall([], '--enable-source-maps --min-semi-space-size=2')).toBe(false);
    expect(keepYoungGenerationSmall([], '--semi-space-growth-factor=2')).toBe(false);
    expect(keepYoungGenerationSmall(['--enable-source-maps'], '--max-old-space-size=512')).toBe(true);
  });
});
