/**
 * Builds OCI image layouts on disk from generated content (no downloads): gzip'd ustar layers with seeded bytes,
 * an image config whose diff_ids match the uncompressed layers, a manifest, and index.json naming the tag.
 */
import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

export interface OciImage {
  dir: string;
  tag: string;
  manifestDigest: string;
  configDigest: string;
  layerDigests: string[];
  /** Config + compressed layers, in bytes. */
  size: number;
}

const sha256 = (data: Buffer | string) => `sha256:${createHash('sha256').update(data).digest('hex')}`;

/** Deterministic pseudo-random bytes from a seed (SHA-256 in counter mode). */
function seededBytes(seed: string, length: number): Buffer {
  const chunks: Buffer[] = [];
  for (let counter = 0, total = 0; total < length; counter++) {
    const chunk = createHash('sha256').update(`${seed}:${counter}`).digest();
    chunks.push(chunk);
    total += chunk.length;
  }
  return Buffer.concat(chunks).subarray(0, length);
}

function octal(value: number, width: number): string {
  return `${value.toString(8).padStart(width - 1, '0')}\0`;
}

/** A ustar archive of regular files. */
function tar(files: Array<{ name: string; content: Buffer }>): Buffer {
  const blocks: Buffer[] = [];
  for (const file of files) {
    const header = Buffer.alloc(512);
    header.write(file.name, 0, 100, 'utf8');
    header.write(octal(0o644, 8), 100, 'ascii');
    header.write(octal(0, 8), 108, 'ascii');
    header.write(octal(0, 8), 116, 'ascii');
    header.write(octal(file.content.length, 12), 124, 'ascii');
    header.write(octal(1_700_000_000, 12), 136, 'ascii');
    header.write('        ', 148, 'ascii');
    header.write('0', 156, 'ascii');
    header.write('ustar\0', 257, 'ascii');
    header.write('00', 263, 'ascii');
    let sum = 0;
    for (const byte of header) sum += byte;
    header.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'ascii');
    blocks.push(header, file.content, Buffer.alloc((512 - (file.content.length % 512)) % 512));
  }
  blocks.push(Buffer.alloc(1024));
  return Buffer.concat(blocks);
}

async function writeBlob(dir: string, data: Buffer | string): Promise<{ digest: string; size: number }> {
  const digest = sha256(data);
  await writeFile(join(dir, 'blobs', 'sha256', digest.slice(7)), data);
  return { digest, size: Buffer.byteLength(data) };
}

interface ImageOptions {
  seed: string;
  layers?: number;
  layerBytes?: number;
  architecture?: string;
  os?: string;
  variant?: string;
  configMediaType?: string;
}

/** Writes the layers, config and manifest of one image into the layout's blobs. */
async function writeImage(dir: string, options: ImageOptions) {
  const layers: Array<{ digest: string; size: number; diffId: string }> = [];
  for (let i = 0; i < (options.layers ?? 2); i++) {
    const archive = tar([
      { name: `layer-${i}/data.bin`, content: seededBytes(`${options.seed}/${i}`, options.layerBytes ?? 4096) },
    ]);
    const blob = await writeBlob(dir, gzipSync(archive));
    layers.push({ ...blob, diffId: sha256(archive) });
  }
  const config = JSON.stringify({
    created: '2026-01-01T00:00:00Z',
    architecture: options.architecture ?? 'amd64',
    os: options.os ?? 'linux',
    ...(options.variant ? { variant: options.variant } : {}),
    config: {
      Env: ['PATH=/usr/bin', `SEED=${options.seed}`],
      Cmd: ['/bin/true'],
      Labels: { 'test.seed': options.seed },
      ExposedPorts: { '8080/tcp': {} },
    },
    rootfs: { type: 'layers', diff_ids: layers.map((layer) => layer.diffId) },
    history: layers.map((_, i) => ({ created: '2026-01-01T00:00:00Z', created_by: `generated layer ${i}` })),
  });
  const configBlob = await writeBlob(dir, config);
  const manifest = JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: options.configMediaType ?? 'application/vnd.oci.image.config.v1+json', ...configBlob },
    layers: layers.map(({ digest, size }) => ({
      mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip',
      digest,
      size,
    })),
  });
  const manifestBlob = await writeBlob(dir, manifest);
  return {
    manifestBlob,
    configBlob,
    layers,
    size: configBlob.size + layers.reduce((sum, layer) => sum + layer.size, 0),
  };
}

