/** The registry as this server talks to it: a client that mints its own tokens, and the index sync over it. */
import { readFile } from 'node:fs/promises';
import { rootCertificates } from 'node:tls';
import {
  createRegistryClient,
  createStorageReader,
  type RegistryClient,
  type TlsOptions,
} from '@registry-admin/registry-client';
import { createIndexSync, type IndexSync } from '@registry-admin/registry-index';
import type { Store } from '@registry-admin/store';
import { parseScopes, type TokenIssuer } from '@registry-admin/token-service';
import { ConfigError } from '../config/load';
import type { Config } from '../config/schema';
import { VERSION } from '../version';

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

/** A configured registry client, and what to release when the server stops (its own TLS connections). */
export interface ConfiguredRegistry {
  client: RegistryClient;
  close(): Promise<void>;
}

/**
 * What the client trusts of an https registry: a private CA (`--registry.https-certs`, trusted besides the system
 * CAs), or nothing checked (`--registry.https-insecure`); undefined (the system CAs) otherwise.
 */
async function registryTls(config: Config): Promise<TlsOptions | undefined> {
  const caFile = config.registry['https-certs'];
  const insecure = config.registry['https-insecure'];
  if (!caFile && !insecure) return undefined;
  let ca: string[] | undefined;
  if (caFile) {
    let pem: string;
    try {
      pem = await readFile(caFile, 'utf8');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? 'error';
      throw new ConfigError(
        'ERR_CONFIG_FILE',
        'registry.https-certs',
        `--registry.https-certs (RA_REGISTRY_HTTPS_CERTS): cannot read ${caFile} (${code})`,
      );
    }
    if (!pem.includes('-----BEGIN CERTIFICATE-----')) {
      throw new ConfigError(
        'ERR_CONFIG_FILE',
        'registry.https-certs',
        `--registry.https-certs (RA_REGISTRY_HTTPS_CERTS): ${caFile} holds no PEM certificate (-----BEGIN CERTIFICATE-----)`,
      );
    }
    ca = [...rootCertificates, pem];
  }
  return { ...(ca ? { ca } : {}), ...(insecure ? { rejectUnauthorized: false } : {}) };
}

export async function createConfiguredRegistryClient(
  config: Config,
  issuer: TokenIssuer,
): Promise<ConfiguredRegistry | undefined> {
  const baseUrl = registryBaseUrl(config);
  if (!baseUrl) return undefined;
  const tls = await registryTls(config);
  const { login, password } = config.registry;
  const client = createRegistryClient({
    baseUrl,
    ...(tls ? { tls } : {}),
    userAgent: `registry-admin/${VERSION}`,
    auth:
      config.registry['auth-type'] === 'basic'
        ? // htpasswd mode: the registry knows this login from the file the server writes (registry.login/password).
          { kind: 'basic', username: login ?? '', password: password ?? '' }
        : {
            kind: 'token-provider',
            // The server's own requests: it signs tokens for exactly the scopes each request needs.
            async token(scopes) {
              const issued = await issuer.issue({ subject: SERVER_SUBJECT, access: parseScopes([...scopes]) });
              return { token: issued.token, expiresIn: issued.expires_in };
            },
          },
  });
  return { client, close: async () => client.close() };
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
