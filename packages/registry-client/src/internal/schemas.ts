/**
 * zod schemas of what the registry serves and sends: OCI image manifest and index, Docker schema 2 manifest and
 * manifest list, image config, and the notification envelope. Unknown fields are kept (passthrough): registries
 * and builders add their own.
 */
import { z } from 'zod';

export const MEDIA_TYPES = {
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerManifestList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  ociConfig: 'application/vnd.oci.image.config.v1+json',
  dockerConfig: 'application/vnd.docker.container.image.v1+json',
} as const;

/** Every manifest media type, for the Accept header. */
export const MANIFEST_ACCEPT = [
  MEDIA_TYPES.ociIndex,
  MEDIA_TYPES.ociManifest,
  MEDIA_TYPES.dockerManifestList,
  MEDIA_TYPES.dockerManifest,
].join(', ');

const digest = z.string().regex(/^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/, 'not a digest');

export const descriptorSchema = z.looseObject({
  mediaType: z.string(),
  digest,
  size: z.number().int().nonnegative(),
  annotations: z.record(z.string(), z.string()).optional(),
  artifactType: z.string().optional(),
});

export const platformSchema = z.looseObject({
  architecture: z.string(),
  os: z.string(),
  variant: z.string().optional(),
  'os.version': z.string().optional(),
});

/** OCI image manifest and Docker schema 2 manifest share this shape. */
export const imageManifestSchema = z.looseObject({
  schemaVersion: z.literal(2),
  mediaType: z.string().optional(),
  artifactType: z.string().optional(),
  config: descriptorSchema,
  layers: z.array(descriptorSchema),
  subject: descriptorSchema.optional(),
  annotations: z.record(z.string(), z.string()).optional(),
});

/** OCI image index and Docker manifest list. */
export const imageIndexSchema = z.looseObject({
  schemaVersion: z.literal(2),
  mediaType: z.string().optional(),
  manifests: z.array(descriptorSchema.extend({ platform: platformSchema.optional() })),
  annotations: z.record(z.string(), z.string()).optional(),
});

export const imageConfigSchema = z.looseObject({
  created: z.string().optional(),
  architecture: z.string().optional(),
  os: z.string().optional(),
  variant: z.string().optional(),
  config: z
    .looseObject({
      Env: z.array(z.string()).nullish(),
      Cmd: z.array(z.string()).nullish(),
      Entrypoint: z.array(z.string()).nullish(),
      Labels: z.record(z.string(), z.string()).nullish(),
      ExposedPorts: z.record(z.string(), z.unknown()).nullish(),
      WorkingDir: z.string().nullish(),
      User: z.string().nullish(),
    })
    .optional(),
  rootfs: z.looseObject({ type: z.string(), diff_ids: z.array(z.string()) }).optional(),
  history: z
    .array(
      z.looseObject({
        created: z.string().optional(),
        created_by: z.string().optional(),
        comment: z.string().optional(),
        empty_layer: z.boolean().optional(),
      }),
    )
    .optional(),
});

export const notificationEventSchema = z.looseObject({
  id: z.string().min(1).max(200),
  timestamp: z.string(),
  action: z.string(),
  target: z.looseObject({
    mediaType: z.string().optional(),
    size: z.number().optional(),
    digest: z.string().optional(),
    length: z.number().optional(),
    repository: z.string().optional(),
    url: z.string().optional(),
    tag: z.string().optional(),
    references: z.array(descriptorSchema.partial()).optional(),
  }),
  request: z
    .looseObject({
      id: z.string().optional(),
      addr: z.string().optional(),
      host: z.string().optional(),
      method: z.string().optional(),
      useragent: z.string().optional(),
    })
    .optional(),
  actor: z.looseObject({ name: z.string().optional() }).optional(),
  source: z.looseObject({ addr: z.string().optional(), instanceID: z.string().optional() }).optional(),
});

export const notificationEnvelopeSchema = z.looseObject({ events: z.array(notificationEventSchema) });

export type Descriptor = z.infer<typeof descriptorSchema>;
export type Platform = z.infer<typeof platformSchema>;
export type ImageManifest = z.infer<typeof imageManifestSchema>;
export type ImageIndex = z.infer<typeof imageIndexSchema>;
export type ImageConfig = z.infer<typeof imageConfigSchema>;
export type NotificationEvent = z.infer<typeof notificationEventSchema>;
export type NotificationEnvelope = z.infer<typeof notificationEnvelopeSchema>;

export function isIndexMediaType(mediaType: string | undefined): boolean {
  return mediaType === MEDIA_TYPES.ociIndex || mediaType === MEDIA_TYPES.dockerManifestList;
}

/** A manifest whose config is an image's (OCI or Docker), not an artifact's: it has a platform and a history. */
export function isImageConfigMediaType(mediaType: string): boolean {
  return mediaType === MEDIA_TYPES.ociConfig || mediaType === MEDIA_TYPES.dockerConfig;
}

/** Index children that are attestations (BuildKit provenance/SBOM), not platforms. */
export function isAttestation(descriptor: {
  platform?: Platform | undefined;
  annotations?: Record<string, string> | undefined;
}): boolean {
  return (
    descriptor.annotations?.['vnd.docker.reference.type'] === 'attestation-manifest' ||
    (descriptor.platform?.os === 'unknown' && descriptor.platform?.architecture === 'unknown')
  );
}
