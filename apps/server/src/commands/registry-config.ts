/**
 * `registry-admin registry-config`: the part of the registry's config.yml that makes it trust this server.
 */
import { ensureCertificateSet } from '@registry-admin/cert-builder';
import { stringify } from 'yaml';
import type { Config } from '../config/schema';
import { resolvePaths } from '../runtime/paths';
import { tokenRealm } from '../runtime/public-url';
import type { CliIo } from './io';

export function registryConfigFragment(config: Config, rootCertBundle: string) {
  return {
    auth: {
      token: {
        realm: tokenRealm(config),
        service: config.registry.service,
        issuer: config.registry.issuer,
        rootcertbundle: rootCertBundle,
      },
    },
  };
}

export async function printRegistryConfig(
  config: Config,
  io: CliIo,
  args: { format?: 'yaml' | 'json' },
): Promise<void> {
  const paths = resolvePaths(config, io.cwd);
  // The bundle path printed must exist: create the certificate set now if this is the first run.
  await ensureCertificateSet(paths.certs, {
    algorithm: config.registry.certs.algorithm,
    dnsNames: config.registry.certs.fqdn,
    ipAddresses: config.registry.certs.ip,
  });
  const fragment = registryConfigFragment(config, paths.certs.ca);
  io.stdout.write(args.format === 'json' ? `${JSON.stringify(fragment, null, 2)}\n` : stringify(fragment));
}
