/** `GET /api/v1/audit-events`: the audit log, newest first; filters actor, action, targetType, targetId, since, until, q. */
import type { FastifyInstance } from 'fastify';
import { requireAdmin } from '../http/authentication';
import { parseListQuery, sendList } from '../http/list-query';

export async function auditEventRoutes(app: FastifyInstance): Promise<void> {
  app.get('/api/v1/audit-events', async (request, reply) => {
    requireAdmin(request, 'read');
    const query = parseListQuery(request.query);
    return sendList(reply, 'audit-events', query, await app.services.store.audit.list(query));
  });
}
