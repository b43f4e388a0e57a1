/**
 * The plain-HTTP listener beside HTTPS (`--ssl.http-port`): answers ACME http-01 challenges and sends everything else
 * to the same path over HTTPS. It never reaches the API, so no credential is ever accepted over plain HTTP.
 */
import { createServer, type Server } from 'node:http';
import type { ChallengeResponses } from './acme-certificates';

const CHALLENGE_PREFIX = '/.well-known/acme-challenge/';

export interface RedirectOptions {
  /** Host names a redirect may keep from the request's Host header; any other goes to `defaultHost`. */
  knownHosts: readonly string[];
  defaultHost: string;
  httpsPort: number;
  /** `--public-url` when it is https: the address clients use, which may differ behind port mappings. */
  publicOrigin?: string;
  challenges?: ChallengeResponses;
}

/** Where a plain-HTTP request goes over HTTPS; an unknown Host becomes the server's own name (no open redirect). */
export function httpsLocation(hostHeader: string | undefined, path: string, options: RedirectOptions): string {
  const safePath = path.startsWith('/') && !path.startsWith('//') ? path : '/';
  if (options.publicOrigin) return `${options.publicOrigin}${safePath}`;
  const requested = (hostHeader ?? '').replace(/:\d+$/, '').toLowerCase();
  const host = options.knownHosts.some((name) => name.toLowerCase() === requested) ? requested : options.defaultHost;
  const port = options.httpsPort === 443 ? '' : `:${options.httpsPort}`;
  return `https://${host}${port}${safePath}`;
}

export function createRedirectServer(options: RedirectOptions): Server {
  return createServer((request, response) => {
    const path = request.url ?? '/';
    if (path.startsWith(CHALLENGE_PREFIX)) {
      const token = path.slice(CHALLENGE_PREFIX.length);
      const answer = options.challenges?.get(token);
      response.writeHead(answer ? 200 : 404, { 'content-type': 'text/plain' });
      response.end(answer ?? 'no such challenge');
      return;
    }
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      // A redirected POST would be re-sent over HTTPS with its body; a client must use HTTPS itself.
      response.writeHead(400, { 'content-type': 'text/plain', connection: 'close' });
      response.end('use HTTPS');
      return;
    }
    response.writeHead(301, { location: httpsLocation(request.headers.host, path, options), connection: 'close' });
    response.end();
  });
}
