/**
 * The registry token endpoint (`GET|POST /api/v1/registry/auth`): authenticates the caller, intersects what was asked
 * with what the rules allow, and signs a token the registry verifies. This is the hot path: no database access,
 * password checks cached, everything else precomputed.
 */
import { evaluate, type Principal } from '@registry-admin/acl';
import { formatScope, parseTokenRequest, type TokenRequest, TokenServiceError } from '@registry-admin/token-service';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { credentialKind, logAuthenticationFailure } from '../http/authentication';
import type { Identity } from '../services/authenticator';
import { TooManyAttempts } from '../services/login-throttle';

type Params = Record<string, string | string[] | undefined>;
const ANONYMOUS: Principal = { kind: 'anonymous' };

const tokenResponseSchema = {
  type: 'object',
  properties: {
    token: { type: 'string' },
    access_token: { type: 'string' },
    expires_in: { type: 'integer' },
    issued_at: { type: 'string' },
    scope: { type: 'string' },
    refresh_token: { type: 'string' },
  },
} as const;

export async function tokenRoutes(app: FastifyInstance): Promise<void> {
  const { config, access, authenticator, issuer, refreshTokens } = app.services;
  const service = config.registry.service;

  app.route({
    method: ['GET', 'POST'],
    url: '/api/v1/registry/auth',
    schema: { response: { 200: tokenResponseSchema } },
    handler: async (request, reply) => {
      let tokenRequest: TokenRequest;
      try {
        tokenRequest = parseTokenRequest({
          method: request.method,
          query: request.query as Params,
          body: request.method === 'POST' ? (request.body as Params | undefined) : undefined,
          authorization: request.headers.authorization,
        });
      } catch (error) {
        if (error instanceof TokenServiceError) {
          const code = error.code === 'ERR_UNSUPPORTED_GRANT' ? 'unsupported_grant_type' : 'invalid_request';
          return protocolError(request, reply, 400, code, error.message);
        }
        throw error;
      }
      if (tokenRequest.service !== undefined && tokenRequest.service !== service) {
        return protocolError(
          request,
          reply,
          400,
          'invalid_request',
          `unknown service "${tokenRequest.service.slice(0, 100)}"`,
        );
      }

      let principal = ANONYMOUS;
      let subject = '';
      let identity: Identity | undefined;
      const credentials = tokenRequest.credentials;
      if (credentials) {
        try {
          identity =
            credentials.kind === 'basic'
              ? await authenticator.authenticateBasic(credentials.username, credentials.password, request.ip)
              : credentials.kind === 'bearer'
                ? await authenticator.authenticateBearer(credentials.token, request.ip)
                : await authenticator.authenticateRefresh(credentials.token, request.ip);
        } catch (error) {
          if (!(error instanceof TooManyAttempts)) throw error;
          reply.header('Retry-After', String(error.retryAfterSeconds));
          return protocolError(request, reply, 429, 'too_many_attempts', error.message);
        }
        if (!identity) {
          const login = credentials.kind === 'bearer' ? undefined : credentials.username;
          const kind = credentials.kind === 'basic' ? credentialKind(credentials.password) : 'user';
          logAuthenticationFailure(request, login, credentials.kind, kind);
          return protocolError(request, reply, 401, 'invalid_grant', 'invalid credentials');
        }
        subject = identity.kind === 'user' ? identity.user.login : identity.account.name;
        const account =
          tokenRequest.account ?? (credentials.kind === 'refresh-token' ? credentials.username : undefined);
        if (account !== undefined && account !== '' && account !== subject) {
          return protocolError(request, reply, 400, 'invalid_request', 'account does not match the credentials');
        }
        principal =
          identity.kind === 'user'
            ? access.principalOf(identity.user)
            : access.principalOfServiceAccount(identity.account);
      } else if (tokenRequest.account !== undefined && tokenRequest.account !== '') {
        // An account without credentials would let anyone choose the token's subject.
        return protocolError(request, reply, 401, 'invalid_request', 'account given without credentials');
      }

      let granted = evaluate(access.policy, principal, tokenRequest.scopes);
      if (identity?.kind === 'user' && identity.readOnly) {
        granted = granted.map((scope) => ({ ...scope, actions: scope.actions.filter((action) => action === 'pull') }));
      }
      const issued = await issuer.issue({ subject, access: granted });
      // The token's `sub` is a bare name; the log says whose it is (a user's or a service account's).
      request.log.debug({ subject, subjectKind: identity?.kind ?? 'anonymous' }, 'registry token issued');
      // docker login with offline_token=true: a refresh token replaces the stored password from then on. Only a real
      // password earns one — a personal access token or a service account must not turn into a lasting login.
      const refreshToken =
        tokenRequest.offlineToken && identity?.kind === 'user' && identity.via === 'password'
          ? await refreshTokens.issue(identity.user.id, tokenRequest.clientId, request.ip)
          : undefined;
      reply.header('cache-control', 'no-store');
      const body = refreshToken ? { ...issued, refresh_token: refreshToken } : issued;
      if (request.method === 'POST') {
        // The OAuth2 answer: access_token (not docker's GET-only `token`, which would double the response).
        const scope = granted
          .filter((entry) => entry.actions.length > 0)
          .map(formatScope)
          .join(' ');
        const { token: _token, ...oauth } = body;
        return { ...oauth, scope };
      }
      return body;
    },
  });

  app.get('/api/v1/registry/jwks', async () => app.services.jwks);
}

/**
 * Token endpoint errors in the shapes clients parse: docker's `errors` list for GET, OAuth2 for POST.
 * 401 answers carry a Basic challenge so clients know to send credentials.
 */
function protocolError(request: FastifyRequest, reply: FastifyReply, status: number, code: string, message: string) {
  request.log.warn({ status, code, reason: message, address: request.ip }, 'token request refused');
  if (status === 401) reply.header('WWW-Authenticate', 'Basic realm="registry-admin", charset="UTF-8"');
  reply.code(status).header('cache-control', 'no-store');
  if (request.method === 'POST') return reply.send({ error: code, error_description: message });
  const dockerCode = status === 401 ? 'UNAUTHORIZED' : status === 429 ? 'TOOMANYREQUESTS' : 'INVALID_REQUEST';
  return reply.send({ errors: [{ code: dockerCode, message }] });
}
