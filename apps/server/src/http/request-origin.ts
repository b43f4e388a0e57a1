/**
 * Which site a browser request comes from, and the guard that keeps other sites from using the sign-in endpoints.
 *
 * A browser names the page that made a request in `Origin` (and, on older paths, only in `Referer`). The request is
 * this server's own when that origin is the public URL's (`--public-url`), or has this request's host: with the
 * request's scheme, or https (a page served over TLS cannot be forged on the way, and a TLS proxy that is not
 * configured as trusted still delivers plain HTTP here). A request naming no origin at all is not a browser's
 * cross-site request: curl and scripts send neither header.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Config } from '../config/schema';
import { ApiError, forbidden } from './errors';

export type OriginVerdict = 'own' | 'foreign' | 'absent';

/** The POSTs that need no sign-in yet set a session or change an account: other sites must not drive them. */
export const SIGN_IN_ROUTES: readonly string[] = [
  '/api/v1/auth/login',
  '/api/v1/auth/password-reset',
  '/api/v1/auth/password-reset/complete',
];

export function requestOrigin(request: FastifyRequest, config: Config): OriginVerdict {
  const named = request.headers.origin ?? request.headers.referer;
  if (named === undefined) return 'absent';
  let origin: URL;
  try {
    // An opaque origin ("null": sandboxed frames, some redirects) does not parse and counts as foreign.
    origin = new URL(named);
  } catch {
    return 'foreign';
  }
  const publicUrl = config['public-url'];
  if (publicUrl && new URL(publicUrl).origin === origin.origin) return 'own';
  const scheme = origin.protocol.slice(0, -1);
  if (scheme !== 'https' && scheme !== request.protocol) return 'foreign';
  try {
    return new URL(`${request.protocol}://${request.host}`).host === origin.host ? 'own' : 'foreign';
  } catch {
    return 'foreign';
  }
}

/**
 * Refuses, on the sign-in routes, requests from another site's page (403) and bodies other than JSON (415). A form
 * can be posted cross-site without the page being able to read the answer, and would otherwise sign the visitor into
 * the sender's account (login CSRF); a JSON body needs a CORS preflight, which this server never grants.
 */
export async function registerSignInGuard(app: FastifyInstance, urls: readonly string[] = SIGN_IN_ROUTES) {
  const guarded = new Set(urls);
  app.addHook('onRequest', async (request) => {
    if (request.method !== 'POST' || !guarded.has(request.routeOptions.url ?? '')) return;
    if (requestOrigin(request, app.services.config) === 'foreign') {
      request.log.warn(
        { origin: String(request.headers.origin ?? request.headers.referer).slice(0, 200), address: request.ip },
        'cross-site sign-in request refused',
      );
      throw forbidden('cross-site request refused');
    }
    const type = request.headers['content-type']?.split(';')[0]?.trim().toLowerCase();
    if (type !== 'application/json') {
      throw new ApiError(415, 'ERR_UNSUPPORTED_MEDIA_TYPE', 'the body must be JSON (Content-Type: application/json)');
    }
  });
}
