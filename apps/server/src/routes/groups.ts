/** `/api/v1/groups`: named sets of users that access rules can name. */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { audited, changedFields } from '../http/audit';
import { adminOnly } from '../http/authentication';
import { errorResponses, notFound } from '../http/errors';
import { checkBodyId, idParamsSchema, listQuerySchema, sendList } from '../http/list-query';

const nameSchema = z
  .string()
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9 ._-]{0,63}$/,
    'must be 1-64 characters A-Z a-z 0-9 space . _ - starting with a letter or digit',
  );
const membersSchema = z.array(z.number().int().positive()).max(10_000);

const createSchema = z
  .object({ name: nameSchema, description: z.string().max(1000).optional(), members: membersSchema.optional() })
  .strict();
/** react-admin sends the whole record back: read-only and unknown fields are dropped, not refused. */
const updateSchema = z
  .object({
    id: z.number().int().optional(),
    name: nameSchema.optional(),
    description: z.string().max(1000).optional(),
    members: membersSchema.optional(),
  })
  .strip();

const groupRecordSchema = z
  .object({
    id: z.number().int(),
    name: z.string(),
    description: z.string(),
    members: z.array(z.number().int()).meta({ description: 'ids of the member users' }),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .meta({ id: 'Group' });

export async function groupRoutes(instance: FastifyInstance): Promise<void> {
  const app = instance.withTypeProvider<ZodTypeProvider>();
  const { store, access } = app.services;
  app.addHook('onRequest', adminOnly);
  const one = { 200: groupRecordSchema, ...errorResponses };

  app.get(
    '/api/v1/groups',
    { schema: { querystring: listQuerySchema, response: { 200: z.array(groupRecordSchema), ...errorResponses } } },
    async (request, reply) => sendList(reply, 'groups', request.query, await store.groups.list(request.query)),
  );

  app.get('/api/v1/groups/:id', { schema: { params: idParamsSchema, response: one } }, async (request) => {
    const group = await store.groups.get(request.params.id);
    if (!group) throw notFound('group not found');
    return group;
  });

  app.post(
    '/api/v1/groups',
    { schema: { body: createSchema, response: { 201: groupRecordSchema, ...errorResponses } } },
    async (request, reply) => {
      const input = request.body;
      const group = await audited(
        request,
        'group.create',
        (tx) => tx.groups.create(input),
        (created) => ({ target: { type: 'group', id: created.id, name: created.name } }),
      );
      await access.refresh();
      request.log.info({ groupId: group.id }, 'group created');
      return reply.code(201).send(group);
    },
  );

  app.put(
    '/api/v1/groups/:id',
    { schema: { params: idParamsSchema, body: updateSchema, response: one } },
    async (request) => {
      const { id } = request.params;
      checkBodyId(request.body.id, id);
      const { id: _id, ...patch } = request.body;
      const group = await audited(
        request,
        'group.update',
        (tx) => tx.groups.update(id, patch),
        (updated) => ({ target: { type: 'group', id, name: updated.name }, details: { fields: changedFields(patch) } }),
      );
      await access.refresh();
      request.log.info({ groupId: id }, 'group updated');
      return group;
    },
  );

  app.delete('/api/v1/groups/:id', { schema: { params: idParamsSchema, response: one } }, async (request) => {
    const group = await audited(
      request,
      'group.delete',
      (tx) => tx.groups.delete(request.params.id),
      (deleted) => ({ target: { type: 'group', id: deleted.id, name: deleted.name } }),
    );
    await access.refresh();
    request.log.info({ groupId: group.id }, 'group deleted');
    return group;
  });
}
