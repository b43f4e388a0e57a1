import { bumpRevision, type Clock, lockUser, mapConstraint, readRevision, requireText, transact } from './common';
import type { ApiTokenRow, Dialect, Executor } from './database';
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

/**
 * How many tokens of the new one's kind a user may hold. `end-oldest` makes room by deleting the oldest (refresh
 * tokens: a new `docker login` must not fail because of forgotten machines); `refuse` fails with ERR_STORE_CONFLICT
 * (personal access tokens are never ended behind their owner's back).
 */
export interface ApiTokenLimit {
  max: number;
  whenFull: 'end-oldest' | 'refuse';
}

/** A created token with what the write changed, so a reader of the access snapshot can apply it without a reload. */
export interface IssuedApiToken {
  token: ApiToken;
  tokenHash: string;
  /** Ids of the tokens ended to make room. */
  ended: number[];
  /** The revision this write produced. */
  revision: number;
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

export function apiTokensRepository(db: Executor, dialect: Dialect, now: Clock) {
  /**
   * Creates a token; with a limit, counts the user's tokens of that kind in the same transaction (the user's row is
   * locked on PostgreSQL so concurrent creations cannot both pass) and ends the oldest or refuses.
   */
  async function issue(input: NewApiToken, limit?: ApiTokenLimit): Promise<IssuedApiToken> {
    if (!KINDS.includes(input.kind)) throw new StoreError('ERR_STORE_INVALID', 'kind must be pat or refresh', 'kind');
    const name = requireText(input.name, 'name', 200);
    const tokenHash = requireText(input.tokenHash, 'tokenHash', 256);
    if (limit && !(Number.isSafeInteger(limit.max) && limit.max >= 1))
      throw new StoreError('ERR_STORE_INVALID', 'limit must be a positive integer', 'limit');
    return transact(db, async (trx) => {
      if (!(await lockUser(trx, dialect, input.userId)))
        throw new StoreError('ERR_STORE_REFERENCE', `userId: no user with id ${input.userId}`, 'userId');
      let ended: number[] = [];
      if (limit?.whenFull === 'refuse') {
        const held = await trx
          .selectFrom('api_tokens')
          .select((eb) => eb.fn.countAll<number | string>().as('n'))
          .where('user_id', '=', input.userId)
          .where('kind', '=', input.kind)
          .executeTakeFirstOrThrow();
        if (Number(held.n) >= limit.max) {
          const what = input.kind === 'pat' ? 'personal access tokens' : 'refresh tokens';
          throw new StoreError('ERR_STORE_CONFLICT', `a user may hold at most ${limit.max} ${what}: revoke one first`);
        }
      } else if (limit) {
        // Keep the newest max-1, so with the new one the user holds max.
        const removed = await trx
          .deleteFrom('api_tokens')
          .where('user_id', '=', input.userId)
          .where('kind', '=', input.kind)
          .where('id', 'not in', (eb) =>
            eb
              .selectFrom('api_tokens')
              .select('id')
              .where('user_id', '=', input.userId)
              .where('kind', '=', input.kind)
              .orderBy('id', 'desc')
              .limit(limit.max - 1),
          )
          .returning('id')
          .execute();
        ended = removed.map((entry) => entry.id).sort((a, b) => a - b);
      }
      const row = await mapConstraint(
        () =>
          trx
            .insertInto('api_tokens')
            .values({
              kind: input.kind,
              user_id: input.userId,
              name,
              token_hash: tokenHash,
              prefix: requireText(input.prefix, 'prefix', 32),
              read_only: input.readOnly ? 1 : 0,
              client_id: input.clientId?.slice(0, 200) ?? null,
              address: input.address ?? null,
              expires_at: input.expiresAt ? input.expiresAt.toISOString() : null,
              last_used_at: null,
              created_at: now().toISOString(),
            })
            .returning('id')
            .executeTakeFirstOrThrow(),
        { unique: 'tokenHash' },
      );
      await bumpRevision(trx);
      const token = (await getToken(trx, row.id)) as ApiToken;
      return { token, tokenHash, ended, revision: await readRevision(trx) };
    });
  }

  async function revoke(id: number): Promise<{ token: ApiToken; revision: number }> {
    return transact(db, async (trx) => {
      const token = await getToken(trx, id);
      if (!token) throw new StoreError('ERR_STORE_NOT_FOUND', `no token with id ${id}`);
      await trx.deleteFrom('api_tokens').where('id', '=', id).execute();
      await bumpRevision(trx);
      return { token, revision: await readRevision(trx) };
    });
  }

  return {
    issue,

    async create(input: NewApiToken, limit?: ApiTokenLimit): Promise<ApiToken> {
      return (await issue(input, limit)).token;
    },

    get: (id: number) => getToken(db, id),

    /** Deletes a token; with the revision this write produced (see `issue`). */
    revoke,

    async delete(id: number): Promise<ApiToken> {
      return (await revoke(id)).token;
    },

    /**
     * Deletes every token (personal access and refresh) that expired before `before`; returns how many. An expired
     * token no longer authenticates, but it still counts against its user's limit until it is gone.
     */
    async deleteExpired(before: Date): Promise<number> {
      return transact(db, async (trx) => {
        const result = await trx
          .deleteFrom('api_tokens')
          .where('expires_at', 'is not', null)
          .where('expires_at', '<', before.toISOString())
          .executeTakeFirst();
        const deleted = Number(result.numDeletedRows);
        if (deleted > 0) await bumpRevision(trx);
        return deleted;
      });
    },

    /** Revokes a user's tokens of one kind (or all); returns how many. */
    async deleteForUser(userId: number, kind?: ApiTokenKind): Promise<number> {
      return transact(db, async (trx) => {
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
