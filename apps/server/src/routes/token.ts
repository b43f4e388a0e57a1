/**
 * The registry token endpoint (`GET|POST /api/v1/registry/auth`): the protocol itself lives in token-service's
 * `exchangeToken`; this route plugs in the server's credentials (with throttling and the fail2ban log line), its
 * access rules and its refresh tokens, and copies the answer into the reply. This is the hot path: no database
 * access, password checks cached, everything else precomputed.
 */
import { evaluate, type Principal } from '@registry-admin/acl';
import {
  exchangeToken,
  type RefreshTokenIssuer,
  type TokenAuthenticator,
  type TokenAuthorizer,
  type TokenExchangeOptions,
  type TokenExchangeRequest,
} from '@registry-admin/token-service';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { credentialKind, logAuthenticationFailure } from '../http/authentication';
import type { Identity } from '../services/authenticator';
import { TooManyAttempts } from '../services/login-throttle';

type Params = TokenExchangeRequest['query'];
const ANONYMOUS: Principal = { kind: 'anonymous' };

const tokenResponseSchema = z.object({
  token: z.string().optional(),
  access_token: z.string().optional(),
  expires_in: z.number().int().optional(),
  issued_at: z.string().optional(),
  scope: z.string().optional(),
  refresh_token: z.string().optional(),
});

export async function tokenRoutes(app: FastifyInstance): Promise<void> {
  const { config, access, authenticator, issuer, refreshTokens, metrics } = app.services;

  /** Passwords, personal access tokens, service-account secrets and refresh tokens, throttled per address. */
  const authenticatorFor = (request: FastifyRequest): TokenAuthenticator<Identity> => ({
    async authenticate(credentials) {
      let identity: Identity | undefined;
      try {
        identity =
          credentials.kind === 'basic'
            ? await authenticator.authenticateBasic(credentials.username, credentials.password, request.ip)
            : credentials.kind === 'bearer'
              ? await authenticator.authenticateBearer(credentials.token, request.ip)
              : await authenticator.authenticateRefresh(credentials.token, request.ip);
      } catch (error) {
        if (!(error instanceof TooManyAttempts)) throw error;
        return { outcome: 'throttled', retryAfterSeconds: error.retryAfterSeconds, message: error.message };
      }
      if (!identity) {
        const login = credentials.kind === 'bearer' ? undefined : credentials.username;
        const kind = credentials.kind === 'basic' ? credentialKind(credentials.password) : 'user';
        logAuthenticationFailure(request, login, credentials.kind, kind);
        return { outcome: 'denied' };
      }
      return identity.kind === 'user'
        ? {
            outcome: 'authenticated',
            subject: identity.user.login,
            principal: identity,
            readOnly: identity.readOnly,
          }
        : { outcome: 'authenticated', subject: identity.account.name, principal: identity };
    },
  });

  const authorizer: TokenAuthorizer<Identity> = {
    authorize(identity, scopes) {
      const principal =
        identity === undefined
          ? ANONYMOUS
          : identity.kind === 'user'
            ? access.principalOf(identity.user)
            : access.principalOfServiceAccount(identity.account);
      return evaluate(access.policy, principal, scopes);
    },
  };

  // docker login with offline_token=true: a refresh token replaces the stored password from then on. Only a real
  // password earns one — a personal access token or a service account must not turn into a lasting login.
  const refreshTokenIssuer: RefreshTokenIssuer<Identity> = {
    async issue({ principal: identity }, context) {
      if (identity.kind !== 'user' || identity.via !== 'password') return undefined;
      return refreshTokens.issue(identity.user.id, context.clientId, context.address ?? '');
    },
  };

  const options: Omit<TokenExchangeOptions<Identity>, 'authenticator'> = {
    service: config.registry.service,
    authorizer,
    issuer,
    refreshTokens: refreshTokenIssuer,
    realm: 'registry-admin',
  };

  app.route({
    method: ['GET', 'POST'],
    url: '/api/v1/registry/auth',
    schema: { response: { 200: tokenResponseSchema } },
    handler: async (request, reply) => {
      const result = await exchangeToken(
        {
          method: request.method,
          query: request.query as Params,
          body: request.body as Params | undefined,
          headers: request.headers,
          address: request.ip,
        },
        { ...options, authenticator: authenticatorFor(request) },
      );
      // The 200 answer goes through the response schema; refusals keep the protocol's own error shapes.
      (reply as FastifyReply).code(result.status).headers(result.headers);
      metrics.tokenRequest(result.status, reply.elapsedTime / 1000);
      if (!result.ok) {
        const { code, message } = result.error;
        request.log.warn(
          { status: result.status, code, reason: message, address: request.ip },
          'token request refused',
        );
      } else {
        // The token's `sub` is a bare name; the log says whose it is (a user's or a service account's).
        const identity = result.authenticated?.principal;
        request.authenticatedLogin = result.authenticated?.subject;
        request.log.debug(
          { subject: result.authenticated?.subject ?? '', subjectKind: identity?.kind ?? 'anonymous' },
          'registry token issued',
        );
      }
      return result.body;
    },
  });

  app.get('/api/v1/registry/jwks', async () => app.services.jwks);
}
