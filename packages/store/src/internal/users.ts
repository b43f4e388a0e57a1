/** Accounts: CRUD, credentials lookup, list queries, and the rule that the last enabled admin stays. */

import {
  bumpRevision,
  type Clock,
  lockAdmins,
  lockNames,
  mapConstraint,
  requireExisting,
  requireIds,
  requireNameFree,
  requireText,
  transact,
} from './common';
import type { Dialect, Executor, UserRow } from './database';
import { StoreError } from './errors';
import { checkFilter, ilike, type ListQuery, type ListResult, pageOf, runList } from './list-query';

export type Role = 'admin' | 'manager' | 'user';
const ROLES: readonly Role[] = ['admin', 'manager', 'user'];

export interface User {
  id: number;
  login: string;
  name: string;
  email: string | null;
  role: Role;
  disabled: boolean;
  groups: number[];
  createdAt: string;
  updatedAt: string;
  passwordChangedAt: string;
}

export interface UserCredentials {
  id: number;
  login: string;
  role: Role;
  disabled: boolean;
  passwordHash: string;
}

export interface NewUser {
  login: string;
  passwordHash: string;
  /** bcrypt of the same password, for a registry that reads an htpasswd file. */
  registryPasswordHash?: string | null;
  name?: string;
  email?: string | null;
  role?: Role;
  disabled?: boolean;
  groups?: number[];
}

export interface UserPatch {
  login?: string;
  name?: string;
  email?: string | null;
  role?: Role;
  disabled?: boolean;
  passwordHash?: string;
  /**
   * bcrypt of the same password, for the registry's htpasswd file. A new passwordHash without it clears the stored
   * one: a registry hash of the old password must never outlive it.
   */
  registryPasswordHash?: string | null;
  groups?: number[];
}

/** bcrypt (`$2a$`, `$2b$`, `$2y$`): the only scheme the registry's htpasswd accepts. */
function checkRegistryHash(hash: unknown): string | null {
  if (hash === null || hash === undefined) return null;
  const text = requireText(hash, 'registryPasswordHash', 100);
  if (!/^\$2[aby]\$\d{2}\$[./A-Za-z0-9]{53}$/.test(text)) {
    throw new StoreError('ERR_STORE_INVALID', 'registryPasswordHash must be a bcrypt hash', 'registryPasswordHash');
  }
  return text;
}

const SORT = {
  id: 'id',
  login: 'login',
  name: 'name',
  email: 'email',
  role: 'role',
  disabled: 'disabled',
  createdAt: 'created_at',
  updatedAt: 'updated_at',
};
const FILTERS = { q: 'search', id: 'ids', role: 'string', disabled: 'boolean', group: 'integer' } as const;

function checkRole(role: unknown): Role {
  if (!ROLES.includes(role as Role))
    throw new StoreError('ERR_STORE_INVALID', `role must be one of ${ROLES.join(', ')}`, 'role');
  return role as Role;
}

function checkEmail(email: unknown): string | null {
  if (email === null || email === undefined || email === '') return null;
  return requireText(email, 'email', 320);
}

async function groupsOf(db: Executor, userIds: number[]): Promise<Map<number, number[]>> {
  const map = new Map<number, number[]>();
  if (userIds.length === 0) return map;
  const rows = await db
    .selectFrom('group_members')
    .select(['user_id', 'group_id'])
    .where('user_id', 'in', userIds)
    .orderBy('group_id')
    .execute();
  for (const row of rows) {
    const list = map.get(row.user_id);
    if (list) list.push(row.group_id);
    else map.set(row.user_id, [row.group_id]);
  }
  return map;
}

function toUser(row: UserRow, groups: number[]): User {
  return {
    id: row.id,
    login: row.login,
    name: row.name,
    email: row.email,
    role: row.role as Role,
    disabled: Number(row.disabled) === 1,
    groups,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    passwordChangedAt: row.password_changed_at,
  };
}

async function withGroups(db: Executor, rows: UserRow[]): Promise<User[]> {
  const groups = await groupsOf(
    db,
    rows.map((row) => row.id),
  );
  return rows.map((row) => toUser(row, groups.get(row.id) ?? []));
}

async function getUser(db: Executor, id: number): Promise<User | undefined> {
  const row = await db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
  return row ? (await withGroups(db, [row]))[0] : undefined;
}

function toCredentials(row: Pick<UserRow, 'id' | 'login' | 'role' | 'disabled' | 'password_hash'>): UserCredentials {
  return {
    id: row.id,
    login: row.login,
    role: row.role as Role,
    disabled: Number(row.disabled) === 1,
    passwordHash: row.password_hash,
  };
}

