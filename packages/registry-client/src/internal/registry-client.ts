/**
 * A Registry HTTP API V2 client: catalog and tag paging, manifests of every media type, config blobs, deletes.
 * Tokens come from a provider (a server minting its own, no 401 round trip) or from the registry's challenge with
 * Basic credentials, and are cached per scope until shortly before they expire. Requests are bounded in number,
 * time out, and GETs/HEADs are retried with backoff on 5xx and network errors. Bodies are read up to `maxBodyBytes`
 * (a manifest or config larger than that is refused, not buffered: whoever may push must not be able to exhaust the
 * reader's memory).
 */
import { RegistryError } from './errors';
import {
  checkReference,
  checkRepository,
  type FetchedManifest,
  type ManifestHead,
  parseImageConfig,
  parseManifest,
} from './parse';
import { type ImageConfig, MANIFEST_ACCEPT } from './schemas';

export type { FetchedManifest, ManifestHead } from './parse';

export type RegistryAuth =
  | { kind: 'none' }
  /** Mints tokens directly (e.g. with @registry-admin/token-service); `expiresIn` in seconds. */
  | { kind: 'token-provider'; token(scopes: readonly string[]): Promise<{ token: string; expiresIn: number }> }
  /** Follows the registry's Bearer challenge to its realm with these Basic credentials. */
  | { kind: 'challenge'; username?: string; password?: string }
  /** HTTP Basic on every request: a registry that authenticates with an htpasswd file. */
  | { kind: 'basic'; username: string; password: string };

export interface RegistryClientOptions {
  /** e.g. http://127.0.0.1:5000 */
  baseUrl: string;
  auth?: RegistryAuth;
  timeoutMs?: number;
  retries?: number;
  /** Requests in flight at once. */
  concurrency?: number;
  fetch?: typeof fetch;
  /** Backoff base in ms (doubles per retry). */
  backoffMs?: number;
  /** The largest manifest, config blob or JSON answer read, in bytes (default 4 MiB, the registry's manifest limit). */
  maxBodyBytes?: number;
}

/** The registry's own limit on manifest size (distribution refuses larger manifests on push). */
export const DEFAULT_MAX_BODY_BYTES = 4 * 1024 * 1024;

/** Parses `Bearer realm="…",service="…",scope="…"`. */
export function parseChallenge(header: string | null): Record<string, string> | undefined {
  if (!header || !/^Bearer\s/i.test(header)) return undefined;
  const params: Record<string, string> = {};
  for (const match of header.slice(7).matchAll(/([a-zA-Z_]+)="([^"]*)"/g)) {
    params[(match[1] as string).toLowerCase()] = match[2] as string;
  }
  return params;
}

/** The `next` URL of a `Link: <…>; rel="next"` header, resolved against the base. */
/** More pages than any real catalog or tag list has (10 million entries at the registry's largest page). */
const MAX_PAGES = 10_000;

/**
 * The next page of a paged list, from the `Link` header. It must stay on the registry (credentials go with it), must
 * not repeat a page already read, and the pages are counted: a broken or hostile registry cannot keep a walk going.
 */
function nextLink(header: string | null, base: string, seen: Set<string>, what: string): string | undefined {
  const match = header ? /<([^>]+)>\s*;\s*rel="?next"?/.exec(header) : null;
  if (!match?.[1]) return undefined;
  const next = new URL(match[1], base);
  if (next.origin !== new URL(base).origin) {
    throw new RegistryError('ERR_REGISTRY_PROTOCOL', `${what}: the next page points away from the registry`);
  }
  const url = next.toString();
  if (seen.has(url)) throw new RegistryError('ERR_REGISTRY_PROTOCOL', `${what}: the next page repeats a page`);
  if (seen.size >= MAX_PAGES) throw new RegistryError('ERR_REGISTRY_PROTOCOL', `${what}: more than ${MAX_PAGES} pages`);
  seen.add(url);
  return url;
}

