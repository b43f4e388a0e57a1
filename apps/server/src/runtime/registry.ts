/** The registry as this server talks to it: a client that mints its own tokens, and the index sync over it. */
import { createRegistryClient, createStorageReader, type RegistryClient } from '@registry-admin/registry-client';
import { createIndexSync, type IndexSync } from '@registry-admin/registry-index';
import type { Store } from '@registry-admin/store';
import { parseScopes, type TokenIssuer } from '@registry-admin/token-service';
import type { Config } from '../config/schema';

/**
 * The subject of the tokens this server signs for its own registry requests (sync, tag details, deletes). No account
 * can have it (logins hold no `/`), so the registry's notifications of these requests are told apart from any
 * user's: the pulls it reports for the sync's reads are dropped as they arrive.
 */
export const SERVER_SUBJECT = 'registry-admin/server';

/** undefined when --registry.host is not set. */
export function registryBaseUrl(config: Config): string | undefined {
  const host = config.registry.host;
  if (!host) return undefined;
  const url = new URL(host);
  if (!url.port) url.port = String(config.registry.port);
  return url.origin;
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
        const issued = await issuer.issue({ subject: SERVER_SUBJECT, access: parseScopes([...scopes]) });
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
