/**
 * The Go registry-admin's flags and config-file keys, read as the environment names are (see environment.ts): its
 * names for our options set ours (and say so), its options that mean nothing here or are not supported yet are
 * accepted with a warning that says why. Its file keys are snake_case (`registry.auth_type`); kebab-case is read too.
 */
import { GO_FILE_KEYS, GO_OPTIONS, type GoOption, goOptionByFlag } from './go-options';

/** The Go tool's flags that are not ours, each with whether it takes a value: the command line must accept them. */
export function goOnlyFlags(ourFlags: ReadonlySet<string>): Array<{ flag: string; boolean: boolean }> {
  const seen = new Set<string>();
  const flags: Array<{ flag: string; boolean: boolean }> = [];
  for (const option of GO_OPTIONS) {
    // RA_DEV_HOST is a variable only.
    if (!/^[a-z]/.test(option.flag) || ourFlags.has(option.flag) || seen.has(option.flag)) continue;
    seen.add(option.flag);
    flags.push({ flag: option.flag, boolean: option.boolean === true });
  }
  return flags;
}

function explain(go: GoOption & { kind: 'no-effect' | 'unsupported' }, from: string): string {
  return go.kind === 'no-effect'
    ? `${from} has no effect here: ${go.reason}`
    : `${from} is not supported yet and is ignored: ${go.reason}`;
}

/**
 * `argv` with the Go tool's flags moved to ours (ours win when both are given) and the ones without meaning here
 * removed, and one line for each.
 */
export function readGoFlags(
  argv: Record<string, unknown>,
  ourFlags: ReadonlySet<string>,
): { argv: Record<string, unknown>; warnings: string[] } {
  const result: Record<string, unknown> = { ...argv };
  const warnings: string[] = [];
  for (const [flag, value] of Object.entries(argv)) {
    if (value === undefined) continue;
    const go = goOptionByFlag(flag);
    if (!go || (go.kind === 'renamed' && go.ours === flag)) continue;
    const from = `--${flag} (of the Go registry-admin)`;
    if (ourFlags.has(flag) && go.kind !== 'renamed') continue;
    delete result[flag];
    if (go.kind !== 'renamed') {
      warnings.push(explain(go, from));
    } else if (result[go.ours] !== undefined) {
      warnings.push(`${from} is ignored: --${go.ours} is given too and wins`);
    } else {
      result[go.ours] = value;
      warnings.push(`${from} sets --${go.ours}; rename it to --${go.ours}`);
    }
  }
  return { argv: result, warnings };
}

function isMapping(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function leaves(node: Record<string, unknown>, prefix: string[] = []): Array<[string[], unknown]> {
  return Object.entries(node).flatMap(
    ([key, value]): Array<[string[], unknown]> =>
      isMapping(value) && Object.keys(value).length > 0 ? leaves(value, [...prefix, key]) : [[[...prefix, key], value]],
  );
}

function removePath(root: Record<string, unknown>, path: string[]): void {
  const parents: Array<Record<string, unknown>> = [root];
  for (const key of path.slice(0, -1)) {
    const next = parents[parents.length - 1]?.[key];
    if (!isMapping(next)) return;
    parents.push(next);
  }
  delete parents[parents.length - 1]?.[path[path.length - 1] as string];
  // Drop mappings left empty, so `logger: {}` does not stand for an option.
  for (let depth = path.length - 1; depth > 0; depth--) {
    const parent = parents[depth - 1];
    const key = path[depth - 1] as string;
    const child = parent?.[key];
    if (parent && isMapping(child) && Object.keys(child).length === 0) delete parent[key];
  }
}

function setPath(root: Record<string, unknown>, path: string[], value: unknown): void {
  let node = root;
  for (const key of path.slice(0, -1)) {
    if (!isMapping(node[key])) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[path[path.length - 1] as string] = value;
}

function hasPath(root: Record<string, unknown>, path: string[]): boolean {
  let node: unknown = root;
  for (const key of path) {
    if (!isMapping(node) || !(key in node)) return false;
    node = node[key];
  }
  return true;
}

/**
 * The config file's data (keys already kebab-case) with the Go tool's keys moved to ours, and one line for each.
 * Keys that are neither ours nor its are left for the schema to refuse.
 */
export function readGoFileKeys(
  data: Record<string, unknown>,
  ourFlags: ReadonlySet<string>,
  file: string,
): { data: Record<string, unknown>; warnings: string[] } {
  const result = structuredClone(data);
  const warnings: string[] = [];
  for (const [path, value] of leaves(data)) {
    const key = path.join('.');
    if (ourFlags.has(key) && !goOptionByFlag(key)) continue;
    const flag = GO_FILE_KEYS[key] ?? key;
    const go = goOptionByFlag(flag);
    const from = `${key} in ${file} (--${flag} of the Go registry-admin)`;
    if (go && go.kind !== 'renamed') {
      removePath(result, path);
      warnings.push(explain(go, from));
      continue;
    }
    const target = go?.kind === 'renamed' ? go.ours : flag;
    if (target === key || !ourFlags.has(target)) continue;
    removePath(result, path);
    const targetPath = target.split('.');
    if (hasPath(result, targetPath)) {
      warnings.push(`${from} is ignored: ${target} is set in the file too and wins`);
      continue;
    }
    setPath(result, targetPath, value);
    warnings.push(`${from} sets ${target}; rename it to ${target}`);
  }
  return { data: result, warnings };
}
