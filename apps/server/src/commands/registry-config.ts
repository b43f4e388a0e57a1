/**
 * `registry-admin registry-config`: the part of the registry's config.yml that makes it trust this server's tokens
 * (`auth.token`) — or, with `--registry.auth-type basic`, read the htpasswd file this server keeps (`auth.htpasswd`) —
 * and send it its notifications (`notifications`, with the dedicated secret).
 */
import { ensureCertificateSet } from '@registry-admin/cert-builder';
import { stringify } from 'yaml';
import type { Config } from '../config/schema';
import { bundleJwks, jwksFilePath, writeJwksFile } from '../runtime/jwks-file';
import { openConfiguredStore } from '../runtime/open-store';
import { resolvePaths } from '../runtime/paths';
import { publicUrl, tokenRealm } from '../runtime/public-url';
import { notificationSecret } from '../runtime/services';
import type { CliIo } from './io';

/**
 * `jwks`: with `--registry.key-id thumbprint`, the JWKS file and the algorithms registry 3.x is to accept (its
 * `auth.token.jwks` and `signingalgorithms`; registry 2.x knows neither and needs the libtrust key id).
 */
export function registryConfigFragment(
  config: Config,
  rootCertBundle: string,
  notificationSecret: string,
  jwks?: { path: string; algorithms: string[] },
  htpasswdPath?: string,
) {
  const auth =
    config.registry['auth-type'] === 'basic'
      ? // The registry reads the file on every request: users changed here take effect without a restart.
        { htpasswd: { realm: config.registry.service, path: htpasswdPath ?? config.registry.htpasswd ?? '' } }
      : {
          token: {
            realm: tokenRealm(config),
            service: config.registry.service,
            issuer: config.registry.issuer,
            rootcertbundle: rootCertBundle,
            ...(jwks ? { jwks: jwks.path, signingalgorithms: jwks.algorithms } : {}),
          },
        };
  return {
    auth,
    notifications: {
      events: { includereferences: true },
      endpoints: [
        {
          name: 'registry-admin',
          url: `${publicUrl(config)}/api/v1/registry/events`,
          headers: { Authorization: [`Bearer ${notificationSecret}`] },
          timeout: '5s',
          threshold: 5,
          backoff: '10s',
          ignoredmediatypes: ['application/octet-stream'],
        },
      ],
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
  const { set } = await ensureCertificateSet(paths.certs, {
    algorithm: config.registry.certs.algorithm,
    dnsNames: config.registry.certs.fqdn,
    ipAddresses: config.registry.certs.ip,
  });
  const store = await openConfiguredStore(config, paths);
  let secret: string;
  try {
    secret = await notificationSecret(store);
  } finally {
    await store.close();
  }
  let jwks: { path: string; algorithms: string[] } | undefined;
  if (config.registry['key-id'] === 'thumbprint') {
    jwks = { path: jwksFilePath(paths), algorithms: bundleJwks(set).algorithms };
    await writeJwksFile(jwks.path, set);
  }
  const fragment = registryConfigFragment(config, paths.certs.ca, secret, jwks, paths.htpasswd);
  io.stdout.write(args.format === 'json' ? `${JSON.stringify(fragment, null, 2)}\n` : stringify(fragment));
}
