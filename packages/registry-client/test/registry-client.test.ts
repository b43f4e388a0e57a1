import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateCertificateSet } from '@registry-admin/cert-builder';
import {
  buildOciImage,
  buildOciIndex,
  copyToRegistry,
  describeE2E,
  type OciImage,
  type OciIndex,
  type RunningRegistry,
  runReadmeExample,
  startRegistry,
} from '@registry-admin/test-support';
import { createTokenIssuer, parseScopes } from '@registry-admin/token-service';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createRegistryClient,
  createStorageReader,
  isAttestation,
  MEDIA_TYPES,
  RegistryError,
  type RegistrySource,
} from '../src/index';

const codeOf = async (run: () => Promise<unknown>) => {
  try {
    await run();
  } catch (error) {
    expect(error).toBeInstanceOf(RegistryError);
    return (error as RegistryError).code;
  }
  return undefined;
};

describe('registry client without a registry', () => {
  it('retries 5xx answers with backoff, then succeeds', async () => {
    let calls = 0;
    const client = createRegistryClient({
      baseUrl: 'http://registry.invalid',
      backoffMs: 1,
      fetch: async () => {
        calls++;
        return calls < 3 ? new Response('busy', { status: 503 }) : new Response('{}', { status: 200 });
      },
    });
    await client.ping();
    expect(calls).toBe(3);
  });

  it('gives up after the retries with ERR_REGISTRY_UNAVAILABLE, and times out', async () => {
    const down = createRegistryClient({
      baseUrl: 'http://registry.invalid',
      retries: 1,
      backoffMs: 1,
      fetch: async () => new Response('', { status: 502 }),
    });
    expect(await codeOf(() => down.ping())).toBe('ERR_REGISTRY_UNAVAILABLE');
    const slow = createRegistryClient({
      baseUrl: 'http://registry.invalid',
      retries: 0,
      timeoutMs: 50,
      fetch: (_url, init) =>
        new Promise((_resolve, reject) => init?.signal?.addEventListener('abort', () => reject(init.signal?.reason))),
    });
    expect(await codeOf(() => slow.ping())).toBe('ERR_REGISTRY_TIMEOUT');
  });

  it('ends each request with its answer: the time limit covers the body and nothing is left running after it', async () => {
    const signals: AbortSignal[] = [];
    const client = createRegistryClient({
      baseUrl: 'http://registry.invalid',
      timeoutMs: 40,
      fetch: async (_url, init) => {
        if (init?.signal) signals.push(init.signal);
        return new Response('{"tags":["a"]}');
      },
    });
    await Promise.all(Array.from({ length: 20 }, () => client.listTags('repo')));
    await new Promise((resolve) => setTimeout(resolve, 120));
    expect(signals).toHaveLength(20);
    // A limit left to run out would keep each finished request (and its answer) alive until it fired.
    expect(signals.filter((signal) => signal.aborted)).toHaveLength(0);

    const stalled = createRegistryClient({
      baseUrl: 'http://registry.invalid',
      retries: 0,
      timeoutMs: 40,
      fetch: async (_url, init) =>
        new Response(
          new ReadableStream({
            start(controller) {
              controller.enqueue(new TextEncoder().encode('{"tags":'));
              init?.signal?.addEventListener('abort', () => controller.error(init.signal?.reason));
            },
          }),
        ),
    });
    expect(await codeOf(() => stalled.listTags('repo'))).toBe('ERR_REGISTRY_TIMEOUT');
  });

  it('follows a blob redirect over node:http, with the credentials kept on the registry', async () => {
    const config = JSON.stringify({ architecture: 'arm64', os: 'linux', created: '2026-01-02T03:04:05Z' });
    const digest = `sha256:${createHash('sha256').update(config).digest('hex')}`;
    const seen: Array<{ server: string; path: string; authorization: string | undefined }> = [];
    const listen = async (name: string, answer: Parameters<typeof createServer>[1]) => {
      const server = createServer((request, response) => {
        seen.push({ server: name, path: request.url ?? '', authorization: request.headers.authorization });
        answer?.(request, response);
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
    };
    const storage = await listen('storage', (_request, response) => response.end(config));
    const registry = await listen('registry', (request, response) => {
      if (request.url?.startsWith('/v2/team/app/blobs/')) {
        response.writeHead(307, { location: `${storage.url}/signed/config?sig=1` }).end();
      } else if (request.url === '/v2/team/app/manifests/v1') {
        response.writeHead(307, { location: '/v2/team/app/manifests/sha256-moved' }).end();
      } else {
        response.writeHead(404).end('{"errors":[{"code":"MANIFEST_UNKNOWN"}]}');
      }
    });
    try {
      const client = createRegistryClient({
        baseUrl: registry.url,
        auth: { kind: 'token-provider', token: async () => ({ token: 'server-token', expiresIn: 300 }) },
      });
      expect(await client.getImageConfig('team/app', digest)).toMatchObject({ os: 'linux', architecture: 'arm64' });
      expect(await codeOf(() => client.getManifest('team/app', 'v1'))).toBe('ERR_REGISTRY_NOT_FOUND');
      client.close();
      expect(seen).toEqual([
        { server: 'registry', path: `/v2/team/app/blobs/${digest}`, authorization: 'Bearer server-token' },
        { server: 'storage', path: '/signed/config?sig=1', authorization: undefined },
        { server: 'registry', path: '/v2/team/app/manifests/v1', authorization: 'Bearer server-token' },
        { server: 'registry', path: '/v2/team/app/manifests/sha256-moved', authorization: 'Bearer server-token' },
      ]);
    } finally {
      await Promise.all(
        [storage, registry].map(({ server }) => new Promise<void>((resolve) => server.close(() => resolve()))),
      );
    }
  });

  it('keeps one connection for many requests: HEAD answers and bodies left unread hand it back', async () => {
    let connections = 0;
    const server = createServer((request, response) => {
      if (request.method === 'HEAD') {
        response.writeHead(200, { 'docker-content-digest': `sha256:${'a'.repeat(64)}`, 'content-length': '512' });
        response.end();
      } else {
        response.writeHead(404).end('{"errors":[{"code":"NAME_UNKNOWN"}]}');
      }
    });
    server.on('connection', () => connections++);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const client = createRegistryClient({
        baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        concurrency: 1,
      });
      for (let i = 0; i < 10; i++) {
        expect((await client.headManifest('team/app', `v${i}`))?.digest).toMatch(/^sha256:a/);
        expect(await codeOf(() => client.getManifest('team/app', `v${i}`))).toBe('ERR_REGISTRY_NOT_FOUND');
      }
      client.close();
      expect(connections).toBe(1);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it('keeps at most maxCachedTokens tokens, dropping the least recently used', async () => {
    const minted: string[] = [];
    const client = createRegistryClient({
      baseUrl: 'http://registry.invalid',
      maxCachedTokens: 2,
      auth: {
        kind: 'token-provider',
        token: async (scopes) => {
          minted.push(scopes.join(' '));
          return { token: `t${minted.length}`, expiresIn: 300 };
        },
      },
      fetch: async () => new Response('{"tags":["v1"]}'),
    });
    for (const repository of ['a', 'b', 'a', 'c', 'a', 'b']) await client.listTags(repository);
    // a is used again before c arrives, so b goes; a stays throughout.
    expect(minted).toEqual(['repository:a:pull', 'repository:b:pull', 'repository:c:pull', 'repository:b:pull']);
  });

  it('stops a paged walk whose next page repeats, leaves the registry or never ends', async () => {
    const paged = (link: (url: URL, calls: number) => string | undefined) => {
      let calls = 0;
      const client = createRegistryClient({
        baseUrl: 'http://registry.invalid',
        fetch: async (input) => {
          calls++;
          const next = link(new URL(String(input)), calls);
          const headers = next ? { link: `<${next}>; rel="next"` } : undefined;
          return new Response(JSON.stringify({ repositories: [`r${calls}`], tags: [`t${calls}`] }), { headers });
        },
      });
      return { client, calls: () => calls };
    };
    const walk = async (client: ReturnType<typeof createRegistryClient>) => {
      for await (const _ of client.catalog()) {
        // read every page
      }
    };
    const repeating = paged(() => '/v2/_catalog?n=1000&last=a');
    expect(await codeOf(() => walk(repeating.client))).toBe('ERR_REGISTRY_PROTOCOL');
    expect(repeating.calls()).toBe(2);
    const away = paged(() => 'http://elsewhere.invalid/v2/app/tags/list?last=x');
    expect(await codeOf(() => away.client.listTags('app'))).toBe('ERR_REGISTRY_PROTOCOL');
    expect(away.calls()).toBe(1);
    const endless = paged((_url, calls) => `/v2/app/tags/list?last=t${calls}`);
    expect(await codeOf(() => endless.client.listTags('app'))).toBe('ERR_REGISTRY_PROTOCOL');
    expect(endless.calls()).toBe(10_000);
    const finite = paged((_url, calls) => (calls < 3 ? `/v2/app/tags/list?last=t${calls}` : undefined));
    expect(await finite.client.listTags('app')).toEqual(['t1', 't2', 't3']);
  });

  it('refuses repository names and references that are not names', async () => {
    const client = createRegistryClient({ baseUrl: 'http://registry.invalid', fetch: async () => new Response('{}') });
    expect(await codeOf(() => client.listTags('../etc'))).toBe('ERR_REGISTRY_INVALID');
    expect(await codeOf(() => client.headManifest('ok', 'bad/ref'))).toBe('ERR_REGISTRY_INVALID');
    expect(await codeOf(() => client.deleteManifest('ok', 'latest'))).toBe('ERR_REGISTRY_INVALID');
  });

  it('refuses bodies past maxBodyBytes with ERR_REGISTRY_TOO_LARGE, announced or not, without reading them whole', async () => {
    const digest = `sha256:${'a'.repeat(64)}`;
    const announced = createRegistryClient({
      baseUrl: 'http://registry.invalid',
      maxBodyBytes: 1024,
      fetch: async () => new Response('{}', { headers: { 'content-length': String(10 * 1024 * 1024) } }),
    });
    expect(await codeOf(() => announced.getManifest('team/app', 'v1'))).toBe('ERR_REGISTRY_TOO_LARGE');
    // An endless body without Content-Length: reading stops at the limit.
    let sent = 0;
    const endless = () =>
      new Response(
        new ReadableStream({
          pull(controller) {
            sent += 4096;
            controller.enqueue(new Uint8Array(4096).fill(0x20));
          },
        }),
      );
    const streamed = createRegistryClient({
      baseUrl: 'http://registry.invalid',
      maxBodyBytes: 64 * 1024,
      fetch: async () => endless(),
    });
    expect(await codeOf(() => streamed.getImageConfig('team/app', digest))).toBe('ERR_REGISTRY_TOO_LARGE');
    expect(await codeOf(() => streamed.getManifest('team/app', digest))).toBe('ERR_REGISTRY_TOO_LARGE');
    expect(await codeOf(() => streamed.listTags('team/app'))).toBe('ERR_REGISTRY_TOO_LARGE');
    expect(sent).toBeLessThan(3 * (64 * 1024 + 3 * 4096));
    // Within the limit, bodies read as before.
    const small = createRegistryClient({
      baseUrl: 'http://registry.invalid',
      maxBodyBytes: 64,
      fetch: async () => new Response('{"name":"team/app","tags":["v1"]}'),
    });
    expect(await small.listTags('team/app')).toEqual(['v1']);
  });

  it('refuses storage blobs past maxBodyBytes with ERR_REGISTRY_TOO_LARGE', async () => {
    const root = await mkdtemp(join(tmpdir(), 'ra-storage-'));
    const content = Buffer.alloc(8192, 0x20);
    const hex = createHash('sha256').update(content).digest('hex');
    const v2 = join(root, 'docker/registry/v2');
    await mkdir(join(v2, 'blobs/sha256', hex.slice(0, 2), hex), { recursive: true });
    await writeFile(join(v2, 'blobs/sha256', hex.slice(0, 2), hex, 'data'), content);
    await mkdir(join(v2, 'repositories/team/app/_layers/sha256', hex), { recursive: true });
    await writeFile(join(v2, 'repositories/team/app/_layers/sha256', hex, 'link'), `sha256:${hex}`);
    const reader = createStorageReader({ rootDirectory: root, maxBodyBytes: 4096 });
    expect(await codeOf(() => reader.getImageConfig('team/app', `sha256:${hex}`))).toBe('ERR_REGISTRY_TOO_LARGE');
    await rm(root, { recursive: true, force: true });
  });

  it('keeps at most `concurrency` requests in flight', async () => {
    let inFlight = 0;
    let peak = 0;
    const client = createRegistryClient({
      baseUrl: 'http://registry.invalid',
      concurrency: 3,
      fetch: async () => {
        inFlight++;
        peak = Math.max(peak, inFlight);
        await new Promise((resolve) => setTimeout(resolve, 5));
        inFlight--;
        return new Response('{"tags":["a"]}');
      },
    });
    await Promise.all(Array.from({ length: 20 }, () => client.listTags('repo')));
    expect(peak).toBe(3);
  });
});

describeE2E('registry client against the real registry', () => {
  let registry: RunningRegistry;
  let noDelete: RunningRegistry;
  let oci: OciImage;
  let artifact: OciImage;
  let multi: OciIndex;

  beforeAll(async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ra-client-'));
    [registry, noDelete] = await Promise.all([
      startRegistry({ deleteEnabled: true }),
      startRegistry({ deleteEnabled: false }),
    ]);
    oci = await buildOciImage(join(dir, 'oci'), { tag: 'v1', seed: 'oci' });
    artifact = await buildOciImage(join(dir, 'artifact'), {
      tag: 'v1',
      seed: 'artifact',
      layers: 1,
      configMediaType: 'application/vnd.example.unknown.config+json',
    });
    multi = await buildOciIndex(join(dir, 'multi'), {
      tag: 'v1',
      platforms: [
        { os: 'linux', architecture: 'amd64' },
        { os: 'linux', architecture: 'arm64', variant: 'v8' },
      ],
      attestation: true,
    });
    // One after another: two uploads of the same blobs into one repository at once can race in the registry.
    const pushes = [
      () => copyToRegistry(oci.dir, 'v1', `${registry.host}/team/oci:v1`),
      () => copyToRegistry(oci.dir, 'v1', `${registry.host}/team/oci:v2`),
      () => copyToRegistry(oci.dir, 'v1', `${registry.host}/team/docker:v1`, undefined, ['--format', 'v2s2']),
      () => copyToRegistry(artifact.dir, 'v1', `${registry.host}/team/artifact:v1`),
      () => copyToRegistry(multi.dir, 'v1', `${registry.host}/team/multi:v1`, undefined, ['--all']),
      () => copyToRegistry(oci.dir, 'v1', `${noDelete.host}/kept/oci:v1`),
    ];
    for (const push of pushes) {
      const result = await push();
      expect(result.code, result.stderr).toBe(0);
    }
  });
  afterAll(async () => {
    await registry?.stop();
    await noDelete?.stop();
  });

  it('pages the catalog and lists tags', async () => {
    const client = createRegistryClient({ baseUrl: registry.url });
    const repositories: string[] = [];
    for await (const repository of client.catalog({ pageSize: 2 })) repositories.push(repository);
    expect(repositories.sort()).toEqual(['team/artifact', 'team/docker', 'team/multi', 'team/oci']);
    expect((await client.listTags('team/oci')).sort()).toEqual(['v1', 'v2']);
    expect(await codeOf(() => client.listTags('team/missing'))).toBe('ERR_REGISTRY_NOT_FOUND');
  });

  it('reads OCI and Docker schema 2 manifests with their digests and media types', async () => {
    const client = createRegistryClient({ baseUrl: registry.url });
    const head = await client.headManifest('team/oci', 'v1');
    expect(head).toMatchObject({ digest: oci.manifestDigest, mediaType: MEDIA_TYPES.ociManifest });
    const manifest = await client.getManifest('team/oci', 'v1');
    expect(manifest.digest).toBe(oci.manifestDigest);
    expect(manifest.manifest.kind).toBe('image');
    const docker = await client.getManifest('team/docker', 'v1');
    expect(docker.mediaType).toBe(MEDIA_TYPES.dockerManifest);
    expect(docker.digest).not.toBe(oci.manifestDigest);
    expect(await client.headManifest('team/oci', 'nope')).toBeUndefined();
    const config = await client.getImageConfig('team/oci', oci.configDigest);
    expect(config).toMatchObject({ architecture: 'amd64', os: 'linux' });
    expect(config.config?.Env).toContain('SEED=oci');
    expect(config.config?.ExposedPorts).toHaveProperty('8080/tcp');
  });

  it('reads an image index with its platforms and tells attestations apart', async () => {
    const client = createRegistryClient({ baseUrl: registry.url });
    const index = await client.getManifest('team/multi', 'v1');
    expect(index.digest).toBe(multi.indexDigest);
    expect(index.manifest.kind).toBe('index');
    if (index.manifest.kind !== 'index') return;
    const children = index.manifest.value.manifests;
    expect(children.filter((child) => !isAttestation(child)).map((child) => child.platform)).toEqual([
      { os: 'linux', architecture: 'amd64' },
      { os: 'linux', architecture: 'arm64', variant: 'v8' },
    ]);
    expect(children.filter((child) => isAttestation(child)).map((child) => child.digest)).toEqual([
      multi.attestationDigest,
    ]);
    const arm = await client.getManifest('team/multi', multi.platforms[1]?.manifestDigest ?? '');
    expect(arm.manifest.kind).toBe('image');
  });

  it('reads an artifact with an unknown config media type', async () => {
    const client = createRegistryClient({ baseUrl: registry.url });
    const manifest = await client.getManifest('team/artifact', 'v1');
    expect(manifest.manifest.kind === 'image' && manifest.manifest.value.config.mediaType).toBe(
      'application/vnd.example.unknown.config+json',
    );
  });

  it('reads the same from the registry storage as over HTTP', async () => {
    const client = createRegistryClient({ baseUrl: registry.url });
    const storage = createStorageReader({ rootDirectory: join(registry.dir, 'data') });
    const listed = async (source: RegistrySource) => {
      const names: string[] = [];
      for await (const name of source.catalog()) names.push(name);
      return names;
    };
    const repositories = await listed(storage);
    expect(repositories).toEqual(await listed(client));
    for (const repository of repositories) {
      const tags = (await storage.listTags(repository)).sort();
      expect(tags).toEqual((await client.listTags(repository)).sort());
      for (const tag of tags) {
        expect(await storage.headManifest(repository, tag)).toEqual(await client.headManifest(repository, tag));
        const [fromStorage, overHttp] = await Promise.all([
          storage.getManifest(repository, tag),
          client.getManifest(repository, tag),
        ]);
        expect({ ...fromStorage, raw: fromStorage.raw.toString() }).toEqual({
          ...overHttp,
          raw: overHttp.raw.toString(),
        });
        // Conditional: unchanged for the digest the tag points at, the manifest for any other.
        const stale = `sha256:${'0'.repeat(64)}`;
        for (const source of [storage, client]) {
          expect(await source.manifestIfChanged(repository, tag, overHttp.digest)).toBe('unchanged');
          expect(await source.manifestIfChanged(repository, tag, stale)).toMatchObject({ digest: overHttp.digest });
          expect(await source.manifestIfChanged(repository, 'no-such-tag', stale)).toBeUndefined();
        }
        if (fromStorage.manifest.kind === 'image') {
          const config = fromStorage.manifest.value.config.digest;
          expect(await storage.getImageConfig(repository, config)).toEqual(
            await client.getImageConfig(repository, config),
          );
        }
      }
    }
    const child = multi.platforms[1]?.manifestDigest ?? '';
    expect((await storage.getManifest('team/multi', child)).digest).toBe(child);
    expect(await storage.headManifest('team/oci', 'nope')).toBeUndefined();
    // A manifest or blob another repository holds is not this repository's.
    expect(await storage.headManifest('team/artifact', oci.manifestDigest)).toBeUndefined();
    expect(await codeOf(() => storage.getImageConfig('team/artifact', oci.configDigest))).toBe(
      'ERR_REGISTRY_NOT_FOUND',
    );
    expect(await codeOf(() => storage.listTags('team/missing'))).toBe('ERR_REGISTRY_NOT_FOUND');
    expect(await codeOf(() => storage.listTags('../../etc'))).toBe('ERR_REGISTRY_INVALID');
    expect(await codeOf(() => storage.getManifest('team/oci', '../v1'))).toBe('ERR_REGISTRY_INVALID');
    const empty = createStorageReader({ rootDirectory: join(registry.dir, 'no-such-dir') });
    expect(await listed(empty)).toEqual([]);
  });

  it('deletes by digest, and names storage.delete.enabled when deletes are off', async () => {
    const client = createRegistryClient({ baseUrl: registry.url });
    await client.deleteManifest('team/oci', oci.manifestDigest);
    expect(await client.headManifest('team/oci', 'v1')).toBeUndefined();
    expect(await client.headManifest('team/oci', 'v2')).toBeUndefined();
    const storage = createStorageReader({ rootDirectory: join(registry.dir, 'data') });
    expect(await storage.headManifest('team/oci', 'v1')).toBeUndefined();
    expect(await codeOf(() => storage.getManifest('team/oci', oci.manifestDigest))).toBe('ERR_REGISTRY_NOT_FOUND');
    const kept = createRegistryClient({ baseUrl: noDelete.url });
    const error = await kept.deleteManifest('kept/oci', oci.manifestDigest).catch((e: unknown) => e as RegistryError);
    expect((error as RegistryError).code).toBe('ERR_REGISTRY_DELETE_DISABLED');
    expect((error as RegistryError).message).toContain('storage.delete.enabled');
  });

  it("runs the README's example against the real registry and prints what the README says", async () => {
    process.env.REGISTRY_URL = noDelete.url;
    try {
      const run = await runReadmeExample(
        new URL('../README.md', import.meta.url),
        { '@registry-admin/registry-client': new URL('../src/index.ts', import.meta.url) },
        (file) => import(file),
      );
      expect(run.printed).toBe(run.expected);
    } finally {
      delete process.env.REGISTRY_URL;
    }
  });
});

describeE2E('registry client with token authentication', () => {
  let registry: RunningRegistry;
  let tokenServer: Server;
  let issuer: ReturnType<typeof createTokenIssuer>;
  let minted = 0;

  beforeAll(async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ra-client-auth-'));
    const certs = await generateCertificateSet();
    await writeFile(join(dir, 'ca.crt'), certs.certificatePem);
    issuer = createTokenIssuer({
      privateKey: certs.privateKey,
      certificateChain: certs.chainPem,
      issuer: 'test-issuer',
      audience: 'test-service',
      ttlSeconds: 300,
    });
    // A minimal token server: grants what is asked to user "robot" with password "secret".
    tokenServer = createServer(async (request, response) => {
      const url = new URL(request.url ?? '/', 'http://localhost');
      if (request.headers.authorization !== `Basic ${Buffer.from('robot:secret').toString('base64')}`) {
        response.writeHead(401).end();
        return;
      }
      const issued = await issuer.issue({ subject: 'robot', access: parseScopes(url.searchParams.getAll('scope')) });
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(issued));
    });
    await new Promise<void>((resolve) => tokenServer.listen(0, '127.0.0.1', () => resolve()));
    const realm = `http://127.0.0.1:${(tokenServer.address() as AddressInfo).port}/token`;
    registry = await startRegistry({
      auth: { realm, service: 'test-service', issuer: 'test-issuer', rootcertbundle: join(dir, 'ca.crt') },
    });
    const image = await buildOciImage(join(dir, 'img'), { tag: 'v1', seed: 'auth' });
    const pushed = await copyToRegistry(image.dir, 'v1', `${registry.host}/secured/app:v1`, {
      username: 'robot',
      password: 'secret',
    });
    expect(pushed.code, pushed.stderr).toBe(0);
  });
  afterAll(async () => {
    await registry?.stop();
    await new Promise<void>((resolve) => tokenServer?.close(() => resolve()));
  });

  it('mints its own tokens through a provider and caches them per scope', async () => {
    const client = createRegistryClient({
      baseUrl: registry.url,
      auth: {
        kind: 'token-provider',
        async token(scopes) {
          minted++;
          const { token, expires_in } = await issuer.issue({ subject: 'indexer', access: parseScopes([...scopes]) });
          return { token, expiresIn: expires_in };
        },
      },
    });
    for (let i = 0; i < 5; i++) expect(await client.listTags('secured/app')).toEqual(['v1']);
    expect(minted).toBe(1);
    const repositories: string[] = [];
    for await (const repository of client.catalog()) repositories.push(repository);
    expect(repositories).toEqual(['secured/app']);
    expect(minted).toBe(2);
  });

  it('follows the Bearer challenge with Basic credentials, and reports refused credentials', async () => {
    const client = createRegistryClient({
      baseUrl: registry.url,
      auth: { kind: 'challenge', username: 'robot', password: 'secret' },
    });
    expect((await client.headManifest('secured/app', 'v1'))?.digest).toMatch(/^sha256:/);
    const wrong = createRegistryClient({
      baseUrl: registry.url,
      auth: { kind: 'challenge', username: 'robot', password: 'nope' },
    });
    expect(await codeOf(() => wrong.listTags('secured/app'))).toBe('ERR_REGISTRY_UNAUTHORIZED');
    const anonymous = createRegistryClient({ baseUrl: registry.url });
    expect(await codeOf(() => anonymous.listTags('secured/app'))).toBe('ERR_REGISTRY_UNAUTHORIZED');
  });
});
