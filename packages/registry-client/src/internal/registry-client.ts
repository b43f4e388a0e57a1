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
import { type Answer, fetchTransport, nodeTransport, type TlsOptions } from './transport';

export type { FetchedManifest, ManifestHead } from './parse';
export type { TlsOptions } from './transport';

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
  /** Sends the requests instead of node:http(s) (then `tls` is up to it). */
  fetch?: typeof fetch;
  /** For an https registry: the certificates to trust, or none checked. */
  tls?: TlsOptions;
  /** Tokens kept, one per set of scopes (default 1,000): past that, expired ones go, then the least recently used. */
  maxCachedTokens?: number;
  /** The User-Agent of every request (the registry logs it; default `registry-client`). */
  userAgent?: string;
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
  /**
   * The manifest `reference` points at, unless that is still `digest` ('unchanged'); undefined when there is none.
   * With a digest, one conditional GET (`If-None-Match`): an unchanged tag costs the registry less than a HEAD, and it
   * reports no pull for it.
   */
  manifestIfChanged(
    repository: string,
    reference: string,
    digest?: string,
  ): Promise<FetchedManifest | 'unchanged' | undefined>;
  getImageConfig(repository: string, digest: string): Promise<ImageConfig>;
  deleteManifest(repository: string, digest: string): Promise<void>;
  /** Closes the connections kept open to the registry. */
  close(): void;
}

/**
 * @example
 * const client = createRegistryClient({ baseUrl: 'http://127.0.0.1:5000' });
 * for await (const repository of client.catalog()) console.log(repository, await client.listTags(repository));
 */
