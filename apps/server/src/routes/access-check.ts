/**
 * `GET /api/v1/access-check?user=<login>&scope=<scope>`: what a token request by that user (or anonymous, without
 * `user`) would be granted, and which rule granted each action. Admins and managers may check anyone; others themselves.
 */
import { explain, type Principal } from '@registry-admin/acl';
import { parseScopes } from '@registry-admin/token-service';
import type { FastifyInstance } from 'fastify';
import { requireUser } from '../http/authentication';
import { badRequest, forbidden, notFound } from '../http/errors';

export async function accessCheckRoutes(app: FastifyInstance): Promise<void> {
  const { access } = app.services;

  app.get('/api/v1/access-check', async (request) => {
    const caller = requireUser(request);
    const query = request.query as Record<string, string | string[] | undefined>;
    const login = query.user;
    if (Array.isArray(login)) throw badRequest('user must be given once', 'user');
    if (query.scope === undefined || query.scope === '') throw badRequest('scope is required', 'scope');
    const isReader = caller.role === 'admin' || caller.role === 'manager';
    if (!isReader && login !== caller.login) throw forbidden('you may only check your own access');

    let principal: Principal = { kind: 'anonymous' };
    if (login) {
      const user = access.userByLogin(login);
      if (!user) throw notFound(`no user "${login.slice(0, 64)}"`);
      principal = access.principalOf(user);
    }
    const scopes = parseScopes(query.scope);
    return {
      user: login || null,
      anonymous: !login,
      disabled: login ? (access.userByLogin(login)?.disabled ?? false) : false,
      decisions: explain(access.policy, principal, scopes),
    };
  });
}
