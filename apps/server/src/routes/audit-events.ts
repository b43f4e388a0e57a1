/** `GET /api/v1/audit-events`: the audit log, newest first; filters actor, action, targetType, targetId, since, until, q. */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { adminOnly } from '../http/authentication';
import { errorResponses } from '../http/errors';
import { listQuerySchema, sendList } from '../http/list-query';

const auditEventSchema = z
  .object({
    id: z.number().int(),
    at: z.string(),
    actorId: z.number().int().nullable(),
    actorName: z.string(),
    action: z.string().meta({ example: 'user.create' }),
    targetType: z.string(),
    targetId: z.string().nullable(),
    targetName: z.string(),
    address: z.string().nullable(),
    details: z.record(z.string(), z.unknown()).meta({ description: 'what changed (field names, never secrets)' }),
  })
  .meta({ id: 'AuditEvent' });

export async function auditEventRoutes(instance: FastifyInstance): Promise<void> {
  const app = instance.withTypeProvider<ZodTypeProvider>();
  app.addHook('onRequest', adminOnly);
  app.get(
    '/api/v1/audit-events',
    { schema: { querystring: listQuerySchema, response: { 200: z.array(auditEventSchema), ...errorResponses } } },
    async (request, reply) =>
      sendList(reply, 'audit-events', request.query, await app.services.store.audit.list(request.query)),
  );
}
