/** Server-side UI sessions, keyed by the hash of the cookie token. */
import type { Kysely } from 'kysely';
import type { Database, SessionRow } from './database';

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

export function sessionsRepository(db: Kysely<Database>) {
  return {
    async create(input: {
      id: string;
      userId: number;
      expiresAt: Date;
      address?: string | null;
      userAgent?: string | null;
      /** Defaults to now. */
      createdAt?: Date;
    }): Promise<Session> {
      const at = (input.createdAt ?? new Date()).toISOString();
      const row = {
        id: input.id,
        user_id: input.userId,
        created_at: at,
        expires_at: input.expiresAt.toISOString(),
        last_seen_at: at,
        address: input.address ?? null,
        user_agent: input.userAgent ?? null,
      };
      await db.insertInto('sessions').values(row).execute();
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
    async deleteExpired(now: Date): Promise<number> {
      const result = await db.deleteFrom('sessions').where('expires_at', '<=', now.toISOString()).executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}

export type SessionsRepository = ReturnType<typeof sessionsRepository>;