async function writeLayout(dir: string, tag: string, descriptor: Record<string, unknown>): Promise<void> {
  await writeFile(join(dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  await writeFile(
    join(dir, 'index.json'),
    JSON.stringify({
      schemaVersion: 2,
      manifests: [{ ...descriptor, annotations: { 'org.opencontainers.image.ref.name': tag } }],
    }),
  );
}

export interface OciIndex {
  dir: string;
  tag: string;
  indexDigest: string;
  /** Per platform: the image manifest digest, its size (config + layers) and the manifest's own size in bytes. */
  platforms: Array<{
    os: string;
    architecture: string;
    variant?: string;
    manifestDigest: string;
    size: number;
    manifestSize: number;
  }>;
  attestationDigest?: string;
}

/**
 * A multi-platform image: one image per platform and an OCI image index over them; with `attestation`, also a
 * BuildKit-style attestation child (platform unknown/unknown).
 */
export async function buildOciIndex(
  dir: string,
  options: {
    tag?: string;
    seed?: string;
    platforms: Array<{ os: string; architecture: string; variant?: string }>;
    attestation?: boolean;
    /** Per image (default 2 of 4096 bytes); fewer and smaller keep an index of many platforms quick to push. */
    layers?: number;
    layerBytes?: number;
  },
): Promise<OciIndex> {
  const tag = options.tag ?? 'latest';
  const seed = options.seed ?? tag;
  await mkdir(join(dir, 'blobs', 'sha256'), { recursive: true });
  const platforms: OciIndex['platforms'] = [];
  const manifests: Array<Record<string, unknown>> = [];
  for (const platform of options.platforms) {
    const image = await writeImage(dir, {
      seed: `${seed}/${platform.os}/${platform.architecture}/${platform.variant ?? ''}`,
      ...platform,
      ...(options.layers !== undefined ? { layers: options.layers } : {}),
      ...(options.layerBytes !== undefined ? { layerBytes: options.layerBytes } : {}),
    });
    platforms.push({
      ...platform,
      manifestDigest: image.manifestBlob.digest,
      size: image.size,
      manifestSize: image.manifestBlob.size,
    });
    manifests.push({ mediaType: 'application/vnd.oci.image.manifest.v1+json', ...image.manifestBlob, platform });
  }
  let attestationDigest: string | undefined;
  if (options.attestation) {
    const first = platforms[0];
    const attestation = await writeImage(dir, { seed: `${seed}/attestation`, layers: 1, layerBytes: 256 });
    attestationDigest = attestation.manifestBlob.digest;
    manifests.push({
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      ...attestation.manifestBlob,
      platform: { os: 'unknown', architecture: 'unknown' },
      annotations: {
        'vnd.docker.reference.type': 'attestation-manifest',
        ...(first ? { 'vnd.docker.reference.digest': first.manifestDigest } : {}),
      },
    });
  }
  const index = await writeBlob(
    dir,
    JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests }),
  );
  await writeLayout(dir, tag, { mediaType: 'application/vnd.oci.image.index.v1+json', ...index });
  return { dir, tag, indexDigest: index.digest, platforms, ...(attestationDigest ? { attestationDigest } : {}) };
}

/**
 * @example
 * const image = await buildOciImage('/tmp/img', { tag: 'v1', seed: 'a' });
 * // skopeo copy oci:/tmp/img:v1 docker://127.0.0.1:5000/team/app:v1
 */
export async function buildOciImage(
  dir: string,
  options: {
    tag?: string;
    seed?: string;
    layers?: number;
    layerBytes?: number;
    architecture?: string;
    os?: string;
    /** An artifact: a config media type registries and indexers do not know. */
    configMediaType?: string;
  } = {},
): Promise<OciImage> {
  const tag = options.tag ?? 'latest';
  await mkdir(join(dir, 'blobs', 'sha256'), { recursive: true });
  const image = await writeImage(dir, { ...options, seed: options.seed ?? tag });
  await writeLayout(dir, tag, { mediaType: 'application/vnd.oci.image.manifest.v1+json', ...image.manifestBlob });
  return {
    dir,
    tag,
    manifestDigest: image.manifestBlob.digest,
    configDigest: image.configBlob.digest,
    layerDigests: image.layers.map((layer) => layer.digest),
    size: image.size,
  };
}
