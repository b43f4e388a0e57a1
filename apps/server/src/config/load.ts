/**
 * Reads the configuration from flags, `RA_*` environment variables and a YAML/JSON file, in that order of precedence,
 * and validates it with the one schema. Option names, flag types and environment names are all derived from the
 * schema, so there is no second list to keep in step.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { extname, resolve } from 'node:path';
import type { z } from 'zod';
import { readEnvironment } from './environment';
import { readGoFileKeys, readGoFlags } from './go-config';
import { type Config, configSchema, formatSeconds, type NumericRange, numericRangeOf } from './schema';

export type OptionKind = 'string' | 'boolean' | 'list';

export interface OptionSpec {
  /** Path in the config object: ['registry', 'token-ttl']. */
  path: string[];
  /** The flag without dashes: 'registry.token-ttl'. */
  flag: string;
  env: string;
  kind: OptionKind;
  choices?: string[];
  /** For numeric options: what is accepted (also shown in the help). */
  range?: NumericRange;
  description?: string;
  secret: boolean;
}

export class ConfigError extends Error {
  readonly code: 'ERR_CONFIG_INVALID' | 'ERR_CONFIG_FILE';
  readonly option: string;
  constructor(code: 'ERR_CONFIG_INVALID' | 'ERR_CONFIG_FILE', option: string, message: string) {
    super(message);
    this.name = 'ConfigError';
    this.code = code;
    this.option = option;
  }
}

const SECRET_OPTIONS = new Set([
  'store.admin-password',
  'store.postgres.url',
  'ssl.key',
  'smtp.password',
  'registry.password',
]);
const CONFIG_FILE_OPTION: OptionSpec = {
  path: ['config-file'],
  flag: 'config-file',
  env: 'RA_CONFIG_FILE',
  kind: 'string',
  description: 'YAML or JSON file with options (flags and RA_* variables override it)',
  secret: false,
};

export const envName = (flag: string) => `RA_${flag.toUpperCase().replace(/[.-]/g, '_')}`;

interface ZodDef {
  type: string;
  innerType?: z.ZodType;
  in?: z.ZodType;
  options?: z.ZodType[];
  entries?: Record<string, string>;
  shape?: Record<string, z.ZodType>;
}
const defOf = (schema: z.ZodType) => (schema as unknown as { def: ZodDef }).def;

/** Unwraps defaults, optionals and pipes down to the type that accepts the raw input. */
function inputType(schema: z.ZodType): z.ZodType {
  let current = schema;
  for (;;) {
    const def = defOf(current);
    if (def.innerType && ['default', 'prefault', 'optional', 'nullable', 'readonly', 'catch'].includes(def.type)) {
      current = def.innerType;
    } else if (def.type === 'pipe' && def.in) {
      current = def.in;
    } else {
      return current;
    }
  }
}

function kindOf(schema: z.ZodType): { kind: OptionKind; choices?: string[] } {
  const def = defOf(schema);
  if (def.type === 'boolean') return { kind: 'boolean' };
  if (def.type === 'enum' && def.entries) return { kind: 'string', choices: Object.values(def.entries) };
  if (def.type === 'array') return { kind: 'list' };
  if (def.type === 'union' && def.options) {
    const kinds = def.options.map((option) => defOf(inputType(option)).type);
    if (kinds.includes('boolean')) return { kind: 'boolean' };
    if (kinds.includes('array')) return { kind: 'list' };
  }
  return { kind: 'string' };
}

function collect(schema: z.ZodType, prefix: string[]): OptionSpec[] {
  const specs: OptionSpec[] = [];
  const shape = (schema as unknown as { shape: Record<string, z.ZodType> }).shape;
  for (const [key, field] of Object.entries(shape)) {
    const path = [...prefix, key];
    const inner = inputType(field);
    if (defOf(inner).type === 'object') {
      specs.push(...collect(inner, path));
      continue;
    }
    const flag = path.join('.');
    const range = numericRangeOf(inner);
    const described =
      (field as { description?: string }).description ?? (inner as { description?: string }).description;
    const description = range && described ? `${described} (${formatRange(range)})` : described;
    specs.push({
      path,
      flag,
      env: envName(flag),
      ...kindOf(inner),
      ...(range ? { range } : {}),
      ...(description ? { description } : {}),
      secret: SECRET_OPTIONS.has(flag),
    });
  }
  return specs;
}

function formatRange(range: NumericRange): string {
  return range.unit === 'count'
    ? `${range.min}..${range.max}`
    : `${formatSeconds(range.min)}..${formatSeconds(range.max)}`;
}

