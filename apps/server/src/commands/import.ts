/**
 * `registry-admin import <data.db>`: brings the Go registry-admin's users, groups and access rows into this store.
 *
 * Its embedded store is one SQLite file with the tables `users` (login, name, bcrypt `password`, `role`,
 * `user_group`, `disabled`), `groups` (name, description), `access` (one row per owner, repository and action;
 * owner -1000 shares with everyone including anonymous clients, -999 with every registered user; `is_group` marks
 * a group as the owner) and `repositories` (its index of the registry). The file is opened read-only and never
 * changed. bcrypt hashes are kept as they are: this server verifies them and re-hashes with argon2id at each user's
 * next sign-in. What already exists here (a login, a group name, a rule granting at least the same) is left as it
 * is, so a second run creates nothing.
 */
import { resolve } from 'node:path';
import { validatePattern } from '@registry-admin/acl';
import type { Role, RuleAction, RuleSubjectType, StoreRepositories } from '@registry-admin/store';
import type { Config } from '../config/schema';
import { sqliteAddon } from '../runtime/embedded-files';
import { resolvePaths } from '../runtime/paths';
import { isImportableHash } from '../services/passwords';
import { CliError, type CliIo } from './io';
import { LOGIN, withStore } from './user';

/** Its owner ids for sharing with everyone (anonymous clients too) and with registered users only. */
const GO_EVERYONE = -1000;
const GO_REGISTERED = -999;
const GO_ROLES: readonly Role[] = ['admin', 'manager', 'user'];
const GO_TABLES = ['users', 'groups', 'access'] as const;

interface GoUser {
  id: number;
  login: string;
  name: string | null;
  password: string | null;
  role: string | null;
  user_group: number | null;
  disabled: number | null;
}
interface GoGroup {
  id: number;
  name: string | null;
  description: string | null;
}
interface GoAccess {
  id: number;
  owner_id: number;
  is_group: number | null;
  name: string | null;
  resource_type: string | null;
  resource_name: string | null;
  action: string | null;
  disabled: number | null;
}

interface GoDatabase {
  users: GoUser[];
  groups: GoGroup[];
  access: GoAccess[];
  repositories: number;
}

/** Reads the whole source; the file is opened read-only and must exist (nothing is ever created or changed). */
async function readGoDatabase(path: string): Promise<GoDatabase> {
  const { default: Database } = await import('better-sqlite3');
  let db: InstanceType<typeof Database>;
  try {
    db = new Database(path, { readonly: true, fileMustExist: true, ...sqliteAddon() });
  } catch (error) {
    throw new CliError(`cannot open ${path} read-only: ${(error as Error).message}`);
  }
  try {
    let tables: string[];
    try {
      tables = db.prepare("select name from sqlite_master where type = 'table'").pluck().all() as string[];
    } catch (error) {
      throw new CliError(`${path} is not a SQLite database: ${(error as Error).message}`);
    }
    const missing = GO_TABLES.filter((table) => !tables.includes(table));
    if (missing.length > 0) {
      throw new CliError(
        `${path} is not a database of the Go registry-admin: it has no table ${missing.join(', ')}` +
          (tables.includes('kysely_migration') ? ' (it is one of this server’s: see `registry-admin restore`)' : ''),
      );
    }
    return {
      users: db
        .prepare('select id, login, name, password, role, user_group, disabled from users order by id')
        .all() as GoUser[],
      groups: db.prepare('select id, name, description from groups order by id').all() as GoGroup[],
      access: db
        .prepare(
          'select id, owner_id, is_group, name, resource_type, resource_name, action, disabled from access order by id',
        )
        .all() as GoAccess[],
      repositories: tables.includes('repositories')
        ? Number(db.prepare('select count(distinct repository_name) from repositories').pluck().get())
        : 0,
    };
  } catch (error) {
    if (error instanceof CliError) throw error;
    throw new CliError(`${path} does not have the Go registry-admin's tables: ${(error as Error).message}`);
  } finally {
    db.close();
  }
}

type Subject = { type: 'user'; login: string } | { type: 'group'; name: string } | { type: 'registered' | 'everyone' };

interface PlannedRule {
  subject: Subject;
  pattern: string;
  actions: Set<RuleAction>;
  sources: number[];
  names: string[];
}

export interface ImportPlan {
  groups: Array<{ name: string; description: string }>;
  users: Array<{ login: string; name: string; role: Role; disabled: boolean; hash: string; group?: string }>;
  rules: PlannedRule[];
  /** Go rows that exist here already, as lines. */
  existing: string[];
  /** Go rows that have no equivalent here, as lines. */
  unmapped: string[];
}

function describeSubject(subject: Subject): string {
  switch (subject.type) {
    case 'user':
      return `user "${subject.login}"`;
    case 'group':
      return `group "${subject.name}"`;
    case 'registered':
      return 'every registered user';
    case 'everyone':
      return 'everyone (anonymous too)';
  }
}

