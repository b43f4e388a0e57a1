/**
 * UI sign-in: `POST /api/v1/auth/login`, `POST /api/v1/auth/logout`, `GET /api/v1/auth/me`, and
 * `GET /api/v1/auth/options`, what the login page may offer before anyone signs in.
 */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { audited } from '../http/audit';
import { logAuthenticationFailure, requireUser, sessionOrPassword, signedIn } from '../http/authentication';
import { errorResponses, unauthorized } from '../http/errors';
import { clearSessionCookie, setSessionCookie } from '../http/session-cookie';
import { usesInitialPassword } from '../runtime/initial-password';
import { registryAddress } from '../runtime/registry';
import { userRecordSchema } from './users';

const loginSchema = z.object({ login: z.string().min(1).max(256), password: z.string().min(1).max(4096) }).strict();
const csrfToken = z
  .string()
  .meta({ description: 'send it back as X-CSRF-Token on writes made with the session cookie' });
/** What the UI learns about the signed-in account besides its record. */
const sessionFacts = {
  initialPassword: z
    .boolean()
    .meta({ description: 'the account still has the password generated at the first start: suggest changing it' }),
  registryHost: z
    .string()
    .nullable()
    .meta({ description: 'the registry as `docker login` names it (host[:port]); null when not configured' }),
};
/** The signed-in account (absent only if it was deleted in the meantime). */
export const signedInSchema = z.object({ user: userRecordSchema.optional(), csrfToken, ...sessionFacts });

export async function authRoutes(instance: FastifyInstance): Promise<void> {
  const app = instance.withTypeProvider<ZodTypeProvider>();
  const { store, authenticator, sessions, config } = app.services;
  const registryHost = registryAddress(config) ?? null;
  /** The account and the facts about it the UI shows, as sign-in and `/auth/me` answer them. */
  const describe = async (userId: number) => {
    const user = await store.users.get(userId);
    return { user, initialPassword: user ? await usesInitialPassword(store, user) : false, registryHost };
  };

  app.get(
    '/api/v1/auth/options',
    {
      schema: {
        security: [],
        response: {
          200: z.object({
            passwordReset: z.boolean().meta({ description: 'reset by e-mail is available (SMTP is configured)' }),
          }),
          ...errorResponses,
        },
      },
    },
    async () => ({ passwordReset: app.services.mailer !== undefined }),
  );

  app.post(
    '/api/v1/auth/login',
    { schema: { security: [], body: loginSchema, response: { 200: signedInSchema, ...errorResponses } } },
    async (request, reply) => {
      const { login, password } = request.body;
      const user = await authenticator.verifyPassword(login, password, request.ip);
      if (!user) {
        logAuthenticationFailure(request, login, 'login');
        throw unauthorized('invalid login or password');
      }
      request.authenticatedLogin = user.login;
      const session = await sessions.create(user.id, { address: request.ip, userAgent: request.headers['user-agent'] });
      setSessionCookie(request, reply, config, session);
      request.log.info({ userId: user.id }, 'login');
      return { ...(await describe(user.id)), csrfToken: sessions.csrfToken(session.token) };
    },
  );

  app.post(
    '/api/v1/auth/logout',
    { schema: { response: { 204: z.undefined().describe('signed out'), ...errorResponses } } },
    async (request, reply) => {
      const caller = request.caller;
      if (caller.kind === 'user' && caller.sessionToken) await sessions.revoke(caller.sessionToken);
      clearSessionCookie(request, reply, config);
      return reply.code(204).send();
    },
  );

  /** Signs the caller out of every UI session and every registry client holding a refresh token. */
  app.post(
    '/api/v1/auth/logout-everywhere',
    {
      onRequest: sessionOrPassword('sign out everywhere'),
      schema: {
        response: {
          200: z.object({ sessionsEnded: z.number().int(), clientsSignedOut: z.number().int() }),
          ...errorResponses,
        },
      },
    },
    async (request, reply) => {
      const user = requireUser(request);
      // Sessions and refresh tokens end together with the audit event, or none of them does.
      const { sessionsEnded, clientsSignedOut } = await audited(
        request,
        'user.logout-everywhere',
        async (tx) => ({
          sessionsEnded: await tx.sessions.deleteForUser(user.id),
          clientsSignedOut: await tx.tokens.deleteForUser(user.id, 'refresh'),
        }),
        (ended) => ({ target: { type: 'user', id: user.id, name: user.login }, details: ended }),
      );
      await app.services.access.refresh();
      clearSessionCookie(request, reply, config);
      request.log.info({ userId: user.id, sessionsEnded, clientsSignedOut }, 'logout everywhere');
      return { sessionsEnded, clientsSignedOut };
    },
  );

  app.get(
    '/api/v1/auth/me',
    {
      onRequest: signedIn,
      schema: {
        response: {
          200: z.object({ user: userRecordSchema.optional(), csrfToken: csrfToken.optional(), ...sessionFacts }),
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const user = requireUser(request);
      const caller = request.caller;
      const sessionToken = caller.kind === 'user' ? caller.sessionToken : undefined;
      return {
        ...(await describe(user.id)),
        ...(sessionToken ? { csrfToken: sessions.csrfToken(sessionToken) } : {}),
      };
    },
  );
}
