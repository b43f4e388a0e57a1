import { bumpRevision, type Clock, lockUser, requireText, transact } from './common';
import type { Dialect, Executor } from './database';

export function passwordResetsRepository(db: Executor, dialect: Dialect, now: Clock) {
  return {
    /**
     * Stores a new link for the user; earlier unused links of the user stop working. With `notWithinMs`, nothing is
     * stored (false) when the user's latest link is younger than that: checked and written in one transaction under
     * the user's lock, so concurrent requests make one link (and one mail) at most.
     */
    async create(input: {
      userId: number;
      tokenHash: string;
      expiresAt: Date;
      now?: Date;
      notWithinMs?: number;
    }): Promise<boolean> {
      const at = input.now ?? now();
      return transact(db, async (trx) => {
        if (!(await lockUser(trx, dialect, input.userId))) return false;
        if (input.notWithinMs !== undefined) {
          const latest = await trx
            .selectFrom('password_resets')
            .select('created_at')
            .where('user_id', '=', input.userId)
            .where('created_at', '>', new Date(at.getTime() - input.notWithinMs).toISOString())
            .executeTakeFirst();
          if (latest) return false;
        }
        await trx
          .deleteFrom('password_resets')
          .where('user_id', '=', input.userId)
          .where('used_at', 'is', null)
          .execute();
        await trx
          .insertInto('password_resets')
          .values({
            user_id: input.userId,
            token_hash: requireText(input.tokenHash, 'tokenHash', 256),
            created_at: at.toISOString(),
            expires_at: input.expiresAt.toISOString(),
            used_at: null,
          })
          .execute();
        return true;
      });
    },

    /** The user a link is for, if it exists, is unused and unexpired at `at`: checked before anything costly. */
    async usable(tokenHash: string, at: Date = now()): Promise<number | undefined> {
      const row = await db
        .selectFrom('password_resets')
        .select('user_id')
        .where('token_hash', '=', tokenHash)
        .where('used_at', 'is', null)
        .where('expires_at', '>', at.toISOString())
        .executeTakeFirst();
      return row ? Number(row.user_id) : undefined;
    },

    /**
     * Uses a link: if it exists, is unused and unexpired, marks it used and sets the password (ending the user's
     * sessions and refresh tokens) in one transaction. Returns the user id, or undefined — also for the loser of two
     * concurrent uses of one link, since marking it used is a single conditional update.
     */
    async consume(
      tokenHash: string,
      passwordHash: string,
      at: Date = now(),
      registryPasswordHash: string | null = null,
    ): Promise<number | undefined> {
      return transact(db, async (trx) => {
        const used = await trx
          .updateTable('password_resets')
          .set({ used_at: at.toISOString() })
          .where('token_hash', '=', tokenHash)
          .where('used_at', 'is', null)
          .where('expires_at', '>', at.toISOString())
          .returning('user_id')
          .executeTakeFirst();
        if (!used) return undefined;
        const userId = Number(used.user_id);
        await trx
          .updateTable('users')
          .set({
            password_hash: requireText(passwordHash, 'passwordHash', 1024),
            // The registry's hash of the old password must not outlive it.
            registry_password_hash:
              registryPasswordHash === null ? null : requireText(registryPasswordHash, 'registryPasswordHash', 100),
            password_changed_at: at.toISOString(),
            updated_at: at.toISOString(),
          })
          .where('id', '=', userId)
          .execute();
        await trx.deleteFrom('sessions').where('user_id', '=', userId).execute();
        await trx.deleteFrom('api_tokens').where('user_id', '=', userId).where('kind', '=', 'refresh').execute();
        await bumpRevision(trx);
        return userId;
      });
    },

    /** Drops links past their expiry, used or not; they can no longer do anything. */
    async deleteExpired(at: Date): Promise<number> {
      const result = await db
        .deleteFrom('password_resets')
        .where('expires_at', '<=', at.toISOString())
        .executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}

export type PasswordResetsRepository = ReturnType<typeof passwordResetsRepository>;