export function createRegistryClient(options: RegistryClientOptions): RegistryClient {
  const base = options.baseUrl.replace(/\/+$/, '');
  const auth = options.auth ?? { kind: 'none' };
  const transport = options.fetch ? fetchTransport(options.fetch) : nodeTransport(options.tls);
  const timeoutMs = options.timeoutMs ?? 10_000;
  const retries = options.retries ?? 3;
  const backoffMs = options.backoffMs ?? 100;
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const userAgent = options.userAgent ?? 'registry-client';
  // Per set of scopes, least recently used first (a hit moves its entry to the end).
  const tokens = new Map<string, { token: string; validUntil: number }>();
  const maxCachedTokens = Math.max(1, options.maxCachedTokens ?? 1000);

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
    if (cached && cached.validUntil > Date.now() && !challenge) {
      tokens.delete(key);
      tokens.set(key, cached);
      return cached.token;
    }
    let token: string;
    let expiresIn: number;
    if (auth.kind === 'token-provider') {
      ({ token, expiresIn } = await auth.token(scopes));
    } else {
      if (!challenge?.realm) return cached?.token;
      const url = new URL(challenge.realm);
      if (challenge.service) url.searchParams.set('service', challenge.service);
      for (const scope of scopes) url.searchParams.append('scope', scope);
      const headers: Record<string, string> = { 'user-agent': userAgent };
      if (auth.username !== undefined) {
        headers.authorization = `Basic ${Buffer.from(`${auth.username}:${auth.password ?? ''}`).toString('base64')}`;
      }
      const deadline = startDeadline(timeoutMs);
      let body: { token?: string; access_token?: string; expires_in?: number };
      try {
        const answer = await transport
          .send(url.toString(), { method: 'GET', headers, signal: deadline.signal })
          .catch((error: unknown) => {
            throw unanswered('GET', url.toString(), error, deadline.expired);
          });
        body = await tokenAnswer(answer);
      } finally {
        deadline.clear();
      }
      token = body.token ?? body.access_token ?? '';
      expiresIn = Math.max(60, body.expires_in ?? 60);
      if (!token) throw new RegistryError('ERR_REGISTRY_PROTOCOL', 'the token server sent no token');
    }
    // Renew shortly before expiry: a token must not run out in the middle of a request.
    tokens.delete(key);
    tokens.set(key, { token, validUntil: Date.now() + Math.max(10, expiresIn - 30) * 1000 });
    if (tokens.size > maxCachedTokens) {
      const now = Date.now();
      for (const [scope, entry] of tokens) if (entry.validUntil <= now) tokens.delete(scope);
      for (const scope of tokens.keys()) {
        if (tokens.size <= maxCachedTokens) break;
        tokens.delete(scope);
      }
    }
    return token;
  }

  /**
   * One request, answered by `handle` (which reads the body) inside the request's slot and time limit: the
   * concurrency bound covers the whole exchange, and the timer is cleared as soon as it is done, so a finished request
   * leaves nothing behind (a timer left to run out would keep the request, its answer and its buffers alive).
   */
  async function request<T>(
    method: 'GET' | 'HEAD' | 'DELETE',
    url: string,
    scopes: readonly string[],
    headers: Record<string, string>,
    handle: (response: Answer) => Promise<T>,
  ): Promise<T> {
    return withSlot(async () => {
      let challenge: Record<string, string> | undefined;
      for (let attempt = 0; ; attempt++) {
        const token = await tokenFor(scopes, challenge);
        const deadline = startDeadline(timeoutMs);
        try {
          let response: Answer;
          try {
            response = await transport.send(url, {
              method,
              headers: {
                'user-agent': userAgent,
                ...headers,
                ...(token ? { authorization: `Bearer ${token}` } : {}),
                ...(basicAuthorization ? { authorization: basicAuthorization } : {}),
              },
              signal: deadline.signal,
            });
          } catch (error) {
            if (attempt < retries) {
              deadline.clear();
              await sleep(backoffMs * 2 ** attempt);
              continue;
            }
            throw unanswered(method, url, error, deadline.expired);
          }
          if (response.status === 401 && auth.kind === 'challenge' && !challenge) {
            challenge = parseChallenge(response.header('www-authenticate'));
            await response.discard();
            if (challenge) continue;
          }
          if (response.status >= 500 && attempt < retries) {
            await response.discard();
            deadline.clear();
            await sleep(backoffMs * 2 ** attempt);
            continue;
          }
          try {
            return await handle(response);
          } catch (error) {
            // The time ran out while the body was read.
            if (deadline.expired) throw unanswered(method, url, error, true);
            throw error;
          }
        } finally {
          deadline.clear();
        }
      }
    });
  }

  async function tokenAnswer(response: Answer) {
    if (response.status === 401) {
      await response.discard();
      throw new RegistryError('ERR_REGISTRY_UNAUTHORIZED', 'the token server refused the credentials', { status: 401 });
    }
    if (!ok(response)) {
      await response.discard();
      throw new RegistryError('ERR_REGISTRY_UNAVAILABLE', `token server answered ${response.status}`, {
        status: response.status,
      });
    }
    return readJson<{ token?: string; access_token?: string; expires_in?: number }>(response, 'token answer');
  }

  /** The body, refused with ERR_REGISTRY_TOO_LARGE past maxBodyBytes (announced or counted while reading). */
  async function readBody(response: Answer, what: string): Promise<Buffer> {
    const tooLarge = () =>
      new RegistryError('ERR_REGISTRY_TOO_LARGE', `${what} is larger than ${maxBodyBytes} bytes`, {
        status: response.status,
      });
    const announced = Number(response.header('content-length') ?? Number.NaN);
    if (announced > maxBodyBytes) {
      await response.discard();
      throw tooLarge();
    }
    const chunks: Buffer[] = [];
    let total = 0;
    for await (const value of response.chunks()) {
      total += value.byteLength;
      if (total > maxBodyBytes) throw tooLarge(); // leaving the loop drops the rest
      chunks.push(Buffer.from(value.buffer, value.byteOffset, value.byteLength));
    }
    return Buffer.concat(chunks, total);
  }

  async function readJson<T>(response: Answer, what: string): Promise<T> {
    const raw = await readBody(response, what);
    try {
      return JSON.parse(raw.toString('utf8')) as T;
    } catch (error) {
      throw new RegistryError('ERR_REGISTRY_PROTOCOL', `${what} is not JSON`, { cause: error });
    }
  }

  async function fail(response: Answer, what: string): Promise<never> {
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

  const manifestIfChanged: RegistryClient['manifestIfChanged'] = async (repository, reference, digest) => {
    const url = `${base}/v2/${checkRepository(repository)}/manifests/${checkReference(reference)}`;
    const what = `manifest ${repository}:${reference}`;
    const headers: Record<string, string> = { accept: MANIFEST_ACCEPT };
    if (digest !== undefined) headers['if-none-match'] = `"${checkReference(digest)}"`;
    return request('GET', url, pull(repository), headers, async (response) => {
      if (response.status === 304) {
        await response.discard();
        return 'unchanged' as const;
      }
      if (response.status === 404) {
        await response.discard();
        return undefined;
      }
      if (!ok(response)) await fail(response, what);
      const raw = await readBody(response, what);
      const stated = response.header('docker-content-digest');
      const headerType = (response.header('content-type') ?? '').split(';')[0]?.trim();
      return parseManifest(raw, stated, headerType, `${repository}:${reference}`);
    });
  };

  return {
    async ping() {
      await request('GET', `${base}/v2/`, [], {}, async (response) => {
        if (!ok(response)) await fail(response, 'GET /v2/');
        await response.discard();
      });
    },

    async *catalog(catalogOptions = {}) {
      const pageSize = Math.min(1000, Math.max(1, catalogOptions.pageSize ?? 1000));
      let url: string | undefined = `${base}/v2/_catalog?n=${pageSize}`;
      const seen = new Set([url]);
      while (url) {
        const page: { repositories: string[]; next: string | undefined } = await request(
          'GET',
          url,
          ['registry:catalog:*'],
          {},
          async (response) => {
            if (!ok(response)) await fail(response, 'catalog');
            const body = await readJson<{ repositories?: string[] | null }>(response, 'catalog');
            return {
              repositories: body.repositories ?? [],
              next: nextLink(response.header('link'), base, seen, 'catalog'),
            };
          },
        );
        yield* page.repositories;
        url = page.next;
      }
    },

    async listTags(repository) {
      checkRepository(repository);
      const tags: string[] = [];
      let url: string | undefined = `${base}/v2/${repository}/tags/list`;
      const seen = new Set([url]);
      const what = `tags of ${repository}`;
      while (url) {
        url = await request('GET', url, pull(repository), {}, async (response) => {
          if (!ok(response)) await fail(response, what);
          const body = await readJson<{ tags?: string[] | null }>(response, what);
          tags.push(...(body.tags ?? []));
          return nextLink(response.header('link'), base, seen, what);
        });
      }
      return tags;
    },

    async headManifest(repository, reference) {
      const url = `${base}/v2/${checkRepository(repository)}/manifests/${checkReference(reference)}`;
      return request('HEAD', url, pull(repository), { accept: MANIFEST_ACCEPT }, async (response) => {
        if (response.status === 404) return undefined;
        if (!ok(response)) await fail(response, `manifest ${repository}:${reference}`);
        await response.discard();
        const digest = response.header('docker-content-digest');
        if (!digest) throw new RegistryError('ERR_REGISTRY_PROTOCOL', 'HEAD manifest without Docker-Content-Digest');
        return {
          digest,
          mediaType: (response.header('content-type') ?? '').split(';')[0]?.trim() ?? '',
          size: Number(response.header('content-length') ?? 0),
        };
      });
    },

    async getManifest(repository, reference) {
      const fetched = await manifestIfChanged(repository, reference);
      if (fetched === undefined || fetched === 'unchanged') {
        throw new RegistryError('ERR_REGISTRY_NOT_FOUND', `manifest ${repository}:${reference}: not found`, {
          status: 404,
        });
      }
      return fetched;
    },

    manifestIfChanged,

    async getImageConfig(repository, digest) {
      const url = `${base}/v2/${checkRepository(repository)}/blobs/${checkReference(digest)}`;
      return request('GET', url, pull(repository), {}, async (response) => {
        if (!ok(response)) await fail(response, `blob ${digest}`);
        return parseImageConfig(await readBody(response, `blob ${digest}`), digest);
      });
    },

    async deleteManifest(repository, digest) {
      if (!/^[a-z0-9]+:/.test(digest))
        throw new RegistryError('ERR_REGISTRY_INVALID', 'delete needs a digest, not a tag');
      const url = `${base}/v2/${checkRepository(repository)}/manifests/${checkReference(digest)}`;
      await request('DELETE', url, [`repository:${repository}:delete`], {}, async (response) => {
        if (response.status !== 202 && response.status !== 200) await fail(response, `delete ${repository}@${digest}`);
        await response.discard();
      });
    },

    close() {
      transport.close();
    },
  };
}

