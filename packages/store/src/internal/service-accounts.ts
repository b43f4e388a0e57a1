import { bumpRevision, type Clock, lockNames, mapConstraint, requireNameFree, requireText, transact } from './common';
import type { Dialect, Executor, ServiceAccountRow } from './database';
import { StoreError } from './errors';
import { checkFilter, ilike, type ListQuery, type ListResult, pageOf, runList } from './list-query';

export interface ServiceAccount {
  id: number;
  name: string;
  description: string;
  disabled: boolean;
  expiresAt: string | null;
  lastUsedAt: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface ServiceAccountPatch {
  name?: string;
  description?: string;
  disabled?: boolean;
  expiresAt?: Date | null;
  secretHash?: string;
}

const SORT = {
  id: 'id',
  name: 'name',
  disabled: 'disabled',
  expiresAt: 'expires_at',
  lastUsedAt: 'last_used_at',
  createdAt: 'created_at',
  updatedAt: 'updated_at',
};
const FILTERS = { q: 'search', id: 'ids', disabled: 'boolean' } as const;

export const toServiceAccount = (row: ServiceAccountRow): ServiceAccount => ({
  id: row.id,
  name: row.name,
  description: row.description,
  disabled: Number(row.disabled) === 1,
  expiresAt: row.expires_at,
  lastUsedAt: row.last_used_at,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
});

async function getAccount(db: Executor, id: number): Promise<ServiceAccount | undefined> {
  const row = await db.selectFrom('service_accounts').selectAll().where('id', '=', id).executeTakeFirst();
  return row ? toServiceAccount(row) : undefined;
}

export function serviceAccountsRepository(db: Executor, dialect: Dialect, now: Clock) {
  return {
    async create(input: {
      name: string;
      secretHash: string;
      description?: string;
      expiresAt?: Date | null;
    }): Promise<ServiceAccount> {
      const name = requireText(input.name, 'name', 64);
      const secretHash = requireText(input.secretHash, 'secretHash', 256);
      const description = requireText(input.description ?? '', 'description', 2000, true);
      return transact(db, async (trx) => {
        await lockNames(trx, dialect);
        await requireNameFree(trx, 'users', name, 'name');
        const at = now().toISOString();
        const row = await mapConstraint(
          () =>
            trx
              .insertInto('service_accounts')
              .values({
                name,
                description,
                disabled: 0,
                secret_hash: secretHash,
                expires_at: input.expiresAt ? input.expiresAt.toISOString() : null,
                last_used_at: null,
                created_at: at,
                updated_at: at,
              })
              .returning('id')
              .executeTakeFirstOrThrow(),
          { unique: 'name' },
        );
        await bumpRevision(trx);
        return (await getAccount(trx, row.id)) as ServiceAccount;
      });
    },

    get: (id: number) => getAccount(db, id),

    async update(id: number, patch: ServiceAccountPatch): Promise<ServiceAccount> {
      const values: Record<string, string | number | null> = {};
      if (patch.name !== undefined) values.name = requireText(patch.name, 'name', 64);
      if (patch.description !== undefined)
        values.description = requireText(patch.description, 'description', 2000, true);
      if (patch.disabled !== undefined) values.disabled = patch.disabled ? 1 : 0;
      if (patch.expiresAt !== undefined) values.expires_at = patch.expiresAt ? patch.expiresAt.toISOString() : null;
      if (patch.secretHash !== undefined) values.secret_hash = requireText(patch.secretHash, 'secretHash', 256);
      return transact(db, async (trx) => {
        const current = await getAccount(trx, id);
        if (!current) throw new StoreError('ERR_STORE_NOT_FOUND', `no service account with id ${id}`);
        if (typeof values.name === 'string' && values.name !== current.name) {
          await lockNames(trx, dialect);
          await requireNameFree(trx, 'users', values.name, 'name');
        }
        await mapConstraint(
          () =>
            trx
              .updateTable('service_accounts')
              .set({ ...values, updated_at: now().toISOString() })
              .where('id', '=', id)
              .execute(),
          { unique: 'name' },
        );
        await bumpRevision(trx);
        return (await getAccount(trx, id)) as ServiceAccount;
      });
    },

    async delete(id: number): Promise<ServiceAccount> {
      return transact(db, async (trx) => {
        const account = await getAccount(trx, id);
        if (!account) throw new StoreError('ERR_STORE_NOT_FOUND', `no service account with id ${id}`);
        await trx
          .deleteFrom('access_rules')
          .where('subject_type', '=', 'service-account')
          .where('subject_id', '=', id)
          .execute();
        await trx.deleteFrom('service_accounts').where('id', '=', id).execute();
        await bumpRevision(trx);
        return account;
      });
    },

    async list(query: ListQuery): Promise<ListResult<ServiceAccount>> {
      const page = pageOf(query, SORT, 'id');
      const filter = checkFilter(query.filter, FILTERS);
      let base = db.selectFrom('service_accounts');
      if (typeof filter.q === 'string') {
        const q = filter.q;
        base = base.where((eb) => eb.or([ilike(eb, 'name', q), ilike(eb, 'description', q)]));
      }
      if (Array.isArray(filter.id))
        base = filter.id.length ? base.where('id', 'in', filter.id) : base.where('id', '=', -1);
      if (typeof filter.disabled === 'boolean') base = base.where('disabled', '=', filter.disabled ? 1 : 0);
      return runList<ServiceAccountRow, ServiceAccount>(base, page, (rows) => rows.map(toServiceAccount));
    },

    /** Names held by a service account and a user both (made before names were unique across the two). */
    async namesSharedWithUsers(): Promise<string[]> {
      const rows = await db
        .selectFrom('service_accounts')
        .innerJoin('users', 'users.login', 'service_accounts.name')
        .select('service_accounts.name')
        .orderBy('service_accounts.name')
        .execute();
      return rows.map((row) => row.name);
    },

    /** Records use; not an access change, so the revision stays. */
    async touch(id: number, at: Date): Promise<void> {
      await db.updateTable('service_accounts').set({ last_used_at: at.toISOString() }).where('id', '=', id).execute();
    },
  };
}

export type ServiceAccountsRepository = ReturnType<typeof serviceAccountsRepository>;
