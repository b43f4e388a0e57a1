import type { Executor } from './database';

export function settingsRepository(db: Executor) {
  const get = async <T = unknown>(key: string): Promise<T | undefined> => {
    const row = await db.selectFrom('settings').select('value').where('key', '=', key).executeTakeFirst();
    return row ? (JSON.parse(row.value) as T) : undefined;
  };
  return {
    get,
    async set(key: string, value: unknown): Promise<void> {
      const json = JSON.stringify(value);
      await db
        .insertInto('settings')
        .values({ key, value: json })
        .onConflict((oc) => oc.column('key').doUpdateSet({ value: json }))
        .execute();
    },
    /** Creates the value once; concurrent callers (other replicas too) all get the first one stored. */
    async getOrCreate<T>(key: string, create: () => T): Promise<T> {
      const existing = await get<T>(key);
      if (existing !== undefined) return existing;
      await db
        .insertInto('settings')
        .values({ key, value: JSON.stringify(create()) })
        .onConflict((oc) => oc.column('key').doNothing())
        .execute();
      return (await get<T>(key)) as T;
    },
  };
}

export type SettingsRepository = ReturnType<typeof settingsRepository>;
