/**
 * The detail of one tag, read from the registry when asked: the manifest as stored and, per platform, the image
 * config (env, labels, entrypoint, cmd, exposed ports, working dir, user), layers and history. Manifests and configs
 * addressed by digest never change, so they are kept in a cache bounded in entries and in bytes; only the tag itself
 * is resolved each time. An index may have any number of children, so one read describes at most a page of them
 * (32, read 4 at a time) and lists the others from the index itself; a later read with an offset describes the next.
 */
import {
  type FetchedManifest,
  type ImageConfig,
  isAttestation,
  isImageConfigMediaType,
  type RegistryClient,
  RegistryError,
} from '@registry-admin/registry-client';
import { mapBounded } from '@registry-admin/registry-index';

export interface ImageDetail {
  digest: string;
  mediaType: string;
  platform: { os: string; architecture: string; variant?: string } | null;
  /** Config plus layers, compressed. */
  size: number;
  artifactType: string | null;
  config: {
    digest: string;
    mediaType: string;
    size: number;
    created: string | null;
    author: string | null;
    env: string[];
    labels: Record<string, string>;
    entrypoint: string[] | null;
    cmd: string[] | null;
    exposedPorts: string[];
    workingDir: string | null;
    user: string | null;
    volumes: string[];
  };
  layers: Array<{ digest: string; mediaType: string; size: number }>;
  history: Array<{ created: string | null; createdBy: string | null; comment: string | null; emptyLayer: boolean }>;
}

/** A child of an index as the index itself describes it (nothing read from the registry). */
export interface ChildDescriptor {
  digest: string;
  mediaType: string;
  size: number;
  platform: ImageDetail['platform'];
}

export interface TagDetail {
  digest: string;
  mediaType: string;
  /** The manifest as the registry serves it. */
  manifest: unknown;
  /** The image, or the index's platform children in `children.offset … offset + limit - 1`, described fully. */
  images: ImageDetail[];
  /** For an index: which of its platform children `images` describes, and how many it has (null for an image). */
  children: { offset: number; limit: number; total: number } | null;
  /** The index's other platform children, descriptors only: read them with a later offset. */
  otherImages: ChildDescriptor[];
  /** Attestations (provenance, SBOM) of an index, kept apart from its platforms. */
  attestations: Array<{ digest: string; mediaType: string; refersTo: string | null }>;
}

/** Index children described per read, at most (the default page). */
export const MAX_CHILDREN_PER_READ = 32;
/** Registry requests in flight at once for one read. */
const CHILD_CONCURRENCY = 4;
const CACHE_ENTRIES = 512;
/** Total size of the cached details (JSON characters); one detail larger than an eighth of it is not cached. */
const CACHE_BYTES = 16 * 1024 * 1024;

/** Least recently used details, bounded in entries and in bytes. */
function createDetailCache() {
  const entries = new Map<string, { detail: ImageDetail; bytes: number }>();
  let bytes = 0;
  const evict = (key: string) => {
    const entry = entries.get(key);
    if (!entry) return;
    entries.delete(key);
    bytes -= entry.bytes;
  };
  return {
    get(key: string): ImageDetail | undefined {
      const entry = entries.get(key);
      if (!entry) return undefined;
      entries.delete(key);
      entries.set(key, entry);
      return entry.detail;
    },
    set(key: string, detail: ImageDetail): void {
      const size = JSON.stringify(detail).length;
      evict(key);
      if (size > CACHE_BYTES / 8) return;
      while (entries.size > 0 && (entries.size >= CACHE_ENTRIES || bytes + size > CACHE_BYTES)) {
        evict(entries.keys().next().value as string);
      }
      entries.set(key, { detail, bytes: size });
      bytes += size;
    },
    get size() {
      return { entries: entries.size, bytes };
    },
  };
}

