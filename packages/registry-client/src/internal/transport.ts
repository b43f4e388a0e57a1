/**
 * How the registry client speaks HTTP. By default node:http(s) with keep-alive agents: on Node 20 a request through
 * them costs a fraction of fetch's CPU and memory (a sync makes one or two per tag). Any fetch-compatible function can
 * stand in (tests, or a caller's own dispatcher). Either way the client sees an `Answer`: status, headers, and a body
 * it reads or discards.
 */
import { once } from 'node:events';
import http from 'node:http';
import https from 'node:https';

export interface Answer {
  readonly status: number;
  /** A header's value (names in any case), or null. */
  header(name: string): string | null;
  /** The body, chunk by chunk; leaving the loop early drops the rest. */
  chunks(): AsyncIterable<Uint8Array>;
  /** Drops the body unread. */
  discard(): Promise<void>;
}

export interface SendInit {
  method: string;
  headers: Record<string, string>;
  signal: AbortSignal;
}

export type Send = (url: string, init: SendInit) => Promise<Answer>;

export interface Transport {
  send: Send;
  /** Closes the connections kept open. */
  close(): void;
}

export interface TlsOptions {
  /** Certificates to trust (PEM), instead of Node's bundled CAs; pass those too (`tls.rootCertificates`) to add. */
  ca?: string[];
  /** false: accept any certificate (a registry's self-signed one, knowingly). */
  rejectUnauthorized?: boolean;
}

/** Redirects followed at most (a registry on object storage sends blob reads there, once). */
const MAX_REDIRECTS = 5;
const REDIRECTS = new Set([301, 302, 303, 307, 308]);
/** A body up to this size is read off and dropped to keep the connection; a larger one closes it. */
const DRAIN_LIMIT = 64 * 1024;

/** An `Answer` over a fetch-compatible function (redirects followed by fetch itself). */
export function fetchTransport(doFetch: typeof fetch): Transport {
  return {
    async send(url, init) {
      const response = await doFetch(url, { ...init, redirect: 'follow' });
      return {
        status: response.status,
        header: (name) => response.headers.get(name),
        async *chunks() {
          if (!response.body) return;
          const reader = response.body.getReader();
          let done = false;
          try {
            for (;;) {
              const read = await reader.read();
              if (read.done) {
                done = true;
                return;
              }
              yield read.value;
            }
          } finally {
            if (!done) await reader.cancel().catch(() => undefined);
          }
        },
        async discard() {
          await response.body?.cancel();
        },
      };
    },
    close() {},
  };
}

/** node:http and node:https with keep-alive agents; GET and HEAD follow redirects, credentials stay on the origin. */
export function nodeTransport(tls: TlsOptions = {}): Transport {
  const agents: Record<string, http.Agent> = {
    'http:': new http.Agent({ keepAlive: true }),
    'https:': new https.Agent({
      keepAlive: true,
      ...(tls.ca ? { ca: tls.ca } : {}),
      ...(tls.rejectUnauthorized === false ? { rejectUnauthorized: false } : {}),
    }),
  };

  function sendOnce(url: URL, init: SendInit): Promise<Answer> {
    return new Promise((resolve, reject) => {
      const agent = agents[url.protocol];
      if (!agent) {
        reject(new Error(`unsupported protocol ${url.protocol}`));
        return;
      }
      const client = url.protocol === 'https:' ? https : http;
      const request = client.request(
        url,
        { method: init.method, headers: init.headers, agent, signal: init.signal },
        (response) => {
          resolve({
            status: response.statusCode ?? 0,
            header(name) {
              const value = response.headers[name.toLowerCase()];
              return value === undefined ? null : Array.isArray(value) ? value.join(', ') : value;
            },
            chunks: () => response,
            async discard() {
              // Read to its end (a HEAD answer, or one already complete, too): only then does the connection go back
              // to the agent; a body too large to drain closes it instead.
              const length = Number(response.headers['content-length'] ?? Number.NaN);
              if (response.readableEnded || response.destroyed) return;
              if (!response.complete && init.method !== 'HEAD' && !(length <= DRAIN_LIMIT)) {
                response.destroy();
                return;
              }
              const ended = once(response, 'end').catch(() => undefined);
              response.resume();
              await ended;
            },
          });
        },
      );
      request.on('error', reject);
      request.end();
    });
  }

  return {
    async send(url, init) {
      const origin = new URL(url).origin;
      let target = new URL(url);
      let headers = init.headers;
      for (let redirects = 0; ; redirects++) {
        const answer = await sendOnce(target, { ...init, headers });
        const location = answer.header('location');
        const redirected = REDIRECTS.has(answer.status) && (init.method === 'GET' || init.method === 'HEAD');
        if (!redirected || !location || redirects >= MAX_REDIRECTS) return answer;
        await answer.discard();
        target = new URL(location, target);
        if (target.origin !== origin) {
          // The registry's credentials never go to another origin (object storage signs its own URLs).
          const { authorization: _dropped, ...rest } = headers;
          headers = rest;
        }
      }
    },
    close() {
      for (const agent of Object.values(agents)) agent.destroy();
    },
  };
}
