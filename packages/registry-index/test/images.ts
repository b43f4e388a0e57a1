/** OCI images as the library's tests make them: media types, content digests and a one-layer image manifest. */
import { createHash } from 'node:crypto';

export const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
export const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
export const OCI_CONFIG = 'application/vnd.oci.image.config.v1+json';

export const digestOf = (raw: Buffer) => `sha256:${createHash('sha256').update(raw).digest('hex')}`;

/** The raw manifest of an image with the config and the one layer given by digest (sizes 10 and `layerSize`). */
export function imageManifest(config: string, layer: string, layerSize = 90): Buffer {
  return Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      config: { mediaType: OCI_CONFIG, digest: config, size: 10 },
      layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: layer, size: layerSize }],
    }),
  );
}