function describeRule(rule: PlannedRule): string {
  return `rule: ${describeSubject(rule.subject)} may ${[...rule.actions].join(', ')} "${rule.pattern}"`;
}

/** What the source means here: what to create, what exists, and what cannot be mapped (with why). */
async function groupNamed(store: StoreRepositories, name: string): Promise<number | undefined> {
  const { items } = await store.groups.list({ filter: { q: name }, range: [0, 999] });
  return items.find((group) => group.name === name)?.id;
}

async function plan(source: GoDatabase, store: StoreRepositories): Promise<ImportPlan> {
  const result: ImportPlan = { groups: [], users: [], rules: [], existing: [], unmapped: [] };
  const groupNames = new Map<number, string>();
  for (const group of source.groups) {
    const name = (group.name ?? '').trim();
    if (name === '' || name.length > 200) {
      result.unmapped.push(`group ${group.id}: its name is empty or longer than 200 characters`);
      continue;
    }
    groupNames.set(group.id, name);
    if ((await groupNamed(store, name)) !== undefined) {
      result.existing.push(`group "${name}" exists: kept as is`);
    } else {
      result.groups.push({ name, description: (group.description ?? '').slice(0, 2000) });
    }
  }

  const userLogins = new Map<number, string>();
  for (const user of source.users) {
    const login = user.login ?? '';
    if (!LOGIN.test(login)) {
      result.unmapped.push(
        `user ${user.id} "${login.slice(0, 64)}": not a valid login here (1-64 of a-z 0-9 . _ -, starting with a letter or digit)`,
      );
      continue;
    }
    userLogins.set(user.id, login);
    if (await store.users.getByLogin(login)) {
      result.existing.push(`user "${login}" exists: kept as is (password, role and groups unchanged)`);
      continue;
    }
    const hash = user.password ?? '';
    if (!isImportableHash(hash)) {
      userLogins.delete(user.id);
      result.unmapped.push(`user "${login}": its password hash is not bcrypt; set one with \`user passwd ${login}\``);
      continue;
    }
    let role = (user.role ?? '') as Role;
    if (!GO_ROLES.includes(role)) {
      result.unmapped.push(`user "${login}": unknown role "${String(user.role).slice(0, 32)}", imported as user`);
      role = 'user';
    }
    const group = user.user_group === null ? undefined : groupNames.get(user.user_group);
    if (user.user_group !== null && user.user_group !== 0 && group === undefined) {
      result.unmapped.push(`user "${login}": its group ${user.user_group} does not exist`);
    }
    result.users.push({
      login,
      name: (user.name ?? '').slice(0, 200),
      role,
      disabled: Number(user.disabled) === 1,
      hash,
      ...(group !== undefined ? { group } : {}),
    });
  }

  const rules = new Map<string, PlannedRule>();
  for (const row of source.access) {
    const where = `access row ${row.id}${row.name ? ` "${row.name.slice(0, 64)}"` : ''}`;
    if (Number(row.disabled) === 1) {
      result.unmapped.push(`${where}: disabled there (rules here have no disabled state; create it when needed)`);
      continue;
    }
    if (row.resource_type !== 'repository') {
      result.unmapped.push(
        `${where}: resource type "${String(row.resource_type).slice(0, 32)}" (only repository rows are mapped; admins get the catalog)`,
      );
      continue;
    }
    const action = row.action as RuleAction;
    if (!['pull', 'push', 'delete', '*'].includes(action)) {
      result.unmapped.push(`${where}: action "${String(row.action).slice(0, 32)}" is none of pull, push, delete, *`);
      continue;
    }
    const pattern = row.resource_name ?? '';
    const problem = pattern === '' ? 'is empty' : validatePattern(pattern);
    if (problem) {
      result.unmapped.push(`${where}: repository name "${pattern.slice(0, 255)}" ${problem}`);
      continue;
    }
    let subject: Subject | undefined;
    if (row.owner_id === GO_EVERYONE) subject = { type: 'everyone' };
    else if (row.owner_id === GO_REGISTERED) subject = { type: 'registered' };
    else if (Number(row.is_group) === 1) {
      const name = groupNames.get(row.owner_id);
      if (name !== undefined) subject = { type: 'group', name };
    } else {
      const login = userLogins.get(row.owner_id);
      if (login !== undefined) subject = { type: 'user', login };
    }
    if (!subject) {
      result.unmapped.push(`${where}: its owner ${row.owner_id} is not imported`);
      continue;
    }
    const key = JSON.stringify([subject, pattern]);
    const rule = rules.get(key) ?? { subject, pattern, actions: new Set(), sources: [], names: [] };
    rule.actions.add(action);
    rule.sources.push(row.id);
    if (row.name && !rule.names.includes(row.name)) rule.names.push(row.name);
    rules.set(key, rule);
  }

  const existingRules = await store.rules.all();
  for (const rule of rules.values()) {
    const subjectType: RuleSubjectType = rule.subject.type;
    let subjectId: number | null = null;
    if (rule.subject.type === 'user') subjectId = (await store.users.getByLogin(rule.subject.login))?.id ?? null;
    if (rule.subject.type === 'group') subjectId = (await groupNamed(store, rule.subject.name)) ?? null;
    const covered = existingRules.some(
      (existing) =>
        existing.subjectType === subjectType &&
        existing.subjectId === subjectId &&
        existing.pattern === rule.pattern &&
        [...rule.actions].every((action) => existing.actions.includes(action) || existing.actions.includes('*')),
    );
    if (covered) {
      result.existing.push(`${describeRule(rule)} exists`);
    } else {
      result.rules.push(rule);
    }
  }
  return result;
}

