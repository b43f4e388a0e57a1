/**
 * The detail of one tag, read from the registry when asked: the manifest as stored and, per platform, the image
 * config (env, labels, entrypoint, cmd, exposed ports, working dir, user), layers and history. Manifests and configs
 * addressed by digest never change, so they are kept in a small cache; only the tag itself is resolved each time.
 */
import {
  type FetchedManifest,
  type ImageConfig,
  isAttestation,
  MEDIA_TYPES,
  type RegistryClient,
} from '@registry-admin/registry-client';

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

export interface TagDetail {
  digest: string;
  mediaType: string;
  /** The manifest as the registry serves it. */
  manifest: unknown;
  images: ImageDetail[];
  /** Attestations (provenance, SBOM) of an index, kept apart from its platforms. */
  attestations: Array<{ digest: string; mediaType: string; refersTo: string | null }>;
}

const IMAGE_CONFIG_TYPES = new Set<string>([MEDIA_TYPES.ociConfig, MEDIA_TYPES.dockerConfig]);
const CACHE_SIZE = 512;

export function createTagDetails(client: RegistryClient) {
  const cache = new Map<string, ImageDetail>();
  const remember = (key: string, value: ImageDetail) => {
    if (cache.size >= CACHE_SIZE) cache.delete(cache.keys().next().value as string);
    cache.set(key, value);
  };

  async function image(
    repository: string,
    fetched: FetchedManifest,
    platform: ImageDetail['platform'],
  ): Promise<ImageDetail> {
    const key = `${repository}@${fetched.digest}`;
    const known = cache.get(key);
    if (known) return { ...known, platform: platform ?? known.platform };
    if (fetched.manifest.kind !== 'image') throw new Error(`${fetched.digest} is not an image manifest`);
    const manifest = fetched.manifest.value;
    let config: ImageConfig = {};
    if (IMAGE_CONFIG_TYPES.has(manifest.config.mediaType))
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
        manifest.artifactType ?? (IMAGE_CONFIG_TYPES.has(manifest.config.mediaType) ? null : manifest.config.mediaType),
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
    /** Reads `repository:tag` from the registry (the tag resolved now); throws the client's typed errors. */
    async read(repository: string, tag: string): Promise<TagDetail> {
      const fetched = await client.getManifest(repository, tag);
      const manifest: unknown = JSON.parse(fetched.raw.toString('utf8'));
      if (fetched.manifest.kind === 'image') {
        return {
          digest: fetched.digest,
          mediaType: fetched.mediaType,
          manifest,
          images: [await image(repository, fetched, null)],
          attestations: [],
        };
      }
      const images: ImageDetail[] = [];
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
        const platform = child.platform
          ? {
              os: child.platform.os,
              architecture: child.platform.architecture,
              ...(child.platform.variant ? { variant: child.platform.variant } : {}),
            }
          : null;
        const key = `${repository}@${child.digest}`;
        const known = cache.get(key);
        images.push(
          known
            ? { ...known, platform: platform ?? known.platform }
            : await image(repository, await client.getManifest(repository, child.digest), platform),
        );
      }
      return { digest: fetched.digest, mediaType: fetched.mediaType, manifest, images, attestations };
    },
  };
}

export type TagDetails = ReturnType<typeof createTagDetails>;