export interface RegistryClient {
  ping(): Promise<void>;
  catalog(options?: { pageSize?: number }): AsyncGenerator<string>;
  listTags(repository: string): Promise<string[]>;
  headManifest(repository: string, reference: string): Promise<ManifestHead | undefined>;
  getManifest(repository: string, reference: string): Promise<FetchedManifest>;
  getImageConfig(repository: string, digest: string): Promise<ImageConfig>;
  deleteManifest(repository: string, digest: string): Promise<void>;
}

/**
 * @example
 * const client = createRegistryClient({ baseUrl: 'http://127.0.0.1:5000' });
 * for await (const repository of client.catalog()) console.log(repository, await client.listTags(repository));
 */
export function createRegistryClient(options: RegistryClientOptions): RegistryClient {
  const base = options.baseUrl.replace(/\/+$/, '');
  const auth = options.auth ?? { kind: 'none' };
  const doFetch = options.fetch ?? fetch;
  const timeoutMs = options.timeoutMs ?? 10_000;
  const retries = options.retries ?? 3;
  const backoffMs = options.backoffMs ?? 100;
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const tokens = new Map<string, { token: string; validUntil: number }>();

  // Bounded concurrency: a counting semaphore handing slots straight to waiters.
  const limit = Math.max(1, options.concurrency ?? 8);
  let active = 0;
  const queue: Array<() => void> = [];
  async function withSlot<T>(run: () => Promise<T>): Promise<T> {
    if (active >= limit) await new Promise<void>((resolve) => queue.push(resolve));
    else active++;
    try {
      return await run();
    } finally {
      const next = queue.shift();
      if (next) next();
      else active--;
    }
  }

  const basicAuthorization =
    auth.kind === 'basic' ? `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}` : undefined;

  async function tokenFor(scopes: readonly string[], challenge?: Record<string, string>): Promise<string | undefined> {
    if (auth.kind === 'none' || auth.kind === 'basic') return undefined;
    const key = [...scopes].sort().join(' ');
    const cached = tokens.get(key);
    if (cached && cached.validUntil > Date.now() && !challenge) return cached.token;
    let token: string;
    let expiresIn: number;
    if (auth.kind === 'token-provider') {
      ({ token, expiresIn } = await auth.token(scopes));
    } else {
      if (!challenge?.realm) return cached?.token;
      const url = new URL(challenge.realm);
      if (challenge.service) url.searchParams.set('service', challenge.service);
      for (const scope of scopes) url.searchParams.append('scope', scope);
      const headers: Record<string, string> = {};
      if (auth.username !== undefined) {
        headers.authorization = `Basic ${Buffer.from(`${auth.username}:${auth.password ?? ''}`).toString('base64')}`;
      }
      const response = await doFetch(url, { headers, signal: AbortSignal.timeout(timeoutMs) });
      if (response.status === 401)
        throw new RegistryError('ERR_REGISTRY_UNAUTHORIZED', 'the token server refused the credentials', {
          status: 401,
        });
      if (!response.ok)
        throw new RegistryError('ERR_REGISTRY_UNAVAILABLE', `token server answered ${response.status}`, {
          status: response.status,
        });
      const body = await readJson<{ token?: string; access_token?: string; expires_in?: number }>(
        response,
        'token answer',
      );
      token = body.token ?? body.access_token ?? '';
      expiresIn = Math.max(60, body.expires_in ?? 60);
      if (!token) throw new RegistryError('ERR_REGISTRY_PROTOCOL', 'the token server sent no token');
    }
    // Renew shortly before expiry: a token must not run out in the middle of a request.
    tokens.set(key, { token, validUntil: Date.now() + Math.max(10, expiresIn - 30) * 1000 });
    return token;
  }

  async function request(
    method: 'GET' | 'HEAD' | 'DELETE',
    url: string,
    scopes: readonly string[],
    headers: Record<string, string> = {},
  ): Promise<Response> {
    return withSlot(async () => {
      let challenge: Record<string, string> | undefined;
      for (let attempt = 0; ; attempt++) {
        const token = await tokenFor(scopes, challenge);
        let response: Response;
        try {
          response = await doFetch(url, {
            method,
            headers: {
              ...headers,
              ...(token ? { authorization: `Bearer ${token}` } : {}),
              ...(basicAuthorization ? { authorization: basicAuthorization } : {}),
            },
            signal: AbortSignal.timeout(timeoutMs),
            redirect: 'follow',
          });
        } catch (error) {
          const timedOut = (error as Error).name === 'TimeoutError';
          if (attempt < retries) {
            await sleep(backoffMs * 2 ** attempt);
            continue;
          }
          throw new RegistryError(
            timedOut ? 'ERR_REGISTRY_TIMEOUT' : 'ERR_REGISTRY_UNAVAILABLE',
            `${method} ${new URL(url).pathname}: ${timedOut ? 'timed out' : networkReason(error)}`,
            { cause: error },
          );
        }
        if (response.status === 401 && auth.kind === 'challenge' && !challenge) {
          challenge = parseChallenge(response.headers.get('www-authenticate'));
          await response.body?.cancel();
          if (challenge) continue;
        }
        if (response.status >= 500 && attempt < retries) {
          await response.body?.cancel();
          await sleep(backoffMs * 2 ** attempt);
          continue;
        }
        return response;
      }
    });
  }

  /** The body, refused with ERR_REGISTRY_TOO_LARGE past maxBodyBytes (announced or counted while reading). */
  async function readBody(response: Response, what: string): Promise<Buffer> {
    const tooLarge = () =>
      new RegistryError('ERR_REGISTRY_TOO_LARGE', `${what} is larger than ${maxBodyBytes} bytes`, {
        status: response.status,
      });
    const announced = Number(response.headers.get('content-length') ?? Number.NaN);
    if (announced > maxBodyBytes) {
      await response.body?.cancel();
      throw tooLarge();
    }
    if (!response.body) return Buffer.alloc(0);
    const chunks: Buffer[] = [];
    let total = 0;
    const reader = response.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.byteLength;
      if (total > maxBodyBytes) {
        await reader.cancel();
        throw tooLarge();
      }
      chunks.push(Buffer.from(value.buffer, value.byteOffset, value.byteLength));
    }
    return Buffer.concat(chunks, total);
  }

  async function readJson<T>(response: Response, what: string): Promise<T> {
    const raw = await readBody(response, what);
    try {
      return JSON.parse(raw.toString('utf8')) as T;
    } catch (error) {
      throw new RegistryError('ERR_REGISTRY_PROTOCOL', `${what} is not JSON`, { cause: error });
    }
  }

  async function fail(response: Response, what: string): Promise<never> {
    const text = await readBody(response, what).then(
      (raw) => raw.toString('utf8'),
      () => '',
    );
    const status = response.status;
    if (status === 404) throw new RegistryError('ERR_REGISTRY_NOT_FOUND', `${what}: not found`, { status });
    if (status === 401) throw new RegistryError('ERR_REGISTRY_UNAUTHORIZED', `${what}: unauthorized`, { status });
    if (status === 403) throw new RegistryError('ERR_REGISTRY_DENIED', `${what}: denied`, { status });
    if (status === 405 && /UNSUPPORTED/.test(text)) {
      throw new RegistryError(
        'ERR_REGISTRY_DELETE_DISABLED',
        `${what}: the registry does not allow deletes (set storage.delete.enabled: true)`,
        { status },
      );
    }
    if (status >= 500)
      throw new RegistryError('ERR_REGISTRY_UNAVAILABLE', `${what}: registry answered ${status}`, { status });
    throw new RegistryError('ERR_REGISTRY_PROTOCOL', `${what}: unexpected ${status}`, { status });
  }

  const pull = (repository: string) => [`repository:${repository}:pull`];

  return {
    async ping() {
      const response = await request('GET', `${base}/v2/`, []);
      await response.body?.cancel();
      if (!response.ok) await fail(response, 'GET /v2/');
    },

    async *catalog(catalogOptions = {}) {
      const pageSize = Math.min(1000, Math.max(1, catalogOptions.pageSize ?? 1000));
      let url: string | undefined = `${base}/v2/_catalog?n=${pageSize}`;
      const seen = new Set([url]);
      while (url) {
        const response = await request('GET', url, ['registry:catalog:*']);
        if (!response.ok) await fail(response, 'catalog');
        const body = await readJson<{ repositories?: string[] | null }>(response, 'catalog');
        for (const repository of body.repositories ?? []) yield repository;
        url = nextLink(response.headers.get('link'), base, seen, 'catalog');
      }
    },

    async listTags(repository) {
      checkRepository(repository);
      const tags: string[] = [];
      let url: string | undefined = `${base}/v2/${repository}/tags/list`;
      const seen = new Set([url]);
      while (url) {
        const response = await request('GET', url, pull(repository));
        if (!response.ok) await fail(response, `tags of ${repository}`);
        const body = await readJson<{ tags?: string[] | null }>(response, `tags of ${repository}`);
        tags.push(...(body.tags ?? []));
        url = nextLink(response.headers.get('link'), base, seen, `tags of ${repository}`);
      }
      return tags;
    },

    async headManifest(repository, reference) {
      const url = `${base}/v2/${checkRepository(repository)}/manifests/${checkReference(reference)}`;
      const response = await request('HEAD', url, pull(repository), { accept: MANIFEST_ACCEPT });
      if (response.status === 404) return undefined;
      if (!response.ok) await fail(response, `manifest ${repository}:${reference}`);
      const digest = response.headers.get('docker-content-digest');
      if (!digest) throw new RegistryError('ERR_REGISTRY_PROTOCOL', 'HEAD manifest without Docker-Content-Digest');
      return {
        digest,
        mediaType: (response.headers.get('content-type') ?? '').split(';')[0]?.trim() ?? '',
        size: Number(response.headers.get('content-length') ?? 0),
      };
    },

    async getManifest(repository, reference) {
      const url = `${base}/v2/${checkRepository(repository)}/manifests/${checkReference(reference)}`;
      const response = await request('GET', url, pull(repository), { accept: MANIFEST_ACCEPT });
      if (!response.ok) await fail(response, `manifest ${repository}:${reference}`);
      const raw = await readBody(response, `manifest ${repository}:${reference}`);
      const stated = response.headers.get('docker-content-digest');
      const headerType = (response.headers.get('content-type') ?? '').split(';')[0]?.trim();
      return parseManifest(raw, stated, headerType, `${repository}:${reference}`);
    },

    async getImageConfig(repository, digest) {
      const url = `${base}/v2/${checkRepository(repository)}/blobs/${checkReference(digest)}`;
      const response = await request('GET', url, pull(repository));
      if (!response.ok) await fail(response, `blob ${digest}`);
      const raw = await readBody(response, `blob ${digest}`);
      return parseImageConfig(raw, digest);
    },

    async deleteManifest(repository, digest) {
      if (!/^[a-z0-9]+:/.test(digest))
        throw new RegistryError('ERR_REGISTRY_INVALID', 'delete needs a digest, not a tag');
      const url = `${base}/v2/${checkRepository(repository)}/manifests/${checkReference(digest)}`;
      const response = await request('DELETE', url, [`repository:${repository}:delete`]);
      if (response.status !== 202 && response.status !== 200) await fail(response, `delete ${repository}@${digest}`);
      await response.body?.cancel();
    },
  };
}

/**
 * Why a request never got an answer, without the stack or the resolved address: fetch says only "fetch failed", the
 * system error code (ECONNREFUSED, ENOTFOUND, ECONNRESET…) in its cause is what an operator can act on.
 */
function networkReason(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const code = (error as { cause?: { code?: unknown } } | undefined)?.cause?.code;
  return typeof code === 'string' && /^[A-Z0-9_]{1,40}$/.test(code) ? `${message} (${code})` : message;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
