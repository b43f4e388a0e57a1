/**
 * The web UI (`apps/web`, built by Vite) served at `/`, same-origin with the API:
 * - `/assets/*` are content-hashed by the build, so they are cached for a year and never revalidated;
 * - `index.html` is answered for `/` and for any client route (a GET outside the API that accepts HTML), with
 *   `no-cache` so a new build is picked up at once, and a Content-Security-Policy that allows scripts only from this
 *   origin (the build has no inline script). Styles allow 'unsafe-inline': MUI styles through emotion, which inserts
 *   `<style>` elements at run time.
 * Everything else (unknown API paths, missing assets, non-HTML requests) keeps the API's JSON 404.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { badRequest, forbidden } from './errors';

export const WEB_CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/** Paths that belong to the API or the probes: never answered with the app's page. */
const SERVER_PATHS = /^\/(?:api(?:\/|$)|healthz$|readyz$)/;

/**
 * Where the built UI is: `RA_WEB_DIR` when set (tests, packaging), else `defaultDir` (`apps/web/dist` in the
 * workspace, or the copy the single executable unpacked).
 */
export function webAppDir(defaultDir: string | undefined, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const dir = env.RA_WEB_DIR || defaultDir;
  return dir === undefined ? undefined : resolve(dir);
}

/** Whether `dir` holds a built UI (its `index.html`). */
export function hasWebApp(dir: string): boolean {
  return existsSync(join(dir, 'index.html'));
}

function acceptsHtml(request: FastifyRequest): boolean {
  return (request.headers.accept ?? '').includes('text/html');
}

/** Serves the UI built in `dir` (which must hold `index.html`). */
export async function webAppRoutes(app: FastifyInstance, options: { dir: string }): Promise<void> {
  // Read once: a deployment replaces the whole build and restarts; answering from memory cannot fail mid-request.
  const indexHtml = await readFile(join(options.dir, 'index.html'));

  const sendIndex = (reply: FastifyReply) =>
    reply
      .header('Content-Type', 'text/html; charset=utf-8')
      .header('Cache-Control', 'no-cache')
      .header('Content-Security-Policy', WEB_CONTENT_SECURITY_POLICY)
      .header('X-Content-Type-Options', 'nosniff')
      .header('X-Frame-Options', 'DENY')
      .header('Referrer-Policy', 'same-origin')
      .send(indexHtml);

  // The file server (@fastify/send) loads with the first asset asked for: a browser fetches them once a build, an
  // API-only client never, and a process that serves none does not carry it.
  let sender: Promise<typeof import('@fastify/send').default> | undefined;
  const assets = join(options.dir, 'assets');
  app.get('/assets/*', { schema: { hide: true } }, async (request, reply) => {
    sender ??= import('@fastify/send').then((loaded) => loaded.default);
    const send = await sender;
    const path = (request.raw.url ?? '').slice('/assets'.length).split('?')[0] ?? '';
    const result = await send(request.raw, path, {
      root: assets,
      // Each file name carries its content hash: a changed file is a new name.
      maxAge: 365 * 24 * 60 * 60 * 1000,
      immutable: true,
      index: false,
    });
    if (result.type !== 'file') {
      result.stream.destroy();
      // Missing or a folder: the API's JSON 404; a path outside the folder or a malformed one: its 403 or 400.
      if (result.statusCode === 404 || result.type === 'directory') return reply.callNotFound();
      if (result.statusCode === 403) throw forbidden('this asset path is not served');
      throw badRequest('malformed asset path');
    }
    return reply.code(result.statusCode).headers(result.headers).send(result.stream);
  });

  app.get('/', { schema: { hide: true } }, (_request, reply) => sendIndex(reply));
  app.get('/*', { schema: { hide: true } }, (request, reply) => {
    const path = request.url.split('?')[0] ?? '';
    if (SERVER_PATHS.test(path) || path.startsWith('/assets/') || !acceptsHtml(request)) return reply.callNotFound();
    return sendIndex(reply);
  });
}
