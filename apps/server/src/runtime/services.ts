/**
 * Builds everything the HTTP app needs from the configuration: store, signing certificates, token issuer, the
 * in-memory access state and the caches. `close()` releases all of it.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { type CertificateSet, ensureCertificateSet } from '@registry-admin/cert-builder';
import type { RegistryClient } from '@registry-admin/registry-client';
import { createIndexEvents, type IndexEvents, type IndexSync } from '@registry-admin/registry-index';
import { type Store, StoreError, type User } from '@registry-admin/store';
import { createJwks, createTokenIssuer, type TokenIssuer } from '@registry-admin/token-service';
import type { Config } from '../config/schema';
import { type AccessState, createAccessState } from '../services/access-state';
import { type Authenticator, createAuthenticator } from '../services/authenticator';
import { type CredentialCache, createCredentialCache } from '../services/credential-cache';
import { createLoginThrottle, type LoginThrottle } from '../services/login-throttle';
import { createMailer, type Mailer } from '../services/mailer';
import type { PasswordHasher } from '../services/passwords';
import { createRefreshTokenService, type RefreshTokenService } from '../services/refresh-tokens';
import { createSessionService, type SessionService } from '../services/sessions';
import { PRUNE_INTERVAL_MS, type StorePruning, startStorePruning } from '../services/store-pruning';
import { createTagDetails, type TagDetails } from '../services/tag-details';
import { createVisibility, type Visibility } from '../services/visibility';
import { markInitialPassword } from './initial-password';
import { openConfiguredStore } from './open-store';
import { configuredPasswordHasher } from './password-policy';
import { type RuntimePaths, resolvePaths } from './paths';
import { createConfiguredIndexSync, createConfiguredRegistryClient } from './registry';

export interface Services {
  config: Config;
  paths: RuntimePaths;
  store: Store;
  certificates: CertificateSet;
  issuer: TokenIssuer;
  jwks: ReturnType<typeof createJwks>;
  access: AccessState;
  credentialCache: CredentialCache;
  authenticator: Authenticator;
  /** Counts sign-in attempts per address and account; anything that checks a secret without a session uses it. */
  throttle: LoginThrottle;
  sessions: SessionService;
  passwords: PasswordHasher;
  mailer: Mailer | undefined;
  /** The secret the registry sends with notifications (shared by replicas through the store). */
  notificationSecret: string;
  /** undefined when --registry.host is not set. */
  registry: RegistryClient | undefined;
  indexSync: IndexSync | undefined;
  indexEvents: IndexEvents;
  /** Which repositories a caller may browse. */
  visibility: Visibility;
  /** undefined when --registry.host is not set. */
  tagDetails: TagDetails | undefined;
  refreshTokens: RefreshTokenService;
  /** Removes ended sessions, stale login-failure counters and expired reset links, at start and periodically. */
  pruning: StorePruning;
  close(): Promise<void>;
}

export interface ServiceOptions {
  cwd?: string;
  /** Where the generated admin password is announced (once). */
  announce?: (line: string) => void;
  onBackgroundError?: (error: unknown) => void;
  onSyncError?: (error: unknown, where: string) => void;
  /** Time between store pruning passes (default ten minutes). */
  pruneIntervalMs?: number;
  /** Replaces the hasher the configuration asks for (tests count its calls). */
  passwords?: PasswordHasher;
}