async function credentialsWhere(
  db: Executor,
  column: 'id' | 'login',
  value: number | string,
): Promise<UserCredentials | undefined> {
  const row = await db
    .selectFrom('users')
    .select(['id', 'login', 'role', 'disabled', 'password_hash'])
    .where(column, '=', value as never)
    .executeTakeFirst();
  return row ? toCredentials(row) : undefined;
}

/** Other enabled admins besides `exceptId`. */
async function otherAdmins(db: Executor, exceptId: number): Promise<number> {
  const row = await db
    .selectFrom('users')
    .select((eb) => eb.fn.countAll<number | string>().as('n'))
    .where('role', '=', 'admin')
    .where('disabled', '=', 0)
    .where('id', '<>', exceptId)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

async function setGroups(db: Executor, userId: number, groups: number[]): Promise<void> {
  await requireExisting(db, 'groups', groups, 'groups');
  await db.deleteFrom('group_members').where('user_id', '=', userId).execute();
  if (groups.length > 0) {
    await db
      .insertInto('group_members')
      .values(groups.map((group_id) => ({ group_id, user_id: userId })))
      .execute();
  }
}

export function usersRepository(db: Executor, dialect: Dialect, now: Clock) {
  return {
    async create(input: NewUser): Promise<User> {
      const login = requireText(input.login, 'login', 255);
      const passwordHash = requireText(input.passwordHash, 'passwordHash', 1024);
      const registryPasswordHash = checkRegistryHash(input.registryPasswordHash);
      const role = checkRole(input.role ?? 'user');
      const email = checkEmail(input.email);
      const name = requireText(input.name ?? '', 'name', 200, true);
      const groups = requireIds(input.groups ?? [], 'groups');
      return transact(db, async (trx) => {
        await lockNames(trx, dialect);
        await requireNameFree(trx, 'service_accounts', login, 'login');
        const at = now().toISOString();
        const row = await mapConstraint(
          () =>
            trx
              .insertInto('users')
              .values({
                login,
                name,
                email,
                role,
                disabled: input.disabled ? 1 : 0,
                password_hash: passwordHash,
                registry_password_hash: registryPasswordHash,
                created_at: at,
                updated_at: at,
                password_changed_at: at,
              })
              .returning('id')
              .executeTakeFirstOrThrow(),
          { unique: 'login' },
        );
        await setGroups(trx, row.id, groups);
        await bumpRevision(trx);
        return (await getUser(trx, row.id)) as User;
      });
    },

    get: (id: number) => getUser(db, id),

    async getByLogin(login: string): Promise<User | undefined> {
      const row = await db.selectFrom('users').selectAll().where('login', '=', login).executeTakeFirst();
      return row ? (await withGroups(db, [row]))[0] : undefined;
    },

    getCredentials: (login: string) => credentialsWhere(db, 'login', login),
    getCredentialsById: (id: number) => credentialsWhere(db, 'id', id),

    async update(id: number, patch: UserPatch): Promise<User> {
      const values: Record<string, string | number | null> = {};
      if (patch.login !== undefined) values.login = requireText(patch.login, 'login', 255);
      if (patch.name !== undefined) values.name = requireText(patch.name, 'name', 200, true);
      if (patch.email !== undefined) values.email = checkEmail(patch.email);
      if (patch.role !== undefined) values.role = checkRole(patch.role);
      if (patch.disabled !== undefined) values.disabled = patch.disabled ? 1 : 0;
      if (patch.passwordHash !== undefined) {
        values.password_hash = requireText(patch.passwordHash, 'passwordHash', 1024);
        values.registry_password_hash = checkRegistryHash(patch.registryPasswordHash);
      }
      const groups = patch.groups === undefined ? undefined : requireIds(patch.groups, 'groups');
      return transact(db, async (trx) => {
        await lockAdmins(trx, dialect);
        const current = await trx.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
        if (!current) throw new StoreError('ERR_STORE_NOT_FOUND', `no user with id ${id}`);
        if (typeof values.login === 'string' && values.login !== current.login) {
          await lockNames(trx, dialect);
          await requireNameFree(trx, 'service_accounts', values.login, 'login');
        }
        const wasAdmin = current.role === 'admin' && Number(current.disabled) === 0;
        const staysAdmin =
          (values.role ?? current.role) === 'admin' && Number(values.disabled ?? current.disabled) === 0;
        if (wasAdmin && !staysAdmin && (await otherAdmins(trx, id)) === 0) {
          throw new StoreError(
            'ERR_STORE_LAST_ADMIN',
            'this is the last enabled admin: it cannot be disabled or demoted',
            patch.disabled ? 'disabled' : 'role',
          );
        }
        const at = now().toISOString();
        if (values.password_hash !== undefined) values.password_changed_at = at;
        await mapConstraint(
          () =>
            trx
              .updateTable('users')
              .set({ ...values, updated_at: at })
              .where('id', '=', id)
              .execute(),
          { unique: 'login' },
        );
        if (groups) await setGroups(trx, id, groups);
        if (values.password_hash !== undefined || values.disabled === 1) {
          // A new password or a disabled account signs the user out everywhere: UI sessions and refresh tokens.
          await trx.deleteFrom('sessions').where('user_id', '=', id).execute();
          await trx.deleteFrom('api_tokens').where('user_id', '=', id).where('kind', '=', 'refresh').execute();
        }
        await bumpRevision(trx);
        return (await getUser(trx, id)) as User;
      });
    },

    /**
     * Swaps the stored hash for a stronger one of the same password (re-hash on sign-in): only if the hash is still
     * `expected`, without ending sessions or moving passwordChangedAt. True when it was swapped.
     */
    async replacePasswordHash(id: number, expected: string, passwordHash: string): Promise<boolean> {
      requireText(passwordHash, 'passwordHash', 1024);
      return transact(db, async (trx) => {
        const result = await trx
          .updateTable('users')
          .set({ password_hash: passwordHash })
          .where('id', '=', id)
          .where('password_hash', '=', expected)
          .executeTakeFirst();
        const swapped = Number(result.numUpdatedRows) === 1;
        if (swapped) await bumpRevision(trx);
        return swapped;
      });
    },

    /**
     * Stores the registry's bcrypt hash of a user's password (made at sign-in, when the password is known), only if
     * the password is still the one checked (`expectedPasswordHash`). True when stored.
     */
    async setRegistryPasswordHash(id: number, expectedPasswordHash: string, hash: string): Promise<boolean> {
      const registryHash = checkRegistryHash(hash);
      return transact(db, async (trx) => {
        const result = await trx
          .updateTable('users')
          .set({ registry_password_hash: registryHash })
          .where('id', '=', id)
          .where('password_hash', '=', expectedPasswordHash)
          .executeTakeFirst();
        const stored = Number(result.numUpdatedRows) === 1;
        if (stored) await bumpRevision(trx);
        return stored;
      });
    },

    /** Forgets every registry hash (the registry no longer reads an htpasswd file). The number forgotten. */
    async clearRegistryPasswordHashes(): Promise<number> {
      return transact(db, async (trx) => {
        const result = await trx
          .updateTable('users')
          .set({ registry_password_hash: null })
          .where('registry_password_hash', 'is not', null)
          .executeTakeFirst();
        const cleared = Number(result.numUpdatedRows);
        if (cleared > 0) await bumpRevision(trx);
        return cleared;
      });
    },

    async delete(id: number): Promise<User> {
      return transact(db, async (trx) => {
        await lockAdmins(trx, dialect);
        const user = await getUser(trx, id);
        if (!user) throw new StoreError('ERR_STORE_NOT_FOUND', `no user with id ${id}`);
        if (user.role === 'admin' && !user.disabled && (await otherAdmins(trx, id)) === 0) {
          throw new StoreError('ERR_STORE_LAST_ADMIN', 'this is the last enabled admin: it cannot be deleted');
        }
        await trx.deleteFrom('access_rules').where('subject_type', '=', 'user').where('subject_id', '=', id).execute();
        await trx.deleteFrom('sessions').where('user_id', '=', id).execute();
        await trx.deleteFrom('api_tokens').where('user_id', '=', id).execute();
        await trx.deleteFrom('group_members').where('user_id', '=', id).execute();
        await trx.deleteFrom('users').where('id', '=', id).execute();
        await bumpRevision(trx);
        return user;
      });
    },

    async list(query: ListQuery): Promise<ListResult<User>> {
      const page = pageOf(query, SORT, 'id');
      const filter = checkFilter(query.filter, FILTERS);
      let base = db.selectFrom('users');
      if (typeof filter.q === 'string') {
        const q = filter.q;
        base = base.where((eb) => eb.or([ilike(eb, 'login', q), ilike(eb, 'name', q), ilike(eb, 'email', q)]));
      }
      if (Array.isArray(filter.id))
        base = filter.id.length ? base.where('id', 'in', filter.id) : base.where('id', '=', -1);
      if (typeof filter.role === 'string') base = base.where('role', '=', filter.role);
      if (typeof filter.disabled === 'boolean') base = base.where('disabled', '=', filter.disabled ? 1 : 0);
      if (typeof filter.group === 'number') {
        const group = filter.group;
        base = base.where('id', 'in', (eb) =>
          eb.selectFrom('group_members').select('user_id').where('group_id', '=', group),
        );
      }
      return runList<UserRow, User>(base, page, (rows) => withGroups(db, rows));
    },

    async count(): Promise<number> {
      const row = await db
        .selectFrom('users')
        .select((eb) => eb.fn.countAll<number | string>().as('n'))
        .executeTakeFirstOrThrow();
      return Number(row.n);
    },
  };
}

export type UsersRepository = ReturnType<typeof usersRepository>;
