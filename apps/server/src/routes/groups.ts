/** `/api/v1/groups`: named sets of users that access rules can name. */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { audited, changedFields } from '../http/audit';
import { requireAdmin } from '../http/authentication';
import { parseBody } from '../http/body';
import { badRequest, notFound } from '../http/errors';
import { parseId, parseListQuery, sendList } from '../http/list-query';

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
const updateSchema = z
  .object({
    id: z.number().int().optional(),
    name: nameSchema.optional(),
    description: z.string().max(1000).optional(),
    members: membersSchema.optional(),
    createdAt: z.string().optional(),
    updatedAt: z.string().optional(),
  })
  .strict();

export async function groupRoutes(app: FastifyInstance): Promise<void> {
  const { store, access } = app.services;

  app.get('/api/v1/groups', async (request, reply) => {
    requireAdmin(request, 'read');
    const query = parseListQuery(request.query);
    return sendList(reply, 'groups', query, await store.groups.list(query));
  });

  app.get('/api/v1/groups/:id', async (request) => {
    requireAdmin(request, 'read');
    const group = await store.groups.get(parseId(request.params));
    if (!group) throw notFound('group not found');
    return group;
  });

  app.post('/api/v1/groups', async (request, reply) => {
    requireAdmin(request, 'write');
    const input = parseBody(createSchema, request.body);
    const group = await audited(
      request,
      'group.create',
      (tx) => tx.groups.create(input),
      (created) => ({ target: { type: 'group', id: created.id, name: created.name } }),
    );
    await access.refresh();
    request.log.info({ groupId: group.id }, 'group created');
    return reply.code(201).send(group);
  });

  app.put('/api/v1/groups/:id', async (request) => {
    requireAdmin(request, 'write');
    const id = parseId(request.params);
    const { id: bodyId, createdAt: _c, updatedAt: _u, ...patch } = parseBody(updateSchema, request.body);
    if (bodyId !== undefined && bodyId !== id) throw badRequest('id in the body does not match the URL', 'id');
    const group = await audited(
      request,
      'group.update',
      (tx) => tx.groups.update(id, patch),
      (updated) => ({ target: { type: 'group', id, name: updated.name }, details: { fields: changedFields(patch) } }),
    );
    await access.refresh();
    request.log.info({ groupId: id }, 'group updated');
    return group;
  });

  app.delete('/api/v1/groups/:id', async (request) => {
    requireAdmin(request, 'write');
    const id = parseId(request.params);
    const group = await audited(
      request,
      'group.delete',
      (tx) => tx.groups.delete(id),
      (deleted) => ({ target: { type: 'group', id: deleted.id, name: deleted.name } }),
    );
    await access.refresh();
    request.log.info({ groupId: group.id }, 'group deleted');
    return group;
  });
}
