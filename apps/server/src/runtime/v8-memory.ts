/**
 * V8 settings that keep the registry-admin process small, set at the start of `main()` (none can be given to a
 * running process from outside, and the single executable takes no Node options).
 *
 * - The young generation stays at its initial size (two 1 MiB semi-spaces). V8 doubles it whenever many objects
 *   survive a scavenge, up to two 16 MiB ones — and loading the server's modules at start is such a time, so every
 *   process held 32 MiB of young generation from its first second on, idle or not. The server's requests make
 *   short-lived objects that a small young generation collects as well; only a flag read at each growth can do this
 *   once the process runs (the maximum is fixed at start): `--semi-space-growth-factor=1`.
 * - `--optimize-for-size`: V8's own trade of a little speed for memory (a few MiB less when idle and under load; the
 *   token endpoint's rate stayed within its run-to-run spread).
 *
 * A setting of the same kind given to Node itself (NODE_OPTIONS or the command line) is left to rule.
 */
import v8 from 'node:v8';

const SETTINGS: Array<{ flag: string; given: RegExp }> = [
  {
    flag: '--semi-space-growth-factor=1',
    given: /--(?:max-semi-space-size|min-semi-space-size|semi-space-growth-factor)\b/,
  },
  { flag: '--optimize-for-size', given: /--(?:no-)?optimize[-_]for[-_]size\b/ },
];

/** Sets each flag unless Node was given one of its kind; returns the flags it set. */
export function keepV8Small(
  execArgv: readonly string[] = process.execArgv,
  nodeOptions: string = process.env.NODE_OPTIONS ?? '',
): string[] {
  const given = `${execArgv.join(' ')} ${nodeOptions}`;
  const set = SETTINGS.filter(({ given: pattern }) => !pattern.test(given)).map(({ flag }) => flag);
  for (const flag of set) v8.setFlagsFromString(flag);
  return set;
}
