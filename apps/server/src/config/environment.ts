/**
 * The `RA_*` variables start-up reads: ours, the Go registry-admin's names for the same options (taken, and said so),
 * and its options that mean nothing here or are not supported yet (reported with the reason). Any other `RA_*` name
 * is reported as unknown, with the known name it is closest to, so a typo never passes silently.
 */
import { GO_OPTIONS } from './go-options';

/** Variables of the test suites, not options. */
const TEST_PREFIXES = ['RA_TEST_', 'RA_E2E_'];
/** Read outside the options: where the built web UI is (packaging, tests) and the UI's development proxy target. */
const OTHER_VARIABLES = new Set(['RA_WEB_DIR', 'RA_DEV_API']);
/** Up to this many edits away, an unknown name is taken for a typo of a known one. */
const MAX_TYPO_DISTANCE = 2;

export interface KnownOption {
  flag: string;
  env: string;
}

/**
 * `env` with the Go tool's names for our options moved to ours (ours win when both are set), and one line for each
 * `RA_*` variable that is not simply one of ours.
 */
export function readEnvironment(
  env: NodeJS.ProcessEnv,
  options: readonly KnownOption[],
): { env: NodeJS.ProcessEnv; warnings: string[] } {
  const ours = new Map(options.map((option) => [option.env, option]));
  const goOptions = new Map(GO_OPTIONS.map((option) => [option.env, option]));
  const result: NodeJS.ProcessEnv = { ...env };
  const warnings: string[] = [];
  for (const name of Object.keys(env).sort()) {
    if (!name.startsWith('RA_') || ours.has(name) || OTHER_VARIABLES.has(name)) continue;
    if (TEST_PREFIXES.some((prefix) => name.startsWith(prefix))) continue;
    const go = goOptions.get(name);
    if (!go) {
      const guess = closest(name, [...ours.keys(), ...goOptions.keys()]);
      warnings.push(`unknown environment variable ${name} is ignored${guess ? ` (did you mean ${guess}?)` : ''}`);
      continue;
    }
    const from = `${name} (--${go.flag} of the Go registry-admin)`;
    if (go.kind !== 'renamed') {
      warnings.push(
        go.kind === 'no-effect'
          ? `${from} has no effect here: ${go.reason}`
          : `${from} is not supported yet and is ignored: ${go.reason}`,
      );
      continue;
    }
    const target = options.find((option) => option.flag === go.ours);
    if (!target) continue;
    if (env[target.env] !== undefined && env[target.env] !== '') {
      warnings.push(`${from} is ignored: ${target.env} is set too and wins`);
      continue;
    }
    result[target.env] = env[name];
    warnings.push(`${from} sets --${target.flag} (${target.env}); rename it to ${target.env}`);
  }
  return { env: result, warnings };
}

function closest(name: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestDistance = MAX_TYPO_DISTANCE + 1;
  for (const candidate of candidates) {
    const distance = editDistance(name, candidate, bestDistance);
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

/** Levenshtein distance, or `limit` as soon as it is known to be at least that. */
function editDistance(a: string, b: string, limit: number): number {
  if (Math.abs(a.length - b.length) >= limit) return limit;
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      const value = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + cost);
      current.push(value);
      rowMin = Math.min(rowMin, value);
    }
    if (rowMin >= limit) return limit;
    previous = current;
  }
  return Math.min(previous[b.length] ?? limit, limit);
}
