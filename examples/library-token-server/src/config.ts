/**
 * The example's configuration file (YAML): where to listen, the registry's service and issuer names, the certificate
 * directory, users with bcrypt password hashes, and access rules in `@registry-admin/acl`'s vocabulary. Checked as a
 * whole at start; every error names the key it is about.
 */
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { Rule, Subject } from '@registry-admin/acl';
import { parse } from 'yaml';

export interface UserEntry {
  /** bcrypt (`$2a$`, `$2b$`, `$2y$`), as `htpasswd -B` or `library-token-server hash-password` writes it. */
  passwordHash: string;
  groups: string[];
  /** Gets everything asked, including `registry:catalog:*`. */
  admin: boolean;
  /** Never more than `pull`, whatever the rules say. */
  readOnly: boolean;
}

export interface TokenServerConfig {
  host: string;
  port: number;
  /** The registry's `auth.token.service`: the tokens' audience. */
  service: string;
  /** The registry's `auth.token.issuer`. */
  issuer: string;
  tokenTtlSeconds: number;
  /** Holds `registry_auth.key`, `registry_auth.pub` and `registry_auth_ca.crt`; generated when empty. */
  certsDir: string;
  users: ReadonlyMap<string, UserEntry>;
  rules: Rule[];
}

export class ConfigError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ConfigError';
  }
}

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function onlyKeys(value: Json, allowed: readonly string[], where: string): void {
  for (const key of Object.keys(value)) {
    if (!allowed.includes(key)) throw new ConfigError(`${where}: unknown key "${key}"`);
  }
}

function text(value: unknown, where: string, fallback?: string): string {
  if (value === undefined && fallback !== undefined) return fallback;
  if (typeof value !== 'string' || value.length === 0) throw new ConfigError(`${where}: expected a non-empty string`);
  return value;
}

function integer(value: unknown, where: string, min: number, max: number, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(`${where}: expected an integer from ${min} to ${max}`);
  }
  return value;
}

function flag(value: unknown, where: string): boolean {
  if (value === undefined) return false;
  if (typeof value !== 'boolean') throw new ConfigError(`${where}: expected true or false`);
  return value;
}

function strings(value: unknown, where: string): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || !value.every((item) => typeof item === 'string' && item.length > 0)) {
    throw new ConfigError(`${where}: expected a list of names`);
  }
  return value;
}

const BCRYPT = /^\$2[aby]\$\d{2}\$[./A-Za-z0-9]{53}$/;

function user(value: unknown, where: string): UserEntry {
  if (!isObject(value)) throw new ConfigError(`${where}: expected a mapping`);
  onlyKeys(value, ['passwordHash', 'groups', 'admin', 'readOnly'], where);
  const passwordHash = text(value.passwordHash, `${where}.passwordHash`);
  if (!BCRYPT.test(passwordHash)) throw new ConfigError(`${where}.passwordHash: expected a bcrypt hash ($2b$…)`);
  return {
    passwordHash,
    groups: strings(value.groups, `${where}.groups`),
    admin: flag(value.admin, `${where}.admin`),
    readOnly: flag(value.readOnly, `${where}.readOnly`),
  };
}

/** `everyone`, `registered`, `{ user: name }` or `{ group: name }`; users are identified by their name. */
function subject(value: unknown, where: string): Subject {
  if (value === 'everyone' || value === 'registered') return { kind: value };
  if (isObject(value) && Object.keys(value).length === 1) {
    if (typeof value.user === 'string' && value.user) return { kind: 'user', id: value.user };
    if (typeof value.group === 'string' && value.group) return { kind: 'group', id: value.group };
  }
  throw new ConfigError(`${where}: expected everyone, registered, { user: <name> } or { group: <name> }`);
}

function rule(value: unknown, index: number): Rule {
  const where = `rules[${index}]`;
  if (!isObject(value)) throw new ConfigError(`${where}: expected a mapping`);
  onlyKeys(value, ['subject', 'pattern', 'actions'], where);
  const actions = strings(value.actions, `${where}.actions`);
  if (actions.length === 0) throw new ConfigError(`${where}.actions: expected at least one action`);
  return {
    id: String(index + 1),
    subject: subject(value.subject, `${where}.subject`),
    pattern: text(value.pattern, `${where}.pattern`),
    // The action names themselves are checked by compilePolicy, which knows the vocabulary.
    actions: actions as Rule['actions'],
  };
}

/** Parses the YAML text; relative paths are taken from `baseDir` (the config file's folder). */
export function parseConfig(source: string, baseDir: string): TokenServerConfig {
  let document: unknown;
  try {
    document = parse(source);
  } catch (error) {
    throw new ConfigError(`not valid YAML: ${(error as Error).message}`);
  }
  if (!isObject(document)) throw new ConfigError('expected a mapping at the top level');
  onlyKeys(document, ['host', 'port', 'service', 'issuer', 'tokenTtlSeconds', 'certsDir', 'users', 'rules'], 'config');
  const users = new Map<string, UserEntry>();
  if (document.users !== undefined) {
    if (!isObject(document.users)) throw new ConfigError('users: expected a mapping of user names');
    for (const [name, entry] of Object.entries(document.users)) users.set(name, user(entry, `users.${name}`));
  }
  if (document.rules !== undefined && !Array.isArray(document.rules)) throw new ConfigError('rules: expected a list');
  const rules = ((document.rules as unknown[] | undefined) ?? []).map(rule);
  for (const [index, entry] of rules.entries()) {
    if (entry.subject.kind === 'user' && !users.has(entry.subject.id)) {
      throw new ConfigError(`rules[${index}].subject: unknown user "${entry.subject.id}"`);
    }
  }
  return {
    host: text(document.host, 'host', '127.0.0.1'),
    port: integer(document.port, 'port', 0, 65535, 5001),
    service: text(document.service, 'service'),
    issuer: text(document.issuer, 'issuer', 'library-token-server'),
    tokenTtlSeconds: integer(document.tokenTtlSeconds, 'tokenTtlSeconds', 60, 86_400, 300),
    certsDir: resolve(baseDir, text(document.certsDir, 'certsDir', 'certs')),
    users,
    rules,
  };
}

export async function loadConfig(path: string): Promise<TokenServerConfig> {
  let source: string;
  try {
    source = await readFile(path, 'utf8');
  } catch (error) {
    throw new ConfigError(`cannot read ${path}: ${(error as Error).message}`);
  }
  return parseConfig(source, dirname(resolve(path)));
}
