/**
 * `GET /api/v1/access-check?user=<login>&scope=<scope>`: what a token request by that user (or anonymous, without
 * `user`) would be granted, and which rule granted each action. Admins and managers may check anyone; others themselves.
 */
import { explain, type Principal } from '@registry-admin/acl';
import { parseScopes } from '@registry-admin/token-service';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { requireUser, signedIn } from '../http/authentication';
import { errorResponses, forbidden, notFound } from '../http/errors';

const querySchema = z.object({
  user: z
    .string({ error: 'must be given once' })
    .optional()
    .meta({ description: 'the login to check; anonymous when absent or empty' }),
  scope: z
    .union([z.string().min(1), z.array(z.string()).min(1)], { error: 'a scope is required' })
    .meta({ description: 'a token request scope, e.g. repository:team/app:pull,push; may be repeated' }),
});

const subjectSchema = z.union([
  z.object({ kind: z.enum(['user', 'group', 'service-account']), id: z.string() }),
  z.object({ kind: z.enum(['registered', 'everyone']) }),
]);

const answerSchema = z.object({
  user: z.string().nullable(),
  anonymous: z.boolean(),
  disabled: z.boolean(),
  decisions: z.array(
    z.object({
      type: z.string(),
      name: z.string(),
      requested: z.array(z.string()),
      granted: z.array(z.string()),
      denied: z.array(z.string()),
      reasons: z.array(
        z.union([
          z.object({ action: z.string(), by: z.literal('admin') }),
          z.object({
            action: z.string(),
            by: z.literal('rule'),
            ruleId: z.string(),
            subject: subjectSchema,
            pattern: z.string(),
          }),
        ]),
      ),
    }),
  ),
});

export async function accessCheckRoutes(instance: FastifyInstance): Promise<void> {
  const app = instance.withTypeProvider<ZodTypeProvider>();
  const { access } = app.services;
  app.addHook('onRequest', signedIn);

  app.get(
    '/api/v1/access-check',
    { schema: { querystring: querySchema, response: { 200: answerSchema, ...errorResponses } } },
    async (request) => {
      const caller = requireUser(request);
      const { user: login, scope } = request.query;
      const isReader = caller.role === 'admin' || caller.role === 'manager';
      if (!isReader && login !== caller.login) throw forbidden('you may only check your own access');

      let principal: Principal = { kind: 'anonymous' };
      if (login) {
        const user = access.userByLogin(login);
        if (!user) throw notFound(`no user "${login.slice(0, 64)}"`);
        principal = access.principalOf(user);
      }
      const scopes = parseScopes(scope);
      return {
        user: login || null,
        anonymous: !login,
        disabled: login ? (access.userByLogin(login)?.disabled ?? false) : false,
        decisions: explain(access.policy, principal, scopes),
      };
    },
  );
}
