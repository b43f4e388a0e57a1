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
import { ConfigError } from '../config/load';
import type { Config } from '../config/schema';
import { type AccessState, createAccessState } from '../services/access-state';
import { type Authenticator, createAuthenticator } from '../services/authenticator';
import { type CredentialCache, createCredentialCache } from '../services/credential-cache';
import { type HtpasswdFile, type RegistryPasswords, registryPasswords, startHtpasswdFile } from '../services/htpasswd';
import { createLoginThrottle, type LoginThrottle } from '../services/login-throttle';
import { createMailer, type Mailer } from '../services/mailer';
import { createMetrics, type Metrics, measuredSync, NO_METRICS } from '../services/metrics';
import type { PasswordHasher } from '../services/passwords';
import { createRefreshTokenService, type RefreshTokenService } from '../services/refresh-tokens';
import { createSessionService, type SessionService } from '../services/sessions';
import { createStorePruning, PRUNE_INTERVAL_MS, type StorePruning } from '../services/store-pruning';
import { createTagDetails, type TagDetails } from '../services/tag-details';
import { createVisibility, type Visibility } from '../services/visibility';
import { clusterWideSync } from './cluster-sync';
import { markInitialPassword } from './initial-password';
import { jwksFilePath, writeJwksFile } from './jwks-file';
import { type Leadership, startLeadership } from './leader';
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
  /** bcrypt hashes for the registry's htpasswd file (auth-type basic); a no-op in token mode. */
  registryPasswords: RegistryPasswords;
  /** The htpasswd file kept equal to the enabled users (auth-type basic), or undefined. */
  htpasswd: HtpasswdFile | undefined;
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
  /** Whether this replica does the periodic work (pruning here, the index sync once the server adds it). */
  leadership: Leadership;
  /** Prometheus metrics; recording is free when --metrics.enabled is off. */
  metrics: Metrics;
  close(): Promise<void>;
}

