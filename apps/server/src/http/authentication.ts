/**
 * Who is calling the API: a UI session (cookie), HTTP Basic (scripts), or nobody. Routes then ask for a role.
 */
import { type Credentials, parseAuthorization, TokenServiceError } from '@registry-admin/token-service';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { SnapshotUser } from '../services/access-state';
import type { Identity } from '../services/authenticator';
import { SECRET_PREFIX } from '../services/secrets';
import { type ApiError, forbidden, unauthorized } from './errors';
import { requestOrigin } from './request-origin';
import { clearSessionCookie, SESSION_COOKIE } from './session-cookie';

/** Header carrying the session's CSRF token on state-changing requests made with the session cookie. */
export const CSRF_HEADER = 'x-csrf-token';

export type Caller =
  | { kind: 'anonymous' }
  | {
      kind: 'user';
      user: SnapshotUser;
      via: 'session' | 'basic' | 'token';
      sessionToken?: string;
      readOnly?: boolean;
    };

declare module 'fastify' {
  interface FastifyRequest {
    caller: Caller;
  }
}

/**
 * Splits `Authorization: Basic …` as the token endpoint does (token-service's `parseAuthorization`); undefined when
 * it is not Basic, is malformed, or names no login. The password may contain ':'.
 */
export function parseBasicAuthorization(header: string): { login: string; password: string } | undefined {
  let credentials: Credentials | undefined;
  try {
    credentials = parseAuthorization(header);
  } catch (error) {
    if (error instanceof TokenServiceError) return undefined;
    throw error;
  }
  if (credentials?.kind !== 'basic' || credentials.username === '') return undefined;
  return { login: credentials.username, password: credentials.password };
}

const ANONYMOUS_CALLER: Caller = Object.freeze({ kind: 'anonymous' });
const UNSAFE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** Resolves `request.caller` for every request of the instance it is registered in. */
export async function registerAuthentication(app: FastifyInstance): Promise<void> {
  app.decorateRequest('caller', null as never);
  app.addHook('onRequest', async (request, reply) => {
    request.caller = ANONYMOUS_CALLER;
    const authorization = request.headers.authorization;
    if (authorization) {
      const identity = await identify(app, authorization, request.ip);
      if (identity === 'malformed') throw challenge(reply, 'unsupported or malformed Authorization header');
      if (!identity) {
        const basic = parseBasicAuthorization(authorization);
        logAuthenticationFailure(request, basic?.login, 'api', basic ? credentialKind(basic.password) : 'user');
        throw challenge(reply, 'invalid credentials');
      }
      if (identity.kind !== 'user') throw forbidden('service accounts cannot use the API');
      if (identity.readOnly && UNSAFE_METHODS.has(request.method)) throw forbidden('this token is read-only');
      request.caller = {
        kind: 'user',
        user: identity.user,
        via: identity.via === 'password' ? 'basic' : 'token',
        readOnly: identity.readOnly,
      };
      return;
    }
    const token = request.cookies[SESSION_COOKIE];
    if (!token) return;
    const session = await app.services.sessions.resolve(token);
    if (!session) {
      clearSessionCookie(request, reply, app.services.config);
      return;
    }
    if (UNSAFE_METHODS.has(request.method)) {
      if (requestOrigin(request, app.services.config) === 'foreign') throw forbidden('cross-site request refused');
      const presented = request.headers[CSRF_HEADER];
      if (!app.services.sessions.csrfMatches(token, typeof presented === 'string' ? presented : undefined)) {
        throw forbidden(`missing or wrong ${CSRF_HEADER} header`);
      }
    }
    request.caller = { kind: 'user', user: session.user, via: 'session', sessionToken: token };
  });
}

async function identify(
  app: FastifyInstance,
  header: string,
  address: string,
): Promise<Identity | undefined | 'malformed'> {
  if (/^Bearer\s/i.test(header)) return app.services.authenticator.authenticateBearer(header.slice(7).trim(), address);
  const credentials = parseBasicAuthorization(header);
  if (!credentials) return 'malformed';
  return app.services.authenticator.authenticateBasic(credentials.login, credentials.password, address);
}

/** Whose secret this looks like: service-account secrets carry their own prefix. */
export function credentialKind(secret: string): 'user' | 'service-account' {
  return secret.startsWith(SECRET_PREFIX.serviceAccount) ? 'service-account' : 'user';
}

/**
 * One line per failed sign-in, the same everywhere, for fail2ban:
 * `failregex = authentication failed for .* from <HOST>$` (the message ends with the client address).
 */
export function logAuthenticationFailure(
  request: FastifyRequest,
  login: string | undefined,
  via: string,
  kind: 'user' | 'service-account' = 'user',
): void {
  const name = login === undefined ? '' : JSON.stringify(login.slice(0, 64));
  const who = login === undefined ? 'a token' : kind === 'service-account' ? `service account ${name}` : `user ${name}`;
  request.server.services.metrics.authenticationFailed(via);
  request.log.warn({ via, address: request.ip }, `authentication failed for ${who} from ${request.ip}`);
}

function challenge(reply: FastifyReply, message: string): ApiError {
  reply.header('WWW-Authenticate', 'Basic realm="registry-admin", charset="UTF-8"');
  return unauthorized(message);
}

export function requireUser(request: FastifyRequest): SnapshotUser {
  if (request.caller.kind !== 'user') throw unauthorized();
  return request.caller.user;
}

/**
 * Changes that create or replace a credential, or that manage the caller's own sign-ins, need the password or a UI
 * session: a personal access token (possibly short-lived, possibly stolen) must not turn itself into a lasting one.
 * `what` completes "a personal access token cannot …".
 */
export function requireSessionOrPassword(request: FastifyRequest, what: string): SnapshotUser {
  const user = requireUser(request);
  if (request.caller.kind === 'user' && request.caller.via === 'token') {
    throw forbidden(`a personal access token cannot ${what}: sign in, or use HTTP Basic with the account's password`);
  }
  return user;
}

/** Admins may do everything; managers may read what admins read. */
export function requireAdmin(request: FastifyRequest, access: 'read' | 'write'): SnapshotUser {
  const user = requireUser(request);
  if (user.role === 'admin' || (access === 'read' && user.role === 'manager')) return user;
  throw forbidden(access === 'read' ? 'admin or manager role required' : 'admin role required');
}

const READ_METHODS = new Set(['GET', 'HEAD']);

/*
 * Guards as `onRequest` hooks: a group of routes adds one with `app.addHook('onRequest', …)` in its plugin (or a single
 * route names one in its `onRequest`), so the caller is refused before its input is even validated, as before schemas.
 */

/** Admin-only routes: reading needs admin or manager, everything else admin. */
export async function adminOnly(request: FastifyRequest): Promise<void> {
  requireAdmin(request, READ_METHODS.has(request.method) ? 'read' : 'write');
}

/** Routes for any signed-in user. */
export async function signedIn(request: FastifyRequest): Promise<void> {
  requireUser(request);
}

/** A route that needs a session or the password (see requireSessionOrPassword). */
export function sessionOrPassword(what: string): (request: FastifyRequest) => Promise<void> {
  return async (request) => {
    requireSessionOrPassword(request, what);
  };
}
