/**
 * Password reset by e-mail: `POST /api/v1/auth/password-reset` asks for a link, `POST /api/v1/auth/password-reset/complete`
 * uses it. Links are single-use, valid one hour, stored hashed, and carry the token in the URL fragment (never sent
 * to a server or logged). The answer to a request is the same whether or not the account exists or has an e-mail
 * address, so it reveals nothing; mail is sent in the background so timing does not either.
 */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { audited } from '../http/audit';
import { ApiError, badRequest, errorResponses } from '../http/errors';
import { publicUrl } from '../runtime/public-url';
import { hashSecret, newSecret } from '../services/secrets';
import { passwordSchema } from './users';

/**
 * The web UI's page that completes a reset (apps/web routes the same path); the server's SPA fallback answers it. The
 * token goes in the fragment, which browsers never send, so it stays out of every access log and proxy.
 */
export const RESET_PAGE_PATH = '/reset-password';
const LINK_LIFETIME_MS = 3600_000;
/** One mail per account per minute at most. */
const MAIL_INTERVAL_MS = 60_000;

export const RESET_ANSWER =
  'If the account exists and has an e-mail address, a link to set a new password has been sent to it. ' +
  'Accounts without an e-mail address cannot be reset by e-mail: ask an administrator.';

const invalidLink = () => badRequest('this link is invalid, expired or already used', 'token');

const messageSchema = z.object({ message: z.string() });

export async function passwordResetRoutes(instance: FastifyInstance): Promise<void> {
  const app = instance.withTypeProvider<ZodTypeProvider>();
  const { store, access, mailer, passwords, config, throttle } = app.services;
  const requestSchema = z.object({ login: z.string().min(1).max(320) }).strict();
  const completeSchema = z
    .object({
      token: z.string().min(1).max(200).meta({ description: 'from the link in the mail' }),
      password: passwordSchema(passwords),
    })
    .strict();

  app.post(
    '/api/v1/auth/password-reset',
    { schema: { security: [], body: requestSchema, response: { 202: messageSchema, ...errorResponses } } },
    async (request, reply) => {
      const { login } = request.body;
      if (!mailer) {
        throw new ApiError(
          503,
          'ERR_RESET_UNAVAILABLE',
          'password reset by e-mail is not configured: ask an administrator',
        );
      }
      const snapshotUser = access.userByLogin(login);
      const send = async () => {
        if (!snapshotUser || snapshotUser.disabled) return;
        const user = await store.users.get(snapshotUser.id);
        if (!user?.email) return;
        const secret = newSecret('reset');
        // One link, and so one mail, per account per interval however many requests arrive at once.
        const created = await store.passwordResets.create({
          userId: user.id,
          tokenHash: secret.hash,
          expiresAt: new Date(Date.now() + LINK_LIFETIME_MS),
          notWithinMs: MAIL_INTERVAL_MS,
        });
        if (!created) return;
        const link = `${publicUrl(config)}${RESET_PAGE_PATH}#token=${encodeURIComponent(secret.value)}`;
        await mailer.send({
          to: user.email,
          subject: 'Set a new registry-admin password',
          text:
            `Someone (hopefully you) asked to set a new password for the registry-admin account "${user.login}".\n\n` +
            `Open this link within one hour to choose it; it works once:\n\n${link}\n\n` +
            'If you did not ask for this, ignore this mail: your password stays as it is.\n',
        });
        request.log.info({ userId: user.id }, 'password reset link sent');
      };
      send().catch((error: unknown) => request.log.error({ err: error }, 'password reset mail failed'));
      return reply.code(202).send({ message: RESET_ANSWER });
    },
  );

  app.post(
    '/api/v1/auth/password-reset/complete',
    { schema: { security: [], body: completeSchema, response: { 200: messageSchema, ...errorResponses } } },
    async (request) => {
      const { token, password } = request.body;
      // Anyone may call this: the attempt is counted against the address before the link is even looked up (a locked
      // address gets 429), and the new password is hashed only for a link that works, so guesses never reach argon2.
      await throttle.reserve(request.ip);
      const tokenHash = hashSecret(token);
      if ((await store.passwordResets.usable(tokenHash)) === undefined) throw invalidLink();
      // The link may be used by a concurrent request while the password is hashed: consume decides, once.
      const passwordHash = await passwords.hash(password);
      const registryPasswordHash = (await app.services.registryPasswords.hash(password)) ?? null;
      const { userId } = await audited(
        request,
        'user.password-reset',
        async (tx) => {
          const consumed = await tx.passwordResets.consume(tokenHash, passwordHash, undefined, registryPasswordHash);
          if (consumed === undefined) throw invalidLink();
          return { userId: consumed, login: (await tx.users.get(consumed))?.login ?? '' };
        },
        ({ userId, login }) => ({ target: { type: 'user', id: userId, name: login } }),
      );
      await throttle.succeeded(request.ip);
      app.services.credentialCache.forgetUser(userId);
      await access.refresh();
      return { message: 'password changed; sign in with the new password' };
    },
  );
}