export interface ServiceOptions {
  cwd?: string;
  /** Where the generated admin password is announced (once). */
  announce?: (line: string) => void;
  onBackgroundError?: (error: unknown) => void;
  onSyncError?: (error: unknown, where: string) => void;
  /** Told when this process starts an index sync (at most one runs in the cluster). */
  onSyncStart?: () => void;
  /** Told when an index sync this process ran has ended, well or not. */
  onSyncEnd?: () => void;
  /** Told when this replica starts or stops leading the periodic work. */
  onLeadershipChange?: (leading: boolean) => void;
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
  // Registry 3.x reads the keys from this file: a rotated key must be in it before the first token it signs.
  if (config.registry['key-id'] === 'thumbprint' && (await writeJwksFile(jwksFilePath(paths), certificates))) {
    announce(`wrote ${jwksFilePath(paths)} (the registry's auth.token.jwks; restart the registry to read it)`);
  }
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
  // Set once leadership runs, so a failure further on stops it before the store closes.
  let stopLeading: (() => Promise<void>) | undefined;
  let closeRegistry: (() => Promise<void>) | undefined;
  let htpasswd: HtpasswdFile | undefined;
  let access: AccessState | undefined;
  const forRegistry = registryPasswords(config);
  try {
    await bootstrapAdmin(store, config, paths, passwords, forRegistry, announce);
    await warnOfSharedNames(store, announce);
    // Back to tokens: bcrypt copies of passwords are no longer needed, and weaker than argon2 if the store leaks.
    if (!forRegistry.enabled) await store.users.clearRegistryPasswordHashes();
    access = await createAccessState(store, { onError: options.onBackgroundError });
    htpasswd = await startConfiguredHtpasswd(config, paths, access, forRegistry, announce, options.onBackgroundError);
    const credentialCache = createCredentialCache({ ttlMs: config.auth['cache-ttl'] * 1000 });
    const throttle = createLoginThrottle(store, {
      maxAccountFailures: config.auth['max-failures'],
      maxAddressFailures: config.auth['max-failures-address'],
      lockoutSeconds: config.auth.lockout,
    });
    const authenticator = createAuthenticator(access, credentialCache, passwords, {
      store,
      throttle,
      registryPasswords: forRegistry,
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
    const configuredRegistry = await createConfiguredRegistryClient(config, issuer);
    closeRegistry = configuredRegistry?.close;
    const registry = configuredRegistry?.client;
    const pruning = createStorePruning(store, { sessionIdleSeconds: config.auth['session-idle'] });
    const leadership = startLeadership(store, {
      ...(options.onLeadershipChange ? { onChange: options.onLeadershipChange } : {}),
      ...(options.onBackgroundError ? { onError: options.onBackgroundError } : {}),
    });
    stopLeading = () => leadership.close();
    leadership.addDuty({
      name: 'store pruning',
      intervalMs: options.pruneIntervalMs ?? PRUNE_INTERVAL_MS,
      run: async () => {
        await pruning.run();
      },
    });
    const metrics = config.metrics.enabled || config.metrics.listen ? await createMetrics(store) : NO_METRICS;
    const indexSync = createConfiguredIndexSync(config, store, registry, options.onSyncError);
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
      registryPasswords: forRegistry,
      htpasswd,
      mailer: createMailer(config),
      notificationSecret: await notificationSecret(store),
      registry,
      indexSync:
        indexSync && measuredSync(clusterWideSync(indexSync, store, options.onSyncStart, options.onSyncEnd), metrics),
      indexEvents,
      visibility: createVisibility(store, access),
      tagDetails: registry ? createTagDetails(registry) : undefined,
      refreshTokens,
      pruning,
      leadership,
      metrics,
      async close() {
        await htpasswd?.close();
        access?.close();
        await leadership.close();
        await pruning.close();
        await indexEvents.close().catch(() => {});
        await closeRegistry?.().catch(() => {});
        await store.close();
      },
    };
  } catch (error) {
    await htpasswd?.close();
    access?.close();
    await stopLeading?.();
    await closeRegistry?.().catch(() => {});
    await store.close();
    throw error;
  }
}

/** auth-type basic: the htpasswd file, written now (a failure stops the start, naming the option) and kept current. */
async function startConfiguredHtpasswd(
  config: Config,
  paths: RuntimePaths,
  access: AccessState,
  forRegistry: RegistryPasswords,
  announce: (line: string) => void,
  onError?: (error: unknown) => void,
): Promise<HtpasswdFile | undefined> {
  if (!forRegistry.enabled || !paths.htpasswd) return undefined;
  const { login, password } = config.registry;
  const hash = password === undefined ? undefined : await forRegistry.hash(password);
  const own = login && hash ? { login, hash } : undefined;
  if (own && access.userByLogin(own.login)) {
    announce(
      `warning: --registry.login "${own.login}" is also a user: the htpasswd file has the server's entry for it ` +
        "(registry.password), not the user's own password",
    );
  }
  try {
    const file = await startHtpasswdFile(paths.htpasswd, access, {
      ...(own ? { own } : {}),
      ...(onError ? { onError } : {}),
    });
    const missing = [...access.users()].filter((user) => !user.disabled && !user.registryPasswordHash).length;
    announce(
      `htpasswd file for the registry: ${paths.htpasswd}` +
        (missing > 0 ? ` (${missing} enabled user(s) not in it until they sign in or get a new password)` : ''),
    );
    return file;
  } catch (error) {
    throw new ConfigError(
      'ERR_CONFIG_FILE',
      'registry.htpasswd',
      `--registry.htpasswd (RA_REGISTRY_HTPASSWD): cannot write ${paths.htpasswd}: ${(error as Error).message}`,
    );
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
  forRegistry: RegistryPasswords,
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
      registryPasswordHash: (await forRegistry.hash(password)) ?? null,
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
