/**
 * describeManifest against an in-memory registry that counts reads: a child listed twice is read once, attestations
 * and nested indexes are not followed, a config is read only where the index names no platform (and the first
 * child's, for the created time), and what was not read is sized from the index's descriptors.
 */
import { parseManifest, type RegistrySource } from '@registry-admin/registry-client';
import { describe, expect, it } from 'vitest';
import { digestOf, imageManifest, OCI_INDEX, OCI_MANIFEST } from '../../test/images';
import { describeManifest } from './manifest-description';

function memoryRegistry() {
  const manifests = new Map<string, Buffer>();
  const configs = new Map<string, Record<string, unknown>>();
  const reads: string[] = [];
  const source: Pick<RegistrySource, 'getManifest' | 'getImageConfig'> = {
    async getManifest(_repository, reference) {
      reads.push(`manifest ${reference}`);
      const raw = manifests.get(reference);
      if (!raw) throw new Error(`no manifest ${reference}`);
      return parseManifest(raw, reference, undefined, reference);
    },
    async getImageConfig(_repository, digest) {
      reads.push(`config ${digest}`);
      return configs.get(digest) ?? {};
    },
  };
  const putRaw = (raw: Buffer) => {
    manifests.set(digestOf(raw), raw);
    return { digest: digestOf(raw), size: raw.length };
  };
  const put = (manifest: unknown) => putRaw(Buffer.from(JSON.stringify(manifest)));
  const image = (architecture: string, created: string) => {
    const config = { os: 'linux', architecture, created };
    const configDigest = digestOf(Buffer.from(architecture));
    configs.set(configDigest, config);
    return putRaw(imageManifest(configDigest, digestOf(Buffer.from(`l-${architecture}`)), 100));
  };
  return { source: source as RegistrySource, reads, put, image, manifests };
}

describe('describeManifest of an image index', () => {
  it('reads each child once, follows no attestation or nested index, and reads configs only where needed', async () => {
    const registry = memoryRegistry();
    const amd64 = registry.image('amd64', '2026-01-01T00:00:00Z');
    const arm64 = registry.image('arm64', '2026-01-02T00:00:00Z');
    const unnamed = registry.image('riscv64', '2026-01-03T00:00:00Z');
    const attestation = registry.image('unknown', '2026-01-04T00:00:00Z');
    const nested = registry.put({
      schemaVersion: 2,
      mediaType: OCI_INDEX,
      manifests: [{ mediaType: OCI_MANIFEST, ...amd64 }],
    });
    const index = registry.put({
      schemaVersion: 2,
      mediaType: OCI_INDEX,
      manifests: [
        { mediaType: OCI_MANIFEST, ...amd64, platform: { os: 'linux', architecture: 'amd64' } },
        { mediaType: OCI_MANIFEST, ...arm64, platform: { os: 'linux', architecture: 'arm64' } },
        { mediaType: OCI_MANIFEST, ...unnamed },
        { mediaType: OCI_MANIFEST, ...amd64, platform: { os: 'linux', architecture: 'amd64' } },
        { mediaType: OCI_INDEX, ...nested, platform: { os: 'linux', architecture: 's390x' } },
        {
          mediaType: OCI_MANIFEST,
          ...attestation,
          platform: { os: 'unknown', architecture: 'unknown' },
          annotations: { 'vnd.docker.reference.type': 'attestation-manifest' },
        },
      ],
    });
    const fetched = parseManifest(registry.manifests.get(index.digest) as Buffer, index.digest, undefined, 'index');
    const described = await describeManifest(registry.source, 'team/app', fetched);
    expect(registry.reads.sort()).toEqual(
      [
        `manifest ${amd64.digest}`,
        `manifest ${arm64.digest}`,
        `manifest ${unnamed.digest}`,
        `manifest ${nested.digest}`,
        // The first child's config (created time) and the one the index names no platform for.
        `config ${digestOf(Buffer.from('amd64'))}`,
        `config ${digestOf(Buffer.from('riscv64'))}`,
      ].sort(),
    );
    expect(described.platforms.map((p) => p.architecture)).toEqual(['amd64', 'arm64', 'riscv64', 'amd64', 's390x']);
    // The newest of the configs read; arm64's was not read.
    expect(described.created).toBe('2026-01-03T00:00:00Z');
    // Three images of config 10 + layer 100 each, and the nested index's manifest as the index sizes it.
    expect(described.size).toBe(3 * 110 + nested.size);
    expect(described.details?.childrenRead).toBe(3);
  });
});
