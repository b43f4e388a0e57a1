/**
 * Running async work over a list with at most a given number of calls under way at once — the one place that bounds
 * how many registry requests sync, notifications and detail views send together.
 */

/**
 * `run` over `items`, at most `limit` at a time, started in the order of `items`; results in that order. The first
 * rejection rejects the whole (the calls already started still finish).
 *
 * @example
 * const configs = await mapBounded(digests, 4, (digest) => client.getImageConfig(repository, digest));
 */
export async function mapBounded<T, R>(
  items: readonly T[],
  limit: number,
  run: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await run(items[index] as T, index);
    }
  };
  await Promise.all(Array.from({ length: Math.max(0, Math.min(limit, items.length)) }, worker));
  return results;
}
