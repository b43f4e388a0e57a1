/**
 * Proves the e2e harness on its own: images generated on disk are valid for skopeo and the registry, the registry
 * starts and stops on a port of its own, skopeo pushes, pulls, inspects, deletes and logs in without touching the
 * user's files, and the built CLI starts, announces its URL and shuts down on SIGTERM.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gunzipSync } from 'node:zlib';
import {
  buildOciImage,
  buildOciIndex,
  copyFromRegistry,
  copyToRegistry,
  deleteImage,
  describeE2E,
  inspect,
  login,
  type RunningRegistry,
  skopeo,
  startRegistry,
} from '@registry-admin/test-support';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { registryConfig, startRegistryAdmin } from './harness/registry-admin';

const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';

const run = promisify(execFile);
const sha256 = (data: Buffer | string) => `sha256:${createHash('sha256').update(data).digest('hex')}`;
const blob = (dir: string, digest: string) => readFile(join(dir, 'blobs', 'sha256', digest.slice('sha256:'.length)));
const json = async <T>(path: string): Promise<T> => JSON.parse(await readFile(path, 'utf8')) as T;

interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  annotations?: Record<string, string>;
}
interface Manifest {
  mediaType: string;
  config: Descriptor;
  layers: Descriptor[];
}

describeE2E('e2e harness: generated images, the real registry, skopeo and the built CLI', () => {
  let dir: string;
  let registry: RunningRegistry;

  async function getManifest(repository: string, reference: string, accept = `${OCI_MANIFEST}, ${OCI_INDEX}`) {
    const response = await fetch(`${registry.url}/v2/${repository}/manifests/${reference}`, { headers: { accept } });
    return {
      status: response.status,
      digest: response.headers.get('docker-content-digest'),
      body: await response.text(),
    };
  }

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ra-harness-'));
    registry = await startRegistry({ deleteEnabled: true });
  });
  afterAll(async () => {
    await registry?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('builds an OCI layout whose config lists the diff_ids of its uncompressed ustar layers', async () => {
    const image = await buildOciImage(join(dir, 'layout'), {
      tag: 'v1',
      seed: 'layout',
      layers: 3,
      layerBytes: 10_000,
      architecture: 'arm64',
      os: 'linux',
    });
    expect(await json(join(image.dir, 'oci-layout'))).toEqual({ imageLayoutVersion: '1.0.0' });
    const index = await json<{ manifests: Descriptor[] }>(join(image.dir, 'index.json'));
    expect(index.manifests).toHaveLength(1);
    expect(index.manifests[0]?.digest).toBe(image.manifestDigest);
    expect(index.manifests[0]?.annotations?.['org.opencontainers.image.ref.name']).toBe('v1');

    const manifestBytes = await blob(image.dir, image.manifestDigest);
    expect(sha256(manifestBytes)).toBe(image.manifestDigest);
    const manifest = JSON.parse(manifestBytes.toString()) as Manifest;
    expect(manifest.config.digest).toBe(image.configDigest);
    expect(manifest.layers.map((layer) => layer.digest)).toEqual(image.layerDigests);
    const config = JSON.parse((await blob(image.dir, image.configDigest)).toString()) as {
      architecture: string;
      os: string;
      rootfs: { diff_ids: string[] };
      history: unknown[];
      config: { Env: string[]; Cmd: string[]; Labels: Record<string, string>; ExposedPorts: Record<string, unknown> };
    };
    expect(config).toMatchObject({ architecture: 'arm64', os: 'linux' });
    expect(config.history).toHaveLength(3);
    expect(config.config.Cmd.length).toBeGreaterThan(0);

    let size = manifest.config.size;
    for (const [i, layer] of manifest.layers.entries()) {
      const compressed = await blob(image.dir, layer.digest);
      expect(sha256(compressed)).toBe(layer.digest);
      expect(compressed.length).toBe(layer.size);
      size += layer.size;
      const archive = gunzipSync(compressed);
      expect(config.rootfs.diff_ids[i]).toBe(sha256(archive));
      expect(archive.subarray(257, 262).toString()).toBe('ustar');
      // GNU tar reads the hand-written archive back.
      const { stdout } = await run('tar', ['-tvzf', join(image.dir, 'blobs', 'sha256', layer.digest.slice(7))]);
      expect(stdout).toMatch(/ 10000 .*\.bin$/m);
    }
    expect(image.size).toBe(size);

    const inspected = await skopeo(['inspect', `oci:${image.dir}:v1`]);
    expect(inspected.code, inspected.stderr).toBe(0);
    const info = JSON.parse(inspected.stdout) as { Digest: string; Architecture: string; Layers: string[] };
    expect(info.Digest).toBe(image.manifestDigest);
    expect(info.Architecture).toBe('arm64');
    expect(info.Layers).toEqual(image.layerDigests);
  });

  it('gives the same digests for the same seed and different ones for another seed', async () => {
    const a = await buildOciImage(join(dir, 'seed-a'), { tag: 'v1', seed: 'a' });
    const again = await buildOciImage(join(dir, 'seed-a-again'), { tag: 'v1', seed: 'a' });
    const b = await buildOciImage(join(dir, 'seed-b'), { tag: 'v1', seed: 'b' });
    expect(again.manifestDigest).toBe(a.manifestDigest);
    expect(b.manifestDigest).not.toBe(a.manifestDigest);
    expect(b.configDigest).not.toBe(a.configDigest);
    expect(b.layerDigests.some((digest) => a.layerDigests.includes(digest))).toBe(false);
  });

  it('pushes an image anonymously, inspects it by tag and pulls the same manifest back', async () => {
    const image = await buildOciImage(join(dir, 'push'), { tag: 'v1', seed: 'push' });
    const ref = `${registry.host}/smoke/app:v1`;
    const pushed = await copyToRegistry(image.dir, 'v1', ref);
    expect(pushed.code, pushed.stderr).toBe(0);

    const inspected = await inspect(ref);
    expect(inspected.code, inspected.stderr).toBe(0);
    expect(inspected.digest).toBe(image.manifestDigest);
    const served = await getManifest('smoke/app', 'v1');
    expect(served.status).toBe(200);
    expect(served.digest).toBe(image.manifestDigest);

    const pulled = await copyFromRegistry(ref, join(dir, 'pulled'));
    expect(pulled.code, pulled.stderr).toBe(0);
    const index = await json<{ manifests: Descriptor[] }>(join(dir, 'pulled', 'index.json'));
    expect(index.manifests[0]?.digest).toBe(image.manifestDigest);
  });

  it('pushes a multi-arch index with --all, and an artifact keeps its unknown config media type', async () => {
    const multi = await buildOciIndex(join(dir, 'multi'), {
      tag: 'v1',
      platforms: [
        { os: 'linux', architecture: 'amd64' },
        { os: 'linux', architecture: 'arm64', variant: 'v8' },
      ],
    });
    expect(new Set(multi.platforms.map((platform) => platform.manifestDigest)).size).toBe(2);
    const ref = `${registry.host}/smoke/multi:v1`;
    const pushed = await copyToRegistry(multi.dir, 'v1', ref, undefined, ['--all']);
    expect(pushed.code, pushed.stderr).toBe(0);
    const raw = await skopeo(['inspect', '--raw', '--tls-verify=false', '--no-creds', `docker://${ref}`]);
    expect(raw.code, raw.stderr).toBe(0);
    expect(sha256(raw.stdout)).toBe(multi.indexDigest);
    expect((await getManifest('smoke/multi', 'v1')).digest).toBe(multi.indexDigest);
    for (const platform of multi.platforms) {
      expect((await getManifest('smoke/multi', platform.manifestDigest)).status).toBe(200);
    }

    const configMediaType = 'application/vnd.example.smoke.config+json';
    const artifact = await buildOciImage(join(dir, 'artifact'), { tag: 'v1', seed: 'artifact', configMediaType });
    const pushedArtifact = await copyToRegistry(artifact.dir, 'v1', `${registry.host}/smoke/artifact:v1`);
    expect(pushedArtifact.code, pushedArtifact.stderr).toBe(0);
    const served = await getManifest('smoke/artifact', 'v1');
    expect(served.digest).toBe(artifact.manifestDigest);
    expect((JSON.parse(served.body) as Manifest).config.mediaType).toBe(configMediaType);
  });

  it('deletes when the registry allows it, is refused when it does not, and stop() frees the port', async () => {
    const image = await buildOciImage(join(dir, 'delete'), { tag: 'v1', seed: 'delete' });
    const ref = `${registry.host}/smoke/delete:v1`;
    expect((await copyToRegistry(image.dir, 'v1', ref)).code).toBe(0);
    const deleted = await deleteImage(ref);
    expect(deleted.code, deleted.stderr).toBe(0);
    expect((await getManifest('smoke/delete', image.manifestDigest)).status).toBe(404);
    expect((await inspect(ref)).code).not.toBe(0);

    const keeping = await startRegistry({ deleteEnabled: false });
    try {
      const kept = `${keeping.host}/smoke/delete:v1`;
      expect((await copyToRegistry(image.dir, 'v1', kept)).code).toBe(0);
      const refused = await deleteImage(kept);
      expect(refused.code).not.toBe(0);
      expect((await inspect(kept)).digest).toBe(image.manifestDigest);
      expect(keeping.logs()).toMatch(/listening on 127\.0\.0\.1:\d+/);
    } finally {
      await keeping.stop();
    }
    await expect(fetch(`${keeping.url}/v2/`)).rejects.toThrow();
  });

  it("logs in and out with the harness's own auth file, never the user's", async () => {
    const userFiles = [
      join(homedir(), '.config', 'containers', 'auth.json'),
      join(homedir(), '.docker', 'config.json'),
      ...(process.env.XDG_RUNTIME_DIR ? [join(process.env.XDG_RUNTIME_DIR, 'containers', 'auth.json')] : []),
    ];
    const before = userFiles.map((file) => (existsSync(file) ? statSync(file).mtimeMs : undefined));
    const loggedIn = await login(registry.host, { username: 'smoke', password: 'secret' });
    expect(loggedIn.code, loggedIn.stderr).toBe(0);
    const loggedOut = await skopeo(['logout', registry.host]);
    expect(loggedOut.code, loggedOut.stderr).toBe(0);
    const again = await skopeo(['logout', registry.host]);
    expect(again.code).not.toBe(0);
    expect(again.stderr).toMatch(/not logged in/i);
    expect(userFiles.map((file) => (existsSync(file) ? statSync(file).mtimeMs : undefined))).toEqual(before);
  });

  it('runs the built CLI: announces its port, prints the registry fragment, exits cleanly and keeps a given data dir', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'ra-harness-server-'));
    try {
      const server = await startRegistryAdmin([], { dataDir });
      expect(server.url).toBe(`http://127.0.0.1:${server.port}`);
      expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
      const fragment = await registryConfig(server);
      expect(fragment.auth.token.realm.startsWith(server.url)).toBe(true);
      expect(existsSync(fragment.auth.token.rootcertbundle)).toBe(true);
      expect(await server.stop()).toEqual({ code: 0, signal: null });
      await expect(fetch(`${server.url}/readyz`)).rejects.toThrow();
      expect(existsSync(dataDir)).toBe(true);

      const restarted = await startRegistryAdmin([], { dataDir });
      expect(await restarted.kill()).toEqual({ code: null, signal: 'SIGKILL' });
      expect(existsSync(dataDir)).toBe(true);
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
    const temporary = await startRegistryAdmin();
    await temporary.stop();
    expect(existsSync(temporary.dataDir)).toBe(false);
  });
});
