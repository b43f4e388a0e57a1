/**
 * @registry-admin/store — registry-admin's data: schema, migrations and queries on SQLite or PostgreSQL.
 */
export type {
  AccessRule,
  NewAccessRule,
  RuleAction,
  RuleSubjectType,
} from './internal/access-rules';
export type { ApiToken, ApiTokenKind, ApiTokenLimit, IssuedApiToken, NewApiToken } from './internal/api-tokens';
export type { AuditEvent, NewAuditEvent } from './internal/audit-events';
export {
  type ClusterLock,
  type ClusterLockName,
  type ClusterLocks,
  DEAD_CONNECTION_SECONDS,
  type LockedRun,
} from './internal/cluster-locks';
export type { Clock } from './internal/common';
export type { Database } from './internal/database';
export { StoreError, type StoreErrorCode } from './internal/errors';
export type { Group } from './internal/groups';
export type { ListQuery, ListResult } from './internal/list-query';
export type { LockoutPolicy, Reservation } from './internal/login-failures';
export type { NewRegistryEvent, RegistryEvent } from './internal/registry-events';
export type {
  FilledConfig,
  IndexedManifest,
  IndexedManifestRecord,
  IndexedPlatform,
  IndexedRepository,
  IndexedTag,
  IndexListOptions,
  IndexStats,
  PendingConfig,
  TagChange,
} from './internal/registry-index';
export type { ServiceAccount, ServiceAccountPatch } from './internal/service-accounts';
export type { Session } from './internal/sessions';
export {
  type AccessSnapshot,
  openStore,
  type Store,
  type StoreConfig,
  type StoreOptions,
  type StoreRepositories,
  type StoreTransaction,
} from './internal/store';
export type { NewUser, Role, User, UserCredentials, UserPatch } from './internal/users';
export { naturalKey, versionKey } from './internal/version-key';
