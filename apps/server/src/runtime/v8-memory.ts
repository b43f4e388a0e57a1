/**
 * V8 settings that keep the registry-admin process small, set at the start of `main()` (none can be given to a
 * running process from outside, and the single executable takes no Node options).
 *
 * - The young generation stays at its initial size (two 1 MiB semi-spaces). V8 doubles it whenever many objects
 *   survive a scavenge, up to two 16 MiB ones — and loading the server's modules at start is such a time, so every
 *   process held 32 MiB of young generation from its first second on, idle or not. The server's requests make
 *   short-lived objects that a small young generation collects as well; only a flag read at each growth can do this
 *   once the process runs (the maximum is fixed at start): `--semi-space-growth-factor=1`.
 * - `--optimize-for-size` once the server listens: V8's own trade of a little speed for memory (a few MiB less when
 *   idle and under load; the token endpoint's rate stayed within its run-to-run spread). Not while it starts: there
 *   it made V8 collect more often as the heap grew, some 25 ms of the start-up.
 * - No optimizing compiler (TurboFan) while the process starts: the code that runs once at start (module bodies,
 *   schema and route building) got hot enough to be optimized, which held some 8 MiB — the compiler's own memory and
 *   pages of its code — for code never run again. It is turned on again once the server listens (`started()`), for
 *   the code requests make hot; a short command runs without it.
 *
 * A setting of the same kind given to Node itself (NODE_OPTIONS or the command line) is left to rule.
 */
import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';

interface Setting {
  flag: string;
  given: RegExp;
  /** Set by `started()`, undoing `flag`. */
  afterStart?: string;
}

const SETTINGS: Setting[] = [
  {
    flag: '--semi-space-growth-factor=1',
    given: /--(?:max-semi-space-size|min-semi-space-size|semi-space-growth-factor)\b/,
  },
  { flag: '--no-optimize-for-size', given: /--(?:no-)?optimize[-_]for[-_]size\b/, afterStart: '--optimize-for-size' },
  { flag: '--no-turbofan', given: /--(?:no-)?(?:turbofan|opt|lite[-_]mode|jitless)\b/, afterStart: '--turbofan' },
];

/** The settings that Node was not given a setting of the same kind for. */
export function v8FlagsToSet(execArgv: readonly string[], nodeOptions: string): Setting[] {
  const given = `${execArgv.join(' ')} ${nodeOptions}`;
  return SETTINGS.filter(({ given: pattern }) => !pattern.test(given));
}

/**
 * Sets, in this process, each flag Node was not given one of its kind for; `started()` undoes those meant for start
 * only.
 */
export function keepV8Small(): { started(): void } {
  const set = v8FlagsToSet(process.execArgv, process.env.NODE_OPTIONS ?? '');
  for (const { flag } of set) v8.setFlagsFromString(flag);
  let done = false;
  return {
    started() {
      if (done) return;
      done = true;
      for (const { afterStart } of set) if (afterStart) v8.setFlagsFromString(afterStart);
    },
  };
}

let gc: (() => void) | undefined;

/**
 * One full collection, for the end of a large batch of work (an index sync). V8 hands back the pages such a batch grew
 * the heap by only when its memory reducer runs, and that starts only after a collection finds the heap grown by a
 * tenth and 10 MB more since it last ran: after a sync of thousands of tags it may start, or not, and an idle process
 * stays some 8 MB larger when it does not. V8's `gc` is made available for this alone (the flag is set only while the
 * function is fetched: no other context gets it).
 */
export function collectGarbage(): void {
  if (!gc) {
    v8.setFlagsFromString('--expose-gc');
    gc = runInNewContext('gc') as () => void;
    v8.setFlagsFromString('--no-expose-gc');
  }
  gc();
}
