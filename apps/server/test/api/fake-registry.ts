/**
 * A minimal registry HTTP API (catalog, tag lists, manifests and blobs by tag or digest) on 127.0.0.1:0, for API tests that need to count
 * the requests the server makes and how many were in flight at once. Authorization headers are ignored.
 */
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';

export interface FakeRegistry {
  /** e.g. http://127.0.0.1 (the port is separate, as --registry.port). */
  host: string;
  port: number;
  /** `METHOD path` of every request, in arrival order. */
  requests: string[];
  /** The most requests in flight at once. */
  maxInFlight: number;
  /** Forgets the requests seen so far and the most in flight, to count one step of a test on its own. */
  resetCounts(): void;
  /** Stores a manifest under its digest (and a tag when given); returns the digest. */
  putManifest(repository: string, manifest: unknown, tag?: string): string;
  /** Stores a blob; returns its digest. */
  putBlob(repository: string, content: Buffer | string): string;
  close(): Promise<void>;
}

const digestOf = (data: Buffer) => `sha256:${createHash('sha256').update(data).digest('hex')}`;

export async function startFakeRegistry(): Promise<FakeRegistry> {
  const manifests = new Map<string, { body: Buffer; mediaType: string; digest: string }>();
  const blobs = new Map<string, Buffer>();
  const tags = new Map<string, Set<string>>();
  let inFlight = 0;
  const state = { requests: [] as string[], maxInFlight: 0 };

  const handle = (request: IncomingMessage, response: ServerResponse) => {
    const path = new URL(request.url ?? '/', 'http://registry').pathname;
    state.requests.push(`${request.method} ${path}`);
    inFlight++;
    state.maxInFlight = Math.max(state.maxInFlight, inFlight);
    response.on('close', () => inFlight--);
    // Answered on a later turn, so that requests the server sends together are in flight together.
    setImmediate(() => {
      const manifest = /^\/v2\/(.+)\/manifests\/([^/]+)$/.exec(path);
      const blob = /^\/v2\/(.+)\/blobs\/([^/]+)$/.exec(path);
      const tagList = /^\/v2\/(.+)\/tags\/list$/.exec(path);
      if (path === '/v2/') {
        response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      } else if (path === '/v2/_catalog') {
        const repositories = [...tags.keys()].sort();
        response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ repositories }));
      } else if (tagList) {
        const name = tagList[1] as string;
        const found = tags.get(name);
        if (!found) return void response.writeHead(404).end('{"errors":[{"code":"NAME_UNKNOWN"}]}');
        response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ name, tags: [...found] }));
      } else if (manifest) {
        const found = manifests.get(`${manifest[1]}@${manifest[2]}`);
        if (!found) return void response.writeHead(404).end('{"errors":[{"code":"MANIFEST_UNKNOWN"}]}');
        response.writeHead(200, {
          'content-type': found.mediaType,
          'docker-content-digest': found.digest,
          'content-length': String(found.body.length),
        });
        response.end(request.method === 'HEAD' ? undefined : found.body);
      } else if (blob) {
        const found = blobs.get(`${blob[1]}@${blob[2]}`);
        if (!found) return void response.writeHead(404).end('{"errors":[{"code":"BLOB_UNKNOWN"}]}');
        response.writeHead(200, { 'content-type': 'application/octet-stream' }).end(found);
      } else {
        response.writeHead(404).end();
      }
    });
  };
  const server = createServer(handle);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };

  return {
    host: 'http://127.0.0.1',
    port,
    get requests() {
      return state.requests;
    },
    get maxInFlight() {
      return state.maxInFlight;
    },
    resetCounts() {
      state.requests = [];
      state.maxInFlight = 0;
    },
    putManifest(repository, manifest, tag) {
      const body = Buffer.from(JSON.stringify(manifest));
      const mediaType = (manifest as { mediaType?: string }).mediaType ?? 'application/vnd.oci.image.manifest.v1+json';
      const digest = digestOf(body);
      const entry = { body, mediaType, digest };
      manifests.set(`${repository}@${digest}`, entry);
      if (tag) {
        manifests.set(`${repository}@${tag}`, entry);
        tags.set(repository, (tags.get(repository) ?? new Set()).add(tag));
      }
      return digest;
    },
    putBlob(repository, content) {
      const body = Buffer.from(content);
      const digest = digestOf(body);
      blobs.set(`${repository}@${digest}`, body);
      return digest;
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
