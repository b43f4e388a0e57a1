/** Where registry-admin keeps its files, derived from the configuration. */
import { resolve } from 'node:path';
import { type CertPaths, certPaths } from '@registry-admin/cert-builder';
import type { Config } from '../config/schema';

export interface RuntimePaths {
  dataDir: string;
  /** SQLite file for the embedded store. */
  database: string;
  certs: CertPaths;
  /** Written (0600) on first start when the admin password was generated. */
  initialAdminPassword: string;
  /** The access log file (`--logger.file`, default `<data-dir>/access.log`); written only with --logger.enabled. */
  accessLog: string;
  /** The htpasswd file kept for the registry (`--registry.htpasswd`, auth-type basic). */
  htpasswd: string | undefined;
}

export function resolvePaths(config: Config, cwd = process.cwd()): RuntimePaths {
  const dataDir = resolve(cwd, config['data-dir']);
  const certDir = resolve(cwd, config.registry.certs.path ?? resolve(dataDir, 'certs'));
  const overrides: Partial<CertPaths> = {};
  if (config.registry.certs.key) overrides.key = resolve(cwd, config.registry.certs.key);
  if (config.registry.certs['public-key']) overrides.publicKey = resolve(cwd, config.registry.certs['public-key']);
  if (config.registry.certs['ca-root']) overrides.ca = resolve(cwd, config.registry.certs['ca-root']);
  return {
    dataDir,
    database: resolve(cwd, config.store.embed.path ?? resolve(dataDir, 'registry-admin.db')),
    certs: certPaths(certDir, overrides),
    initialAdminPassword: resolve(dataDir, 'initial-admin-password'),
    accessLog: resolve(cwd, config.logger.file ?? resolve(dataDir, 'access.log')),
    htpasswd: config.registry.htpasswd ? resolve(cwd, config.registry.htpasswd) : undefined,
  };
}
