/**
 * What the index stores of one manifest — size, platforms, created time, blobs — read from the registry for sync and
 * for push notifications. An image index may list any number of children, and anyone who may push chooses how many,
 * so describing one costs a bounded number of registry reads: at most 64 children are read (their manifests, 4 at a
 * time, and a config only where it is needed), the others are taken as the index itself describes them.
 */
import {
  type FetchedManifest,
  type ImageIndex,
  type ImageManifest,
  isAttestation,
  isImageConfigMediaType,
  type Platform,
  type RegistrySource,
} from '@registry-admin/registry-client';
import type { IndexedManifest, IndexedPlatform } from '@registry-admin/store';
import { mapBounded } from './bounded-concurrency';

/** What describing a manifest reads of the registry (a `RegistryClient` or a storage reader has it). */
export type ManifestReader = Pick<RegistrySource, 'getManifest' | 'getImageConfig'>;

/** Platform children of an index whose manifests are read, at most; the others are indexed from their descriptors. */
export const MAX_CHILDREN_READ = 64;
/** Registry reads in flight at once while one index is described. */
export const CHILD_READ_CONCURRENCY = 4;

type IndexChild = ImageIndex['manifests'][number];

const platformOf = (platform: Pick<Platform, 'os' | 'architecture' | 'variant'>): IndexedPlatform => ({
  os: platform.os,
  architecture: platform.architecture,
  ...(platform.variant ? { variant: platform.variant } : {}),
});

/** Config and layers of an image manifest, as [digest, size]. */
const imageBlobs = (image: ImageManifest): Array<[string, number]> => [
  [image.config.digest, image.config.size],
  ...image.layers.map((layer): [string, number] => [layer.digest, layer.size]),
];

/** Platform and created time from the image's config; nothing is read for an artifact (a config of another type). */
async function readConfig(
  client: ManifestReader,
  repository: string,
  image: ImageManifest,
): Promise<{ platform: IndexedPlatform | null; created: string | null }> {
  if (!isImageConfigMediaType(image.config.mediaType)) return { platform: null, created: null };
  return readImageConfig(client, repository, image.config.digest);
}

async function readImageConfig(
  client: Pick<RegistrySource, 'getImageConfig'>,
  repository: string,
  digest: string,
): Promise<{ platform: IndexedPlatform | null; created: string | null }> {
  const config = await client.getImageConfig(repository, digest);
  return {
    platform:
      config.os && config.architecture
        ? platformOf({ os: config.os, architecture: config.architecture, variant: config.variant })
        : null,
    created: config.created ?? null,
  };
}

export interface DescribeOptions {
  /**
   * An image's config is not read: its platform and created time are left empty and the config's digest is given as
   * `pendingConfig`, to be read later (`configDetails`). An index is described in full.
   */
  deferConfig?: boolean;
}

/** Platform and created time from an image config read later, as the index stores them (`store.index.fillConfigs`). */
export async function configDetails(
  client: Pick<RegistrySource, 'getImageConfig'>,
  repository: string,
  configDigest: string,
): Promise<{ created: string | null; platforms: IndexedPlatform[] }> {
  const { platform, created } = await readImageConfig(client, repository, configDigest);
  return { created, platforms: platform ? [platform] : [] };
}

/**
 * Describes a fetched manifest. An image costs one read (its config; none with `deferConfig`). An index costs at most
 * `MAX_CHILDREN_READ` child manifests plus, of those, the configs of children the index names no platform for and
 * of its first child (for the created time), `CHILD_READ_CONCURRENCY` at a time; nested indexes and attestations are
 * not read. The size counts each blob once as far as it is known: the config and layers of every child read, and for
 * each child not read, its manifest as the index's descriptor sizes it.
 *
 * @example
 * const manifest = await describeManifest(client, 'team/app', await client.getManifest('team/app', 'v1'));
 * // { digest, mediaType, size, created, platforms, blobs, details }
 */
export async function describeManifest(
  client: ManifestReader,
  repository: string,
  fetched: FetchedManifest,
  options: DescribeOptions = {},
): Promise<IndexedManifest> {
  if (fetched.manifest.kind === 'image') {
    const image = fetched.manifest.value;
    const blobs = imageBlobs(image);
    const deferred = options.deferConfig === true && isImageConfigMediaType(image.config.mediaType);
    const config = deferred ? { platform: null, created: null } : await readConfig(client, repository, image);
    return {
      ...(deferred ? { pendingConfig: image.config.digest } : {}),
      digest: fetched.digest,
      mediaType: fetched.mediaType,
      size: blobs.reduce((sum, [, size]) => sum + size, 0),
      created: config.created,
      platforms: config.platform ? [config.platform] : [],
      blobs,
      details: {
        configMediaType: image.config.mediaType,
        ...(image.artifactType ? { artifactType: image.artifactType } : {}),
        layers: image.layers.length,
      },
    };
  }
  return describeIndex(client, repository, fetched.digest, fetched.mediaType, fetched.manifest.value);
}

async function describeIndex(
  client: ManifestReader,
  repository: string,
  digest: string,
  mediaType: string,
  index: ImageIndex,
): Promise<IndexedManifest> {
  // Each digest is read once, however often the index lists it.
  const seen = new Set<string>();
  const read = index.manifests
    .filter((child) => !isAttestation(child) && !seen.has(child.digest) && seen.add(child.digest))
    .slice(0, MAX_CHILDREN_READ);
  const described = new Map(
    (
      await mapBounded(read, CHILD_READ_CONCURRENCY, async (child, position) => {
        const fetched = await client.getManifest(repository, child.digest);
        // A nested index is listed, not followed: following it would multiply the reads.
        if (fetched.manifest.kind !== 'image') return undefined;
        const image = fetched.manifest.value;
        const needsConfig = !child.platform || position === 0;
        const config = needsConfig ? await readConfig(client, repository, image) : { platform: null, created: null };
        const blobs = imageBlobs(image);
        return {
          digest: child.digest,
          blobs,
          size: blobs.reduce((sum, [, size]) => sum + size, 0),
          platform: child.platform ? platformOf(child.platform) : config.platform,
          created: config.created,
        };
      })
    )
      .filter((entry) => entry !== undefined)
      .map((entry) => [entry.digest, entry]),
  );
  const blobs = new Map<string, number>();
  let created: string | null = null;
  const children = index.manifests.map((child: IndexChild) => {
    const attestation = isAttestation(child);
    const known = attestation ? undefined : described.get(child.digest);
    if (known) {
      for (const [blob, size] of known.blobs) blobs.set(blob, size);
      if (known.created && (!created || known.created > created)) created = known.created;
    } else if (!attestation) {
      // Not read: the child's own manifest is the one blob of it the index tells the size of.
      if (!blobs.has(child.digest)) blobs.set(child.digest, child.size);
    }
    return {
      digest: child.digest,
      mediaType: child.mediaType,
      platform: child.platform ?? known?.platform ?? null,
      attestation,
      size: attestation ? 0 : (known?.size ?? child.size),
      read: known !== undefined,
    };
  });
  return {
    digest,
    mediaType,
    size: [...blobs.values()].reduce((sum, size) => sum + size, 0),
    created,
    platforms: children
      .filter((child) => !child.attestation && child.platform)
      .map((child) => platformOf(child.platform as IndexedPlatform)),
    blobs: [...blobs.entries()],
    details: { children, childrenRead: described.size },
  };
}
