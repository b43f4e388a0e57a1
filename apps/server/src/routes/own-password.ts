/**
 * `POST /api/v1/auth/password`: the caller changes their own password. The current password is required (a session
 * left open on someone else's screen is not enough), the new one must meet the policy, and every other sign-in of the
 * account ends with it: UI sessions and registry clients' refresh tokens. A browser that made the change keeps going
 * on a fresh session (the old session token is ended with the rest). Personal access tokens cannot do this, and
 * their own holders keep them: they are revoked one by one.
 */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { audited } from '../http/audit';
import { logAuthenticationFailure, requireUser, sessionOrPassword } from '../http/authentication';
import { badRequest, errorResponses } from '../http/errors';
import { setSessionCookie } from '../http/session-cookie';
import { PASSWORD_MAX_LENGTH } from '../services/passwords';
import { signedInSchema } from './auth';
import { passwordSchema, userRecordSchema } from './users';

export async function ownPasswordRoutes(instance: FastifyInstance): Promise<void> {
  const app = instance.withTypeProvider<ZodTypeProvider>();
  const { authenticator, passwords, sessions, credentialCache, access, config } = app.services;
  const bodySchema = z
    .object({
      currentPassword: z.string().min(1).max(PASSWORD_MAX_LENGTH),
      newPassword: passwordSchema(passwords),
    })
    .strict();
  const answerSchema = z.object({
    user: userRecordSchema,
    csrfToken: signedInSchema.shape.csrfToken
      .optional()
      .meta({ description: "the new session's CSRF token, when the change was made with a session" }),
    sessionsEnded: z.number().int().meta({ description: 'other UI sessions of the account that were ended' }),
    clientsSignedOut: z.number().int().meta({ description: 'registry clients (refresh tokens) signed out' }),
  });

  app.post(
    '/api/v1/auth/password',
    {
      onRequest: sessionOrPassword('change passwords'),
      schema: { body: bodySchema, response: { 200: answerSchema, ...errorResponses } },
    },
    async (request, reply) => {
      const caller = requireUser(request);
      const { currentPassword, newPassword } = request.body;
      // Through the sign-in check: throttled and counted like a sign-in, so a session cannot be used to guess.
      const verified = await authenticator.verifyPassword(caller.login, currentPassword, request.ip);
      if (verified?.id !== caller.id) {
        logAuthenticationFailure(request, caller.login, 'password-change');
        throw badRequest('currentPassword: the current password is not right', 'currentPassword');
      }
      if (newPassword === currentPassword) {
        throw badRequest('newPassword: must differ from the current password', 'newPassword');
      }
      const passwordHash = await passwords.hash(newPassword);
      const viaSession = request.caller.kind === 'user' && request.caller.via === 'session';
      const { user, sessionsEnded, clientsSignedOut } = await audited(
        request,
        'user.password-change',
        async (tx) => {
          // Counted before the update, which ends them too (as any password change does).
          const sessionsEnded = await tx.sessions.deleteForUser(caller.id);
          const clientsSignedOut = await tx.tokens.deleteForUser(caller.id, 'refresh');
          const user = await tx.users.update(caller.id, { passwordHash });
          return { user, sessionsEnded: Math.max(0, sessionsEnded - (viaSession ? 1 : 0)), clientsSignedOut };
        },
        ({ sessionsEnded, clientsSignedOut }) => ({
          target: { type: 'user', id: caller.id, name: caller.login },
          details: { sessionsEnded, clientsSignedOut },
        }),
      );
      credentialCache.forgetUser(caller.id);
      await access.refresh();
      let csrfToken: string | undefined;
      if (viaSession) {
        const session = await sessions.create(caller.id, {
          address: request.ip,
          userAgent: request.headers['user-agent'],
        });
        setSessionCookie(request, reply, config, session);
        csrfToken = sessions.csrfToken(session.token);
      }
      request.log.info({ userId: caller.id, sessionsEnded, clientsSignedOut }, 'password changed');
      return { user, ...(csrfToken ? { csrfToken } : {}), sessionsEnded, clientsSignedOut };
    },
  );
}