export function createTagDetails(client: RegistryClient) {
  const cache = createDetailCache();
  const remember = (key: string, value: ImageDetail) => cache.set(key, value);

  async function image(
    repository: string,
    fetched: FetchedManifest,
    platform: ImageDetail['platform'],
  ): Promise<ImageDetail> {
    const key = `${repository}@${fetched.digest}`;
    const known = cache.get(key);
    if (known) return { ...known, platform: platform ?? known.platform };
    if (fetched.manifest.kind !== 'image') {
      throw new RegistryError('ERR_REGISTRY_PROTOCOL', `${fetched.digest} is not an image manifest`);
    }
    const manifest = fetched.manifest.value;
    let config: ImageConfig = {};
    if (isImageConfigMediaType(manifest.config.mediaType))
      config = await client.getImageConfig(repository, manifest.config.digest);
    const run = config.config ?? {};
    const detail: ImageDetail = {
      digest: fetched.digest,
      mediaType: fetched.mediaType,
      platform:
        platform ??
        (config.os && config.architecture
          ? { os: config.os, architecture: config.architecture, ...(config.variant ? { variant: config.variant } : {}) }
          : null),
      size: manifest.config.size + manifest.layers.reduce((sum, layer) => sum + layer.size, 0),
      artifactType:
        manifest.artifactType ?? (isImageConfigMediaType(manifest.config.mediaType) ? null : manifest.config.mediaType),
      config: {
        digest: manifest.config.digest,
        mediaType: manifest.config.mediaType,
        size: manifest.config.size,
        created: config.created ?? null,
        author: typeof config.author === 'string' ? config.author : null,
        env: run.Env ?? [],
        labels: run.Labels ?? {},
        entrypoint: run.Entrypoint ?? null,
        cmd: run.Cmd ?? null,
        exposedPorts: Object.keys(run.ExposedPorts ?? {}).sort(),
        workingDir: run.WorkingDir || null,
        user: run.User || null,
        volumes: Object.keys((run as { Volumes?: Record<string, unknown> | null }).Volumes ?? {}).sort(),
      },
      layers: manifest.layers.map((layer) => ({ digest: layer.digest, mediaType: layer.mediaType, size: layer.size })),
      history: (config.history ?? []).map((entry) => ({
        created: entry.created ?? null,
        createdBy: entry.created_by ?? null,
        comment: entry.comment ?? null,
        emptyLayer: entry.empty_layer ?? false,
      })),
    };
    remember(key, detail);
    return detail;
  }

  return {
    /**
     * Reads `repository:tag` from the registry (the tag resolved now); of an index, describes the platform children
     * `offset … offset + limit - 1` (limit at most 32) and lists the others. Throws the client's typed errors.
     */
    async read(repository: string, tag: string, page: { offset?: number; limit?: number } = {}): Promise<TagDetail> {
      const fetched = await client.getManifest(repository, tag);
      const manifest: unknown = JSON.parse(fetched.raw.toString('utf8'));
      if (fetched.manifest.kind === 'image') {
        return {
          digest: fetched.digest,
          mediaType: fetched.mediaType,
          manifest,
          images: [await image(repository, fetched, null)],
          children: null,
          otherImages: [],
          attestations: [],
        };
      }
      const platforms: ChildDescriptor[] = [];
      const attestations: TagDetail['attestations'] = [];
      for (const child of fetched.manifest.value.manifests) {
        if (isAttestation(child)) {
          attestations.push({
            digest: child.digest,
            mediaType: child.mediaType,
            refersTo: child.annotations?.['vnd.docker.reference.digest'] ?? null,
          });
          continue;
        }
        platforms.push({
          digest: child.digest,
          mediaType: child.mediaType,
          size: child.size,
          platform: child.platform
            ? {
                os: child.platform.os,
                architecture: child.platform.architecture,
                ...(child.platform.variant ? { variant: child.platform.variant } : {}),
              }
            : null,
        });
      }
      const offset = Math.max(0, page.offset ?? 0);
      const limit = Math.min(MAX_CHILDREN_PER_READ, Math.max(1, page.limit ?? MAX_CHILDREN_PER_READ));
      const described = platforms.slice(offset, offset + limit);
      const images = await mapBounded(described, CHILD_CONCURRENCY, async (child) => {
        const known = cache.get(`${repository}@${child.digest}`);
        if (known) return { ...known, platform: child.platform ?? known.platform };
        return image(repository, await client.getManifest(repository, child.digest), child.platform);
      });
      return {
        digest: fetched.digest,
        mediaType: fetched.mediaType,
        manifest,
        images,
        children: { offset, limit, total: platforms.length },
        otherImages: [...platforms.slice(0, offset), ...platforms.slice(offset + limit)],
        attestations,
      };
    },
    /** Entries and JSON characters held by the cache (for tests and diagnostics). */
    get cached() {
      return cache.size;
    },
  };
}

export type TagDetails = ReturnType<typeof createTagDetails>;