async function apply(tx: StoreRepositories, planned: ImportPlan): Promise<void> {
  const groupIds = new Map<string, number>();
  for (const group of planned.groups) {
    groupIds.set(group.name, (await tx.groups.create({ name: group.name, description: group.description })).id);
  }
  const groupId = async (name: string) => {
    const known = groupIds.get(name);
    if (known !== undefined) return known;
    const found = await groupNamed(tx, name);
    if (found === undefined) throw new CliError(`group "${name}" disappeared during the import`);
    groupIds.set(name, found);
    return found;
  };
  for (const user of planned.users) {
    await tx.users.create({
      login: user.login,
      name: user.name,
      role: user.role,
      disabled: user.disabled,
      passwordHash: user.hash,
      ...(user.group !== undefined ? { groups: [await groupId(user.group)] } : {}),
    });
  }
  for (const rule of planned.rules) {
    let subjectId: number | null = null;
    if (rule.subject.type === 'user') {
      const user = await tx.users.getByLogin(rule.subject.login);
      if (!user) throw new CliError(`user "${rule.subject.login}" disappeared during the import`);
      subjectId = user.id;
    }
    if (rule.subject.type === 'group') subjectId = await groupId(rule.subject.name);
    await tx.rules.create({
      subjectType: rule.subject.type,
      subjectId,
      pattern: rule.pattern,
      actions: [...rule.actions],
      description: `imported from registry-admin (Go) access ${rule.sources.join(', ')}${
        rule.names.length ? `: ${rule.names.join(', ')}` : ''
      }`.slice(0, 2000),
    });
  }
}

export async function importGoDatabase(
  config: Config,
  io: CliIo,
  args: { path: string; dryRun?: boolean },
): Promise<ImportPlan> {
  const path = resolve(io.cwd, args.path);
  if (config.store.type !== 'postgres' && resolvePaths(config, io.cwd).database === path) {
    throw new CliError(
      `${path} is configured as this server's own database (--store.embed.path, RA_STORE_EMBED_PATH or ` +
        'RA_STORE_EMBED_DB_PATH): remove that setting or name another file, then import',
      2,
    );
  }
  const source = await readGoDatabase(path);
  const out = (line: string) => io.stdout.write(`${line}\n`);
  const verb = args.dryRun ? 'would create' : 'created';
  return withStore(config, io, async (store) => {
    // Planned and applied in one transaction, so what is printed is what was written.
    const planned = await store.transaction(async (tx) => {
      const result = await plan(source, tx);
      if (!args.dryRun) await apply(tx, result);
      return result;
    });
    out(`${args.dryRun ? 'dry run: nothing is written; ' : ''}source ${path} (opened read-only)`);
    for (const group of planned.groups) out(`${verb} group "${group.name}"`);
    for (const user of planned.users) {
      out(
        `${verb} user "${user.login}" (role ${user.role}${user.disabled ? ', disabled' : ''}` +
          `${user.group !== undefined ? `, group "${user.group}"` : ''}; bcrypt hash kept, argon2id from the next sign-in)`,
      );
    }
    for (const rule of planned.rules) out(`${verb} ${describeRule(rule)}`);
    for (const line of planned.existing) out(`exists: ${line}`);
    if (source.repositories > 0) {
      planned.unmapped.push(
        `${source.repositories} repositories of its index: not copied, this server's index is filled from the registry (sync at start, or \`registry-admin sync\`)`,
      );
    }
    for (const line of planned.unmapped) out(`not mapped: ${line}`);
    out(
      `${args.dryRun ? 'would create' : 'created'} ${planned.groups.length} group(s), ${planned.users.length} user(s), ` +
        `${planned.rules.length} rule(s); ${planned.existing.length} already here, ${planned.unmapped.length} not mapped`,
    );
    return planned;
  });
}
