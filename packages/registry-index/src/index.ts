/**
 * @registry-admin/registry-index — the index of what a registry holds, kept equal to it: a full sync (over the HTTP
 * API or the registry's storage), notifications applied as they arrive (each recorded with its index change in one
 * transaction), and the description of a manifest the index stores. Built on `@registry-admin/store` and
 * `@registry-admin/registry-client`; it does no logging (callers pass callbacks) and reads no configuration.
 */
export { mapBounded } from './internal/bounded-concurrency';
export { RegistryIndexError, type RegistryIndexErrorCode } from './internal/errors';
export {
  createIndexEvents,
  type IndexEvents,
  type IndexEventsOptions,
  type IndexEventsStore,
  type RecordOutcome,
} from './internal/index-events';
export {
  createIndexSync,
  type IndexSync,
  type IndexSyncOptions,
  type SyncProgress,
  type SyncReport,
} from './internal/index-sync';
export {
  CHILD_READ_CONCURRENCY,
  configDetails,
  type DescribeOptions,
  describeManifest,
  MAX_CHILDREN_READ,
  type ManifestReader,
} from './internal/manifest-description';
export {
  type NotificationEvents,
  type ReadNotificationOptions,
  readNotificationEvents,
} from './internal/notification-events';
