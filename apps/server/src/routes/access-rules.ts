/**
 * `/api/v1/access-rules`: who may pull, push or delete which repositories; `GET /api/v1/access-rules/preview` shows
 * which indexed repositories a pattern matches, compiled by the acl package like every rule's pattern.
 */
import { ACTIONS, compilePattern, OWN_NAME_PLACEHOLDER, validatePattern } from '@registry-admin/acl';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { audited, changedFields } from '../http/audit';
import { adminOnly } from '../http/authentication';
import { errorResponses, notFound } from '../http/errors';
import { checkBodyId, idParamsSchema, listQuerySchema, sendList } from '../http/list-query';

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
/** react-admin sends the whole record back: read-only and unknown fields are dropped, not refused. */
const updateSchema = z
  .object({
    id: z.number().int().optional(),
    subjectType: subjectTypeSchema.optional(),
    subjectId: z.number().int().positive().nullable().optional(),
    pattern: patternSchema.optional(),
    actions: actionsSchema.optional(),
    description: z.string().max(1000).optional(),
  })
  .strip();

const ruleRecordSchema = z
  .object({
    id: z.number().int(),
    subjectType: subjectTypeSchema,
    subjectId: z
      .number()
      .int()
      .nullable()
      .meta({ description: 'the user, group or service account; null for the others' }),
    pattern: z.string(),
    actions: z.array(z.enum(['pull', 'push', 'delete', '*'])),
    description: z.string(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .meta({ id: 'AccessRule' });

const PREVIEW_DEFAULT = 20;
const PREVIEW_MAX = 100;

const previewQuerySchema = z.object({
  pattern: patternSchema.meta({ description: 'a rule pattern: exact, `*` in a segment, `**` across, `{user}`' }),
  limit: z.coerce
    .number({ error: `must be a whole number 1-${PREVIEW_MAX}` })
    .int(`must be a whole number 1-${PREVIEW_MAX}`)
    .min(1, `must be a whole number 1-${PREVIEW_MAX}`)
    .max(PREVIEW_MAX, `must be a whole number 1-${PREVIEW_MAX}`)
    .default(PREVIEW_DEFAULT)
    .meta({ description: `how many names to list (default ${PREVIEW_DEFAULT})` }),
});

const previewSchema = z
  .object({
    pattern: z.string(),
    matches: z.array(z.string()).meta({ description: 'the first matching repository names, by name' }),
    total: z.number().int().meta({ description: 'how many indexed repositories match' }),
    repositories: z.number().int().meta({ description: 'how many repositories the index holds' }),
    ownName: z.boolean().meta({ description: 'the pattern has {user}: it is shown matching for any user' }),
  })
  .meta({ id: 'AccessRulePreview' });

/** The `limit` smallest names of those matching, with their count: one pass, no sort of every match. */
function firstMatches(names: Iterable<string>, matches: (name: string) => boolean, limit: number) {
  const first: string[] = [];
  let total = 0;
  for (const name of names) {
    if (!matches(name)) continue;
    total += 1;
    if (first.length === limit && name >= (first[limit - 1] as string)) continue;
    let at = first.length;
    while (at > 0 && (first[at - 1] as string) > name) at -= 1;
    first.splice(at, 0, name);
    if (first.length > limit) first.pop();
  }
  return { first, total };
}

export async function accessRuleRoutes(instance: FastifyInstance): Promise<void> {
  const app = instance.withTypeProvider<ZodTypeProvider>();
  const { store, access } = app.services;
  app.addHook('onRequest', adminOnly);
  const one = { 200: ruleRecordSchema, ...errorResponses };

  app.get(
    '/api/v1/access-rules',
    { schema: { querystring: listQuerySchema, response: { 200: z.array(ruleRecordSchema), ...errorResponses } } },
    async (request, reply) => sendList(reply, 'access-rules', request.query, await store.rules.list(request.query)),
  );

  app.get(
    '/api/v1/access-rules/preview',
    { schema: { querystring: previewQuerySchema, response: { 200: previewSchema, ...errorResponses } } },
    async (request) => {
      const { pattern, limit } = request.query;
      // In memory over the index's names (re-read at most once a second), only for admins and managers.
      const compiled = compilePattern(pattern);
      const repositories = await app.services.visibility.repositories();
      const { first, total } = firstMatches(
        repositories.map((repository) => repository.name),
        (name) => compiled.matchesSomeOwnName(name),
        limit,
      );
      return {
        pattern,
        matches: first,
        total,
        repositories: repositories.length,
        ownName: pattern.includes(OWN_NAME_PLACEHOLDER),
      };
    },
  );

  app.get('/api/v1/access-rules/:id', { schema: { params: idParamsSchema, response: one } }, async (request) => {
    const rule = await store.rules.get(request.params.id);
    if (!rule) throw notFound('access rule not found');
    return rule;
  });

  app.post(
    '/api/v1/access-rules',
    { schema: { body: createSchema, response: { 201: ruleRecordSchema, ...errorResponses } } },
    async (request, reply) => {
      const input = request.body;
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
    },
  );

  app.put(
    '/api/v1/access-rules/:id',
    { schema: { params: idParamsSchema, body: updateSchema, response: one } },
    async (request) => {
      const { id } = request.params;
      checkBodyId(request.body.id, id);
      const { id: _id, ...patch } = request.body;
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
    },
  );

  app.delete('/api/v1/access-rules/:id', { schema: { params: idParamsSchema, response: one } }, async (request) => {
    const rule = await audited(
      request,
      'rule.delete',
      (tx) => tx.rules.delete(request.params.id),
      (deleted) => ({ target: { type: 'access-rule', id: deleted.id, name: deleted.pattern } }),
    );
    await access.refresh();
    request.log.info({ ruleId: rule.id }, 'access rule deleted');
    return rule;
  });
}
