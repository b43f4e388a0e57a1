/**
 * The UI session cookie: its name and the one set of attributes it is set and cleared with, so a logout removes
 * exactly the cookie the login set.
 *
 * `Secure` is set whenever the browser reaches this server over HTTPS: the server terminates TLS itself
 * (`--ssl.type static`), the public URL is https (`--public-url`, a TLS proxy in front), or a trusted proxy
 * (`--trusted-proxies`) reports `X-Forwarded-Proto: https` for this request. Fastify reads that header only from a
 * trusted peer, so a client's own X-Forwarded-Proto changes nothing.
 *
 * The name has no `__Host-` prefix: browsers refuse such a cookie without `Secure`, which would break signing in over
 * plain HTTP (a LAN address, a test setup), and a name that changed with the scheme would end sessions whenever a
 * request arrived the other way. Path=/ without a Domain already keeps the cookie to this host.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../config/schema';

export const SESSION_COOKIE = 'ra_session';

export function sessionCookieIsSecure(request: FastifyRequest, config: Config): boolean {
  return (
    config.ssl.type !== 'none' ||
    (config['public-url']?.toLowerCase().startsWith('https:') ?? false) ||
    request.protocol === 'https'
  );
}

function attributes(request: FastifyRequest, config: Config) {
  return {
    path: '/',
    httpOnly: true,
    sameSite: 'strict',
    secure: sessionCookieIsSecure(request, config),
  } as const;
}

export function setSessionCookie(
  request: FastifyRequest,
  reply: FastifyReply,
  config: Config,
  session: { token: string; expiresAt: Date },
): void {
  reply.setCookie(SESSION_COOKIE, session.token, { ...attributes(request, config), expires: session.expiresAt });
}

export function clearSessionCookie(request: FastifyRequest, reply: FastifyReply, config: Config): void {
  reply.clearCookie(SESSION_COOKIE, attributes(request, config));
}
