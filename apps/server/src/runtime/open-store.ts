/** Opens the store the configuration names (SQLite by default, PostgreSQL for replicated deployments). */
import { openStore, type Store, StoreError } from '@registry-admin/store';
import type { Config } from '../config/schema';
import { sqliteAddon } from './embedded-files';
import type { RuntimePaths } from './paths';

export async function openConfiguredStore(config: Config, paths: RuntimePaths): Promise<Store> {
  if (config.store.type === 'postgres') {
    const url = config.store.postgres.url;
    if (!url) throw new Error('store.postgres.url is required when store.type is postgres');
    return openStore({
      type: 'postgres',
      url,
      ...(config.store.postgres.schema ? { schema: config.store.postgres.schema } : {}),
    });
  }
  try {
    return await openStore({ type: 'sqlite', path: paths.database, ...sqliteAddon() });
  } catch (error) {
    // Most likely the Go registry-admin's data.db, named by its --store.embed.path (RA_STORE_EMBED_DB_PATH).
    if (error instanceof StoreError && error.code === 'ERR_STORE_FOREIGN_DATABASE') {
      throw new StoreError(
        error.code,
        `${error.message}. If it is the Go registry-admin's database, bring its users, groups and access rules ` +
          `over with \`registry-admin import ${paths.database}\` and let this server keep its own file: point ` +
          '--store.embed.path elsewhere or leave it unset (<data-dir>/registry-admin.db)',
        'store.embed.path',
        { cause: error },
      );
    }
    throw error;
  }
}
