/**
 * Hashed bearer credentials of users: personal access tokens (`pat`) and the refresh tokens of signed-in clients
 * (`refresh`). Only the SHA-256 of a token is stored; the token itself is shown once.
 */
import type { Kysely } from 'kysely';
import { bumpRevision, mapConstraint, nowIso, requireExisting, requireText } from './common';
import type { ApiTokenRow, Database, Executor } from './database';
import { StoreError } from './errors';
import { checkFilter, ilike, type ListQuery, type ListResult, pageOf, runList } from './list-query';

export type ApiTokenKind = 'pat' | 'refresh';

export interface ApiToken {
  id: number;
  kind: ApiTokenKind;
  userId: number;
  name: string;
  prefix: string;
  readOnly: boolean;
  clientId: string | null;
  address: string | null;
  expiresAt: string | null;
  lastUsedAt: string | null;
  createdAt: string;
}

export interface NewApiToken {
  kind: ApiTokenKind;
  userId: number;
  name: string;
  tokenHash: string;
  prefix: string;
  readOnly?: boolean;
  clientId?: string | null;
  address?: string | null;
  expiresAt?: Date | null;
}

const SORT = { id: 'id', name: 'name', expiresAt: 'expires_at', lastUsedAt: 'last_used_at', createdAt: 'created_at' };
const FILTERS = { q: 'search', id: 'ids', kind: 'string', userId: 'integer' } as const;
const KINDS: readonly ApiTokenKind[] = ['pat', 'refresh'];

export const toApiToken = (row: ApiTokenRow): ApiToken => ({
  id: row.id,
  kind: row.kind as ApiTokenKind,
  userId: Number(row.user_id),
  name: row.name,
  prefix: row.prefix,
  readOnly: Number(row.read_only) === 1,
  clientId: row.client_id,
  address: row.address,
  expiresAt: row.expires_at,
  lastUsedAt: row.last_used_at,
  createdAt: row.created_at,
});

async function getToken(db: Executor, id: number): Promise<ApiToken | undefined> {
  const row = await db.selectFrom('api_tokens').selectAll().where('id', '=', id).executeTakeFirst();
  return row ? toApiToken(row) : undefined;
}

export function apiTokensRepository(db: Kysely<Database>) {
  return {
    async create(input: NewApiToken): Promise<ApiToken> {
      if (!KINDS.includes(input.kind)) throw new StoreError('ERR_STORE_INVALID', 'kind must be pat or refresh', 'kind');
      const name = requireText(input.name, 'name', 200);
      return db.transaction().execute(async (trx) => {
        await requireExisting(trx, 'users', [input.userId], 'userId');
        const row = await mapConstraint(
          () =>
            trx
              .insertInto('api_tokens')
              .values({
                kind: input.kind,
                user_id: input.userId,
                name,
                token_hash: requireText(input.tokenHash, 'tokenHash', 256),
                prefix: requireText(input.prefix, 'prefix', 32),
                read_only: input.readOnly ? 1 : 0,
                client_id: input.clientId?.slice(0, 200) ?? null,
                address: input.address ?? null,
                expires_at: input.expiresAt ? input.expiresAt.toISOString() : null,
                last_used_at: null,
                created_at: nowIso(),
              })
              .returning('id')
              .executeTakeFirstOrThrow(),
          { unique: 'tokenHash' },
        );
        await bumpRevision(trx);
        return (await getToken(trx, row.id)) as ApiToken;
      });
    },

    get: (id: number) => getToken(db, id),

    async delete(id: number): Promise<ApiToken> {
      return db.transaction().execute(async (trx) => {
        const token = await getToken(trx, id);
        if (!token) throw new StoreError('ERR_STORE_NOT_FOUND', `no token with id ${id}`);
        await trx.deleteFrom('api_tokens').where('id', '=', id).execute();
        await bumpRevision(trx);
        return token;
      });
    },

    /** Revokes a user's tokens of one kind (or all); returns how many. */
    async deleteForUser(userId: number, kind?: ApiTokenKind): Promise<number> {
      return db.transaction().execute(async (trx) => {
        let query = trx.deleteFrom('api_tokens').where('user_id', '=', userId);
        if (kind) query = query.where('kind', '=', kind);
        const result = await query.executeTakeFirst();
        await bumpRevision(trx);
        return Number(result.numDeletedRows);
      });
    },

    async list(query: ListQuery): Promise<ListResult<ApiToken>> {
      const page = pageOf(query, SORT, 'id');
      const filter = checkFilter(query.filter, FILTERS);
      let base = db.selectFrom('api_tokens');
      if (typeof filter.q === 'string') {
        const q = filter.q;
        base = base.where((eb) => eb.or([ilike(eb, 'name', q), ilike(eb, 'prefix', q)]));
      }
      if (Array.isArray(filter.id))
        base = filter.id.length ? base.where('id', 'in', filter.id) : base.where('id', '=', -1);
      if (typeof filter.kind === 'string') base = base.where('kind', '=', filter.kind);
      if (typeof filter.userId === 'number') base = base.where('user_id', '=', filter.userId);
      return runList<ApiTokenRow, ApiToken>(base, page, (rows) => rows.map(toApiToken));
    },

    /** Records use; not an access change, so the revision stays. */
    async touch(id: number, at: Date): Promise<void> {
      await db.updateTable('api_tokens').set({ last_used_at: at.toISOString() }).where('id', '=', id).execute();
    },
  };
}

export type ApiTokensRepository = ReturnType<typeof apiTokensRepository>;
