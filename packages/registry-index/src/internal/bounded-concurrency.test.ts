/** mapBounded keeps at most `limit` calls under way, starts them in order and returns results in order. */
import { describe, expect, it } from 'vitest';
import { mapBounded } from './bounded-concurrency';

describe('mapBounded', () => {
  it('runs at most limit calls at once and keeps the order of results', async () => {
    let running = 0;
    let most = 0;
    const started: number[] = [];
    const results = await mapBounded(
      Array.from({ length: 50 }, (_, i) => i),
      4,
      async (item, index) => {
        started.push(item);
        running++;
        most = Math.max(most, running);
        // Some finish on a later turn than others, so the workers interleave.
        for (let i = 0; i < item % 3; i++) await new Promise((resolve) => setImmediate(resolve));
        running--;
        return item * 10 + index;
      },
    );
    expect(most).toBe(4);
    expect(started).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(results).toEqual(Array.from({ length: 50 }, (_, i) => i * 11));
  });

  it('returns an empty list for no items and rejects with the first failure', async () => {
    expect(await mapBounded([], 4, async () => 1)).toEqual([]);
    await expect(
      mapBounded([1, 2, 3], 2, async (item) => {
        if (item === 2) throw new Error('two');
        return item;
      }),
    ).rejects.toThrow('two');
  });
});
