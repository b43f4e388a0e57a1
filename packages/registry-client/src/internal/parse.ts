/** Parsing and checking what a registry stores — manifests and image configs — whichever way it was read. */
import { createHash } from 'node:crypto';
import { RegistryError } from './errors';
import {
  type ImageConfig,
  type ImageIndex,
  type ImageManifest,
  imageConfigSchema,
  imageIndexSchema,
  imageManifestSchema,
  isIndexMediaType,
  MEDIA_TYPES,
} from './schemas';

export interface ManifestHead {
  digest: string;
  mediaType: string;
  size: number;
}

export interface FetchedManifest extends ManifestHead {
  raw: Buffer;
  manifest: { kind: 'index'; value: ImageIndex } | { kind: 'image'; value: ImageManifest };
}

// The distribution spec's grammar for names as the registry stores them: the server and the index import these
// predicates. token-service keeps its own scope grammar, which also allows a `host:port/` prefix and has no
// dependency on this package.
const REPOSITORY = /^[a-z0-9]+(?:(?:[._]|__|[-]*)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|[-]*)[a-z0-9]+)*)*$/;
const MAX_REPOSITORY_LENGTH = 255;
const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
const DIGEST = /^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]{32,}$/;
const MAX_DIGEST_LENGTH = 200;

/**
 * Whether `name` is a repository name the registry accepts (path components of lowercase letters and digits joined
 * by `.`, `_`, `__` or dashes; at most 255 characters).
 *
 * @example
 * isRepositoryName('team/app'); // true
 * isRepositoryName('public/Evil/../x'); // false
 */
export function isRepositoryName(name: string): boolean {
  return name.length <= MAX_REPOSITORY_LENGTH && REPOSITORY.test(name);
}

/**
 * Whether `tag` is a tag the registry accepts (`[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}`).
 *
 * @example
 * isTag('1.2.3-rc.1'); // true
 */
export function isTag(tag: string): boolean {
  return TAG.test(tag);
}

/**
 * Whether `digest` is a content digest (`algorithm:encoded`, e.g. `sha256:` and 64 hex digits).
 *
 * @example
 * isDigest(`sha256:${'0'.repeat(64)}`); // true
 */
export function isDigest(digest: string): boolean {
  return digest.length <= MAX_DIGEST_LENGTH && DIGEST.test(digest);
}

/** A repository name as the distribution spec allows it (throws ERR_REGISTRY_INVALID otherwise). */
export function checkRepository(name: string): string {
  if (!isRepositoryName(name)) {
    throw new RegistryError('ERR_REGISTRY_INVALID', `invalid repository name "${name.slice(0, 100)}"`);
  }
  return name;
}

/** A tag or a digest (throws ERR_REGISTRY_INVALID otherwise). */
export function checkReference(reference: string): string {
  if (!isTag(reference) && !isDigest(reference)) {
    throw new RegistryError('ERR_REGISTRY_INVALID', `invalid tag or digest "${reference.slice(0, 100)}"`);
  }
  return reference;
}

export const sha256Digest = (data: Buffer) => `sha256:${createHash('sha256').update(data).digest('hex')}`;

/**
 * A manifest from its bytes. `digest` is what the registry said (checked against the content when it is sha256);
 * the media type comes from `mediaTypeHint` (the Content-Type), else the manifest's own field, else its shape.
 */
export function parseManifest(
  raw: Buffer,
  stated: string | null | undefined,
  mediaTypeHint: string | undefined,
  label: string,
): FetchedManifest {
  const digest = sha256Digest(raw);
  if (stated && stated !== digest) {
    throw new RegistryError(
      'ERR_REGISTRY_PROTOCOL',
      `manifest digest mismatch: registry says ${stated}, content is ${digest}`,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(raw.toString('utf8'));
  } catch (error) {
    throw new RegistryError('ERR_REGISTRY_PROTOCOL', `manifest ${label} is not JSON`, { cause: error });
  }
  const own = (json as { mediaType?: unknown }).mediaType;
  const looksLikeIndex = Array.isArray((json as { manifests?: unknown }).manifests);
  const mediaType =
    mediaTypeHint ||
    (typeof own === 'string' && own !== '' ? own : looksLikeIndex ? MEDIA_TYPES.ociIndex : MEDIA_TYPES.ociManifest);
  const isIndex = isIndexMediaType(mediaType) || looksLikeIndex;
  const parsed = (isIndex ? imageIndexSchema : imageManifestSchema).safeParse(json);
  if (!parsed.success) {
    throw new RegistryError(
      'ERR_REGISTRY_PROTOCOL',
      `manifest ${label} is malformed: ${parsed.error.issues[0]?.message}`,
    );
  }
  return {
    digest,
    mediaType,
    size: raw.length,
    raw,
    manifest: isIndex
      ? { kind: 'index', value: parsed.data as ImageIndex }
      : { kind: 'image', value: parsed.data as ImageManifest },
  };
}

/** An image config from its bytes, checked against its (sha256) digest. */
export function parseImageConfig(raw: Buffer, digest: string): ImageConfig {
  if (digest.startsWith('sha256:') && sha256Digest(raw) !== digest) {
    throw new RegistryError('ERR_REGISTRY_PROTOCOL', `blob ${digest} does not match its digest`);
  }
  let json: unknown;
  try {
    json = JSON.parse(raw.toString('utf8'));
  } catch (error) {
    throw new RegistryError('ERR_REGISTRY_PROTOCOL', `config ${digest} is not JSON`, { cause: error });
  }
  const parsed = imageConfigSchema.safeParse(json);
  if (!parsed.success) throw new RegistryError('ERR_REGISTRY_PROTOCOL', `config ${digest} is malformed`);
  return parsed.data;
}
