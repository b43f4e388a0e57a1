/**
 * Reads a registry's filesystem storage (`storage.filesystem.rootdirectory`) directly, for a process on the same
 * host: the same answers as the HTTP API's catalog, tags, manifest HEAD/GET and config blobs, without a request or a
 * token per call. Only reads; deletes go through the HTTP API. The layout is distribution's
 * (`docker/registry/v2/repositories/<name>/_manifests/{tags/<tag>/current/link,revisions/<alg>/<hex>/link}`,
 * `_layers/<alg>/<hex>/link`, `blobs/<alg>/<hh>/<hex>/data`); a manifest counts only while its repository links it,
 * as the registry serves it, and content is checked against its digest. Files are small and local, so they are
 * read synchronously (a thread-pool round trip per file costs more than the read); callers yield between calls.
 */
import { closeSync, type Dirent, fstatSync, openSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { RegistryError } from './errors';
import {
  checkReference,
  checkRepository,
  type FetchedManifest,
  type ManifestHead,
  parseImageConfig,
  parseManifest,
} from './parse';
import { DEFAULT_MAX_BODY_BYTES, type RegistryClient } from './registry-client';
import { MEDIA_TYPES } from './schemas';

/** What an index sync needs from a registry; the HTTP client and the storage reader both provide it. */
export type RegistrySource = Pick<
  RegistryClient,
  'catalog' | 'listTags' | 'headManifest' | 'getManifest' | 'manifestIfChanged' | 'getImageConfig'
>;

const DIGEST = /^(sha256:[a-f0-9]{64}|sha512:[a-f0-9]{128})$/;

const isMissing = (error: unknown) =>
  (error as NodeJS.ErrnoException).code === 'ENOENT' || (error as NodeJS.ErrnoException).code === 'ENOTDIR';

export function createStorageReader(options: {
  rootDirectory: string;
  /** The largest manifest or config blob read, in bytes (default 4 MiB, as the HTTP client). */
  maxBodyBytes?: number;
}): RegistrySource {
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const v2 = join(options.rootDirectory, 'docker/registry/v2');
  const repositoryDir = (name: string) => join(v2, 'repositories', checkRepository(name));
  const blobPath = (digest: string) => {
    const [algorithm, hex] = digest.split(':') as [string, string];
    return join(v2, 'blobs', algorithm, hex.slice(0, 2), hex, 'data');
  };
  const linkPath = (dir: string, digest: string) => {
    const [algorithm, hex] = digest.split(':') as [string, string];
    return join(dir, algorithm, hex, 'link');
  };

  /** The content of a link file, or undefined when it does not exist. */
  async function readLink(path: string): Promise<string | undefined> {
    try {
      const digest = readFileSync(path, 'utf8').trim();
      if (!DIGEST.test(digest)) throw new RegistryError('ERR_REGISTRY_PROTOCOL', `malformed link ${path}`);
      return digest;
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw error;
    }
  }

  /** The manifest digest a tag or digest reference names in the repository, if the repository links it. */
  async function resolve(repository: string, reference: string): Promise<string | undefined> {
    const dir = repositoryDir(repository);
    checkReference(reference);
    let digest: string | undefined;
    if (reference.includes(':')) {
      if (!DIGEST.test(reference)) return undefined;
      digest = reference;
    } else {
      digest = await readLink(join(dir, '_manifests/tags', reference, 'current/link'));
      if (!digest) return undefined;
    }
    return (await readLink(linkPath(join(dir, '_manifests/revisions'), digest))) ? digest : undefined;
  }

  async function readBlob(digest: string, what: string): Promise<Buffer> {
    try {
      // The size is checked on the open file before reading it: a pushed blob may be of any size.
      const fd = openSync(blobPath(digest), 'r');
      try {
        if (fstatSync(fd).size > maxBodyBytes) {
          throw new RegistryError('ERR_REGISTRY_TOO_LARGE', `${what} ${digest} is larger than ${maxBodyBytes} bytes`);
        }
        return readFileSync(fd);
      } finally {
        closeSync(fd);
      }
    } catch (error) {
      if (isMissing(error)) throw new RegistryError('ERR_REGISTRY_NOT_FOUND', `${what} ${digest} is not in storage`);
      throw error;
    }
  }

  const manifestIfChanged: RegistrySource['manifestIfChanged'] = async (repository, reference, known) => {
    const digest = await resolve(repository, reference);
    if (!digest) return undefined;
    if (digest === known) return 'unchanged';
    return parseManifest(await readBlob(digest, 'manifest'), digest, undefined, `${repository}@${digest}`);
  };

  return {
    async *catalog() {
      const names: string[] = [];
      const walk = async (dir: string, prefix: string): Promise<void> => {
        let entries: Dirent[];
        try {
          entries = readdirSync(dir, { withFileTypes: true });
        } catch (error) {
          if (isMissing(error)) return;
          throw error;
        }
        const children: Array<Promise<void>> = [];
        for (const entry of entries) {
          if (!entry.isDirectory()) continue;
          if (entry.name === '_manifests') names.push(prefix.slice(0, -1));
          else if (!entry.name.startsWith('_')) children.push(walk(join(dir, entry.name), `${prefix}${entry.name}/`));
        }
        await Promise.all(children);
      };
      await walk(join(v2, 'repositories'), '');
      // Byte order, as the registry's catalog lists them.
      names.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
      yield* names;
    },

    async listTags(repository) {
      const dir = repositoryDir(repository);
      try {
        const entries = readdirSync(join(dir, '_manifests/tags'), { withFileTypes: true });
        return entries.filter((entry) => entry.isDirectory()).map((entry) => entry.name);
      } catch (error) {
        if (!isMissing(error)) throw error;
        try {
          readdirSync(dir);
        } catch (inner) {
          if (isMissing(inner)) throw new RegistryError('ERR_REGISTRY_NOT_FOUND', `no repository ${repository}`);
          throw inner;
        }
        return [];
      }
    },

    async headManifest(repository, reference): Promise<ManifestHead | undefined> {
      const digest = await resolve(repository, reference);
      if (!digest) return undefined;
      // Like the API's HEAD: digest, media type and size, without checking the content (GET does).
      const raw = await readBlob(digest, 'manifest');
      let mediaType = '';
      try {
        const json = JSON.parse(raw.toString('utf8')) as { mediaType?: unknown; manifests?: unknown };
        mediaType =
          typeof json.mediaType === 'string'
            ? json.mediaType
            : Array.isArray(json.manifests)
              ? MEDIA_TYPES.ociIndex
              : MEDIA_TYPES.ociManifest;
      } catch {
        // Not JSON: GET will say so; HEAD reports what it can.
      }
      return { digest, mediaType, size: raw.length };
    },

    async getManifest(repository, reference): Promise<FetchedManifest> {
      const fetched = await manifestIfChanged(repository, reference);
      if (fetched === undefined || fetched === 'unchanged') {
        throw new RegistryError('ERR_REGISTRY_NOT_FOUND', `manifest ${repository}:${reference} not found`);
      }
      return fetched;
    },

    manifestIfChanged,

    async getImageConfig(repository, digest) {
      checkReference(digest);
      if (!DIGEST.test(digest) || !(await readLink(linkPath(join(repositoryDir(repository), '_layers'), digest)))) {
        throw new RegistryError('ERR_REGISTRY_NOT_FOUND', `blob ${digest} is not in ${repository}`);
      }
      return parseImageConfig(await readBlob(digest, 'config'), digest);
    },
  };
}
