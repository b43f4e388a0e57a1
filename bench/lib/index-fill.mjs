// Synthetic index content, written straight through the store's own write path (`applyChanges`).
import { createHash } from 'node:crypto';

const sha256 = (text) => createHash('sha256').update(text).digest('hex');

/**
 * One tag of a single-platform OCI image with one layer: the manifest record and the tag entry for `applyChanges`.
 * Digests derive from `key` (unique per tag), so refilling gives the same index.
 */
export function syntheticTag({ key, tag, size, pushedAt }) {
  const digest = `sha256:${sha256(key)}`;
  return {
    manifest: {
      digest,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      size,
      created: pushedAt,
      platforms: [{ os: 'linux', architecture: 'amd64' }],
      blobs: [[`sha256:${sha256(`${key}:blob`)}`, size]],
    },
    tag: { name: tag, digest, pushedAt },
  };
}
