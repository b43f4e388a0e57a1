/** The registry as this server talks to it: a client that mints its own tokens, and the index sync over it. */
import { createRegistryClient, createStorageReader, type RegistryClient } from '@registry-admin/registry-client';
import { createIndexSync, type IndexSync } from '@registry-admin/registry-index';
import type { Store } from '@registry-admin/store';
import { parseScopes, type TokenIssuer } from '@registry-admin/token-service';
import type { Config } from '../config/schema';

/** undefined when --registry.host is not set. */
export function registryBaseUrl(config: Config): string | undefined {
  const host = config.registry.host;
  if (!host) return undefined;
  const url = new URL(host);
  if (!url.port) url.port = String(config.registry.port);
  return url.origin;
}

/**
 * The registry's address as `docker login`, `docker pull` and skopeo write it (`host[:port]`, no scheme); undefined
 * when --registry.host is not set. An https registry on 443 needs no port; a plain-http one always names its port
 * (docker would otherwise try 443).
 */
export function registryAddress(config: Config): string | undefined {
  const baseUrl = registryBaseUrl(config);
  if (!baseUrl) return undefined;
  const url = new URL(baseUrl);
  return url.protocol === 'http:' && !url.port ? `${url.hostname}:80` : url.host;
}

export function createConfiguredRegistryClient(config: Config, issuer: TokenIssuer): RegistryClient | undefined {
  const baseUrl = registryBaseUrl(config);
  if (!baseUrl) return undefined;
  return createRegistryClient({
    baseUrl,
    auth: {
      kind: 'token-provider',
      // The server's own requests: it signs tokens for exactly the scopes each request needs.
      async token(scopes) {
        const issued = await issuer.issue({ subject: 'registry-admin', access: parseScopes([...scopes]) });
        return { token: issued.token, expiresIn: issued.expires_in };
      },
    },
  });
}

/** Sync reads the registry's storage directly when --registry.storage-path is set, otherwise its HTTP API. */
export function createConfiguredIndexSync(
  config: Config,
  store: Store,
  client: RegistryClient | undefined,
  onError?: (error: unknown, where: string) => void,
): IndexSync | undefined {
  if (!client) return undefined;
  const storagePath = config.registry['storage-path'];
  const source = storagePath ? createStorageReader({ rootDirectory: storagePath }) : client;
  return createIndexSync(store, source, onError ? { onError } : {});
}
