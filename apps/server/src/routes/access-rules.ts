/** `/api/v1/access-rules`: who may pull, push or delete which repositories. */
import { ACTIONS, validatePattern } from '@registry-admin/acl';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { audited, changedFields } from '../http/audit';
import { requireAdmin } from '../http/authentication';
import { parseBody } from '../http/body';
import { badRequest, notFound } from '../http/errors';
import { parseId, parseListQuery, sendList } from '../http/list-query';

const patternSchema = z
  .string()
  .min(1)
  .max(255)
  .superRefine((pattern, ctx) => {
    const problem = validatePattern(pattern);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });
const actionsSchema = z.array(z.enum(ACTIONS)).min(1).max(4);
const subjectTypeSchema = z.enum(['user', 'group', 'service-account', 'registered', 'everyone']);

const createSchema = z
  .object({
    subjectType: subjectTypeSchema,
    subjectId: z.number().int().positive().nullable().optional(),
    pattern: patternSchema,
    actions: actionsSchema,
    description: z.string().max(1000).optional(),
  })
  .strict();
const updateSchema = z
  .object({
    id: z.number().int().optional(),
    subjectType: subjectTypeSchema.optional(),
    subjectId: z.number().int().positive().nullable().optional(),
    pattern: patternSchema.optional(),
    actions: actionsSchema.optional(),
    description: z.string().max(1000).optional(),
    createdAt: z.string().optional(),
    updatedAt: z.string().optional(),
  })
  .strict();

export async function accessRuleRoutes(app: FastifyInstance): Promise<void> {
  const { store, access } = app.services;

  app.get('/api/v1/access-rules', async (request, reply) => {
    requireAdmin(request, 'read');
    const query = parseListQuery(request.query);
    return sendList(reply, 'access-rules', query, await store.rules.list(query));
  });

  app.get('/api/v1/access-rules/:id', async (request) => {
    requireAdmin(request, 'read');
    const rule = await store.rules.get(parseId(request.params));
    if (!rule) throw notFound('access rule not found');
    return rule;
  });

  app.post('/api/v1/access-rules', async (request, reply) => {
    requireAdmin(request, 'write');
    const input = parseBody(createSchema, request.body);
    const rule = await audited(
      request,
      'rule.create',
      (tx) => tx.rules.create({ ...input, subjectId: input.subjectId ?? null }),
      (created) => ({
        target: { type: 'access-rule', id: created.id, name: created.pattern },
        details: { subjectType: created.subjectType, subjectId: created.subjectId, actions: created.actions },
      }),
    );
    await access.refresh();
    request.log.info({ ruleId: rule.id }, 'access rule created');
    return reply.code(201).send(rule);
  });

  app.put('/api/v1/access-rules/:id', async (request) => {
    requireAdmin(request, 'write');
    const id = parseId(request.params);
    const { id: bodyId, createdAt: _c, updatedAt: _u, ...patch } = parseBody(updateSchema, request.body);
    if (bodyId !== undefined && bodyId !== id) throw badRequest('id in the body does not match the URL', 'id');
    const rule = await audited(
      request,
      'rule.update',
      (tx) => tx.rules.update(id, patch),
      (updated) => ({
        target: { type: 'access-rule', id, name: updated.pattern },
        details: { fields: changedFields(patch) },
      }),
    );
    await access.refresh();
    request.log.info({ ruleId: id }, 'access rule updated');
    return rule;
  });

  app.delete('/api/v1/access-rules/:id', async (request) => {
    requireAdmin(request, 'write');
    const id = parseId(request.params);
    const rule = await audited(
      request,
      'rule.delete',
      (tx) => tx.rules.delete(id),
      (deleted) => ({ target: { type: 'access-rule', id: deleted.id, name: deleted.pattern } }),
    );
    await access.refresh();
    request.log.info({ ruleId: rule.id }, 'access rule deleted');
    return rule;
  });
}