let cachedOptions: OptionSpec[] | undefined;
/** Every option of the schema, plus --config-file. */
export function configOptions(): OptionSpec[] {
  cachedOptions ??= [...collect(inputType(configSchema), []), CONFIG_FILE_OPTION];
  return cachedOptions;
}

function normalizeKey(key: string): string {
  return key
    .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
    .replace(/_/g, '-')
    .toLowerCase();
}

function normalizeKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value;
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value).map(([key, inner]) => [normalizeKey(key), normalizeKeys(inner)]));
}

/** The YAML parser is loaded only when a YAML config file is read (loading the configuration stays synchronous). */
function parseYaml(text: string): unknown {
  const yaml = createRequire(import.meta.url)('yaml') as typeof import('yaml');
  return yaml.parse(text);
}

function readConfigFile(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new ConfigError('ERR_CONFIG_FILE', 'config-file', `cannot read config file ${path}: ${reason}`);
  }
  let data: unknown;
  try {
    data = extname(path).toLowerCase() === '.json' ? JSON.parse(text) : parseYaml(text);
  } catch (error) {
    throw new ConfigError(
      'ERR_CONFIG_FILE',
      'config-file',
      `config file ${path} is not valid: ${(error as Error).message}`,
    );
  }
  if (data === null || data === undefined) return {};
  if (typeof data !== 'object' || Array.isArray(data)) {
    throw new ConfigError('ERR_CONFIG_FILE', 'config-file', `config file ${path} must hold a mapping of options`);
  }
  return normalizeKeys(data) as Record<string, unknown>;
}

function setPath(target: Record<string, unknown>, path: string[], value: unknown): void {
  let node = target;
  for (const key of path.slice(0, -1)) {
    const next = node[key];
    if (next === null || typeof next !== 'object' || Array.isArray(next)) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[path[path.length - 1] as string] = value;
}

function describeOption(flag: string): string {
  const spec = configOptions().find((option) => option.flag === flag);
  return spec ? `--${spec.flag} (${spec.env})` : flag;
}

/**
 * `onWarning` gets one line per `RA_*` variable that is not simply one of ours: unknown (with the name it probably
 * meant), or an option of the Go registry-admin (taken under our name, or ignored with the reason).
 *
 * @example
 * const config = loadConfig({ argv: { 'registry.token-ttl': '600' }, env: process.env, onWarning: console.warn });
 */
export function loadConfig(
  input: {
    argv?: Record<string, unknown>;
    env?: NodeJS.ProcessEnv;
    cwd?: string;
    onWarning?: (line: string) => void;
  } = {},
): Config {
  const ourFlags = new Set(configOptions().map((option) => option.flag));
  const { argv, warnings: flagWarnings } = readGoFlags(input.argv ?? {}, ourFlags);
  const { env, warnings } = readEnvironment(input.env ?? {}, configOptions());
  for (const line of [...flagWarnings, ...warnings]) input.onWarning?.(line);
  const cwd = input.cwd ?? process.cwd();
  const fileOption = argv['config-file'] ?? env.RA_CONFIG_FILE;
  const filePath = typeof fileOption === 'string' && fileOption !== '' ? resolve(cwd, fileOption) : undefined;
  let merged: Record<string, unknown> = {};
  if (filePath) {
    const file = readGoFileKeys(readConfigFile(filePath), ourFlags, filePath);
    for (const line of file.warnings) input.onWarning?.(line);
    merged = file.data;
  }

  for (const option of configOptions()) {
    if (option === CONFIG_FILE_OPTION) continue;
    const fromEnv = env[option.env];
    if (fromEnv !== undefined && fromEnv !== '') setPath(merged, option.path, fromEnv);
    const fromFlag = argv[option.flag];
    if (fromFlag !== undefined) setPath(merged, option.path, fromFlag);
  }

  const parsed = configSchema.safeParse(merged);
  if (parsed.success) return parsed.data;
  const lines = parsed.error.issues.map((issue) => {
    const flag = issue.path.map(String).join('.');
    if (issue.code === 'unrecognized_keys') {
      const keys = issue.keys.map((key) => (flag ? `${flag}.${key}` : key));
      return `unknown option ${keys.join(', ')}${filePath ? ` in ${filePath}` : ''}`;
    }
    return `invalid option ${describeOption(flag)}: ${issue.message}`;
  });
  const first = parsed.error.issues[0];
  throw new ConfigError('ERR_CONFIG_INVALID', first ? first.path.map(String).join('.') : '', lines.join('\n'));
}
