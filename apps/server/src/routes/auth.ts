/** UI sign-in: `POST /api/v1/auth/login`, `POST /api/v1/auth/logout`, `GET /api/v1/auth/me`. */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { audit } from '../http/audit';
import { logAuthenticationFailure, requireSessionOrPassword, requireUser } from '../http/authentication';
import { parseBody } from '../http/body';
import { unauthorized } from '../http/errors';
import { clearSessionCookie, setSessionCookie } from '../http/session-cookie';

const loginSchema = z.object({ login: z.string().min(1).max(256), password: z.string().min(1).max(4096) }).strict();

export async function authRoutes(app: FastifyInstance): Promise<void> {
  const { store, authenticator, sessions, config } = app.services;

  app.post('/api/v1/auth/login', async (request, reply) => {
    const { login, password } = parseBody(loginSchema, request.body);
    const user = await authenticator.verifyPassword(login, password, request.ip);
    if (!user) {
      logAuthenticationFailure(request, login, 'login');
      throw unauthorized('invalid login or password');
    }
    const session = await sessions.create(user.id, { address: request.ip, userAgent: request.headers['user-agent'] });
    setSessionCookie(request, reply, config, session);
    request.log.info({ userId: user.id }, 'login');
    return { user: await store.users.get(user.id), csrfToken: sessions.csrfToken(session.token) };
  });

  app.post('/api/v1/auth/logout', async (request, reply) => {
    const caller = request.caller;
    if (caller.kind === 'user' && caller.sessionToken) await sessions.revoke(caller.sessionToken);
    clearSessionCookie(request, reply, config);
    return reply.code(204).send();
  });

  /** Signs the caller out of every UI session and every registry client holding a refresh token. */
  app.post('/api/v1/auth/logout-everywhere', async (request, reply) => {
    const user = requireSessionOrPassword(request, 'sign out everywhere');
    const sessionsEnded = await store.sessions.deleteForUser(user.id);
    const clientsSignedOut = await store.tokens.deleteForUser(user.id, 'refresh');
    await app.services.access.refresh();
    clearSessionCookie(request, reply, config);
    await audit(
      request,
      'user.logout-everywhere',
      { type: 'user', id: user.id, name: user.login },
      { sessionsEnded, clientsSignedOut },
    );
    request.log.info({ userId: user.id, sessionsEnded, clientsSignedOut }, 'logout everywhere');
    return { sessionsEnded, clientsSignedOut };
  });

  app.get('/api/v1/auth/me', async (request) => {
    const user = requireUser(request);
    const caller = request.caller;
    const sessionToken = caller.kind === 'user' ? caller.sessionToken : undefined;
    return {
      user: await store.users.get(user.id),
      ...(sessionToken ? { csrfToken: sessions.csrfToken(sessionToken) } : {}),
    };
  });
}