/** A request's time limit: an abort signal and the timer behind it, cleared as soon as the request is done. */
function startDeadline(ms: number): { signal: AbortSignal; readonly expired: boolean; clear(): void } {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new DOMException(`no answer within ${ms} ms`, 'TimeoutError')), ms);
  return {
    signal: controller.signal,
    get expired() {
      return controller.signal.aborted;
    },
    clear: () => clearTimeout(timer),
  };
}

const ok = (answer: Answer) => answer.status >= 200 && answer.status < 300;

/** A request that got no (whole) answer: timed out, or never reached the registry. */
function unanswered(method: string, url: string, error: unknown, timedOut: boolean): RegistryError {
  return new RegistryError(
    timedOut ? 'ERR_REGISTRY_TIMEOUT' : 'ERR_REGISTRY_UNAVAILABLE',
    `${method} ${new URL(url).pathname}: ${timedOut ? 'timed out' : networkReason(error)}`,
    { cause: error },
  );
}

/**
 * Why a request never got an answer, without the stack or the resolved address: the system error code (ECONNREFUSED,
 * ENOTFOUND, ECONNRESET…; fetch puts it in its error's cause) is what an operator can act on.
 */
function networkReason(error: unknown): string {
  const failure = error as { code?: unknown; cause?: { code?: unknown } } | undefined;
  const code = failure?.code ?? failure?.cause?.code;
  if (typeof code === 'string' && /^[A-Z0-9_]{1,40}$/.test(code)) return `no connection (${code})`;
  return error instanceof Error ? error.message : String(error);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
