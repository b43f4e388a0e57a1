import { type Clock, lockUser, transact } from './common';
import type { Dialect, Executor, SessionRow } from './database';
import { StoreError } from './errors';

export interface Session {
  id: string;
  userId: number;
  createdAt: string;
  expiresAt: string;
  lastSeenAt: string;
  address: string | null;
  userAgent: string | null;
}

const toSession = (row: SessionRow): Session => ({
  id: row.id,
  userId: Number(row.user_id),
  createdAt: row.created_at,
  expiresAt: row.expires_at,
  lastSeenAt: row.last_seen_at,
  address: row.address,
  userAgent: row.user_agent,
});

export function sessionsRepository(db: Executor, dialect: Dialect, now: Clock) {
  return {
    async create(input: {
      id: string;
      userId: number;
      expiresAt: Date;
      address?: string | null;
      userAgent?: string | null;
      /** Defaults to now. */
      createdAt?: Date;
      /** The most sessions the user may hold, this one included; the oldest others end. Unlimited when absent. */
      maxPerUser?: number;
    }): Promise<Session> {
      const at = (input.createdAt ?? now()).toISOString();
      const row = {
        id: input.id,
        user_id: input.userId,
        created_at: at,
        expires_at: input.expiresAt.toISOString(),
        last_seen_at: at,
        address: input.address ?? null,
        user_agent: input.userAgent ?? null,
      };
      const limit = input.maxPerUser;
      if (limit !== undefined && !(Number.isSafeInteger(limit) && limit >= 1))
        throw new StoreError('ERR_STORE_INVALID', 'maxPerUser must be a positive integer', 'maxPerUser');
      if (limit === undefined) {
        await db.insertInto('sessions').values(row).execute();
        return toSession(row);
      }
      await transact(db, async (trx) => {
        // Sign-ins of one user queue here on PostgreSQL; SQLite runs one write transaction at a time anyway.
        await lockUser(trx, dialect, input.userId);
        await trx.insertInto('sessions').values(row).execute();
        // The new session always stays, even when it shares its creation time with others.
        await trx
          .deleteFrom('sessions')
          .where('user_id', '=', input.userId)
          .where('id', '<>', input.id)
          .where('id', 'not in', (eb) =>
            eb
              .selectFrom('sessions')
              .select('id')
              .where('user_id', '=', input.userId)
              .where('id', '<>', input.id)
              .orderBy('created_at', 'desc')
              .orderBy('id', 'desc')
              .limit(limit - 1),
          )
          .execute();
      });
      return toSession(row);
    },
    async get(id: string): Promise<Session | undefined> {
      const row = await db.selectFrom('sessions').selectAll().where('id', '=', id).executeTakeFirst();
      return row ? toSession(row) : undefined;
    },
    async touch(id: string, lastSeenAt: Date): Promise<void> {
      await db.updateTable('sessions').set({ last_seen_at: lastSeenAt.toISOString() }).where('id', '=', id).execute();
    },
    async delete(id: string): Promise<void> {
      await db.deleteFrom('sessions').where('id', '=', id).execute();
    },
    async deleteForUser(userId: number): Promise<number> {
      const result = await db.deleteFrom('sessions').where('user_id', '=', userId).executeTakeFirst();
      return Number(result.numDeletedRows);
    },
    /** Ends the sessions past their absolute lifetime and, given `idleMs`, those unused for that long. */
    async deleteExpired(now: Date, idleMs?: number): Promise<number> {
      const result = await db
        .deleteFrom('sessions')
        .where((eb) =>
          eb.or([
            eb('expires_at', '<=', now.toISOString()),
            ...(idleMs === undefined ? [] : [eb('last_seen_at', '<=', new Date(now.getTime() - idleMs).toISOString())]),
          ]),
        )
        .executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}

export type SessionsRepository = ReturnType<typeof sessionsRepository>;
