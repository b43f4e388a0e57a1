/**
 * @registry-admin/registry-client — Registry HTTP API V2 client and the schemas of what registries serve and send.
 */
export { RegistryError, type RegistryErrorCode } from './internal/errors';
export { isDigest, isRepositoryName, isTag, parseImageConfig, parseManifest } from './internal/parse';
export {
  createRegistryClient,
  type FetchedManifest,
  type ManifestHead,
  parseChallenge,
  type RegistryAuth,
  type RegistryClient,
  type RegistryClientOptions,
  type TlsOptions,
} from './internal/registry-client';
export {
  type Descriptor,
  descriptorSchema,
  type ImageConfig,
  type ImageIndex,
  type ImageManifest,
  imageConfigSchema,
  imageIndexSchema,
  imageManifestSchema,
  isAttestation,
  isImageConfigMediaType,
  isIndexMediaType,
  MANIFEST_ACCEPT,
  MEDIA_TYPES,
  type NotificationEnvelope,
  type NotificationEvent,
  notificationEnvelopeSchema,
  notificationEventSchema,
  type Platform,
  platformSchema,
} from './internal/schemas';
export { createStorageReader, type RegistrySource } from './internal/storage-reader';
