/** Opens the store the configuration names (SQLite by default, PostgreSQL for replicated deployments). */
import { openStore, type Store } from '@registry-admin/store';
import type { Config } from '../config/schema';
import { embeddedFiles } from './embedded-files';
import type { RuntimePaths } from './paths';

export function openConfiguredStore(config: Config, paths: RuntimePaths): Promise<Store> {
  if (config.store.type === 'postgres') {
    const url = config.store.postgres.url;
    if (!url) throw new Error('store.postgres.url is required when store.type is postgres');
    return openStore({
      type: 'postgres',
      url,
      ...(config.store.postgres.schema ? { schema: config.store.postgres.schema } : {}),
    });
  }
  const addon = embeddedFiles()?.sqliteAddon;
  return openStore({ type: 'sqlite', path: paths.database, ...(addon ? { nativeBinding: addon } : {}) });
}