export async function createServices(config: Config, options: ServiceOptions = {}): Promise<Services> {
  const paths = resolvePaths(config, options.cwd);
  await mkdir(paths.dataDir, { recursive: true, mode: 0o700 });
  const announce = options.announce ?? ((line: string) => process.stdout.write(`${line}\n`));
  const { set: certificates, warnings } = await ensureCertificateSet(paths.certs, {
    algorithm: config.registry.certs.algorithm,
    dnsNames: config.registry.certs.fqdn,
    ipAddresses: config.registry.certs.ip,
  });
  for (const warning of warnings) announce(`warning: ${warning}`);
  const issuer = await createTokenIssuer({
    privateKey: certificates.privateKey,
    ...(config.registry.x5c ? { certificateChain: certificates.chainPem } : {}),
    issuer: config.registry.issuer,
    audience: config.registry.service,
    ttlSeconds: config.registry['token-ttl'],
    keyIdFormat: config.registry['key-id'],
  });
  const jwks = createJwks([certificates.publicKey], { keyIdFormat: config.registry['key-id'] });

  const passwords = options.passwords ?? configuredPasswordHasher(config);
  const store = await openConfiguredStore(config, paths);
  // Set once pruning runs, so a failure further on stops it before the store closes.
  let stopPruning: (() => Promise<void>) | undefined;
  try {
    await bootstrapAdmin(store, config, paths, passwords, announce);
    await warnOfSharedNames(store, announce);
    const access = await createAccessState(store, { onError: options.onBackgroundError });
    const credentialCache = createCredentialCache({ ttlMs: config.auth['cache-ttl'] * 1000 });
    const throttle = createLoginThrottle(store, {
      maxAccountFailures: config.auth['max-failures'],
      maxAddressFailures: config.auth['max-failures-address'],
      lockoutSeconds: config.auth.lockout,
    });
    const authenticator = createAuthenticator(access, credentialCache, passwords, {
      store,
      throttle,
      ...(options.onBackgroundError ? { onError: options.onBackgroundError } : {}),
    });
    const csrfKey = Buffer.from(
      await store.settings.getOrCreate('csrf-key', () => randomBytes(32).toString('base64')),
      'base64',
    );
    const sessions = createSessionService(store, access, {
      csrfKey,
      ttlSeconds: config.auth['session-ttl'],
      idleSeconds: config.auth['session-idle'],
      maxPerUser: config.auth['max-sessions'],
    });
    const refreshTokens = createRefreshTokenService(store, access, {
      maxPerUser: config.auth['max-refresh-tokens'],
    });
    const registry = createConfiguredRegistryClient(config, issuer);
    const pruning = startStorePruning(store, {
      intervalMs: options.pruneIntervalMs ?? PRUNE_INTERVAL_MS,
      sessionIdleSeconds: config.auth['session-idle'],
      ...(options.onBackgroundError ? { onError: options.onBackgroundError } : {}),
    });
    stopPruning = () => pruning.close();
    const indexEvents = createIndexEvents(store, {
      client: registry,
      onError: (error) => options.onSyncError?.(error, 'notification'),
    });
    return {
      config,
      paths,
      store,
      certificates,
      issuer,
      jwks,
      access,
      credentialCache,
      authenticator,
      throttle,
      sessions,
      passwords,
      mailer: createMailer(config),
      notificationSecret: await notificationSecret(store),
      registry,
      indexSync: createConfiguredIndexSync(config, store, registry, options.onSyncError),
      indexEvents,
      visibility: createVisibility(store, access),
      tagDetails: registry ? createTagDetails(registry) : undefined,
      refreshTokens,
      pruning,
      async close() {
        access.close();
        await pruning.close();
        await indexEvents.close().catch(() => {});
        await store.close();
      },
    };
  } catch (error) {
    await stopPruning?.();
    await store.close();
    throw error;
  }
}

/**
 * Names are unique across users and service accounts now; a store from before may still hold a pair. Starting must
 * not fail over it, but each such pair gets registry tokens with the same subject until one is renamed.
 */
async function warnOfSharedNames(store: Store, announce: (line: string) => void): Promise<void> {
  const shared = await store.serviceAccounts.namesSharedWithUsers();
  if (shared.length === 0) return;
  announce(
    `warning: a user and a service account share the name ${shared.map((name) => JSON.stringify(name)).join(', ')}; ` +
      'their registry tokens have the same subject: rename the service account (PUT /api/v1/service-accounts/<id>)',
  );
}

/** The secret the registry must send with notifications, made once and shared by every replica. */
export function notificationSecret(store: Store): Promise<string> {
  return store.settings.getOrCreate('notification-secret', () => randomBytes(32).toString('base64url'));
}

/**
 * The first start (or any start without an admin account) creates the `admin` account. Its password comes from --store.admin-password or is generated,
 * printed once and written to <data-dir>/initial-admin-password (0600). There is no fixed default password.
 */
async function bootstrapAdmin(
  store: Store,
  config: Config,
  paths: RuntimePaths,
  passwords: PasswordHasher,
  announce: (line: string) => void,
) {
  const admins = await store.users.list({ filter: { role: 'admin' }, range: [0, 0] });
  if (admins.total > 0) return;
  const given = config.store['admin-password'];
  const password = given ?? randomBytes(18).toString('base64url');
  let created: User;
  try {
    created = await store.users.create({
      login: 'admin',
      name: 'Administrator',
      role: 'admin',
      passwordHash: await passwords.hash(password),
    });
  } catch (error) {
    // Another replica created it first, or "admin" is an ordinary account made before the first start.
    if (error instanceof StoreError && error.code === 'ERR_STORE_CONFLICT') {
      announce(
        'warning: there is no admin account and the login "admin" is taken; create one with `registry-admin user add <login> --role admin`',
      );
      return;
    }
    throw error;
  }
  if (!given) {
    await writeFile(paths.initialAdminPassword, `${password}\n`, { mode: 0o600 });
    // The UI suggests changing it until it is changed.
    await markInitialPassword(store, created);
    announce(`Created user "admin" with password: ${password}`);
    announce(`(shown once; also written to ${paths.initialAdminPassword} — change it after signing in)`);
  }
}
