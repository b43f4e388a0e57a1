/**
 * `/api/v1/service-accounts`: credentials for CI and deployments. The secret is shown once, at creation and at
 * rotation (`POST /:id/secret`); only its hash is kept.
 */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { audited, changedFields } from '../http/audit';
import { adminOnly, sessionOrPassword } from '../http/authentication';
import { errorResponses, notFound } from '../http/errors';
import { checkBodyId, idParamsSchema, listQuerySchema, sendList } from '../http/list-query';
import { newSecret } from '../services/secrets';

const nameSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9._-]{0,63}$/, 'must be 1-64 characters a-z 0-9 . _ - starting with a letter or digit');
const expiresSchema = z.iso
  .datetime({ offset: true })
  .refine((value) => Date.parse(value) > Date.now(), 'must be in the future')
  .nullable()
  .optional();

const createSchema = z
  .object({ name: nameSchema, description: z.string().max(1000).optional(), expiresAt: expiresSchema })
  .strict();
/** react-admin sends the whole record back: read-only and unknown fields are dropped, not refused. */
const updateSchema = z
  .object({
    id: z.number().int().optional(),
    name: nameSchema.optional(),
    description: z.string().max(1000).optional(),
    disabled: z.boolean().optional(),
    expiresAt: expiresSchema,
  })
  .strip();

const toDate = (value: string | null | undefined) =>
  value === undefined ? undefined : value === null ? null : new Date(value);

const accountRecordSchema = z
  .object({
    id: z.number().int(),
    name: z.string(),
    description: z.string(),
    disabled: z.boolean(),
    expiresAt: z.string().nullable(),
    lastUsedAt: z.string().nullable(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .meta({ id: 'ServiceAccount' });
/** At creation and rotation only: the secret, which is never shown again. */
const accountWithSecretSchema = accountRecordSchema
  .extend({ secret: z.string().meta({ description: 'shown once; only its hash is kept' }) })
  .meta({ id: 'ServiceAccountWithSecret' });

export async function serviceAccountRoutes(instance: FastifyInstance): Promise<void> {
  const app = instance.withTypeProvider<ZodTypeProvider>();
  const { store, access } = app.services;
  app.addHook('onRequest', adminOnly);
  const one = { 200: accountRecordSchema, ...errorResponses };

  app.get(
    '/api/v1/service-accounts',
    { schema: { querystring: listQuerySchema, response: { 200: z.array(accountRecordSchema), ...errorResponses } } },
    async (request, reply) =>
      sendList(reply, 'service-accounts', request.query, await store.serviceAccounts.list(request.query)),
  );

  app.get('/api/v1/service-accounts/:id', { schema: { params: idParamsSchema, response: one } }, async (request) => {
    const account = await store.serviceAccounts.get(request.params.id);
    if (!account) throw notFound('service account not found');
    return account;
  });

  app.post(
    '/api/v1/service-accounts',
    {
      onRequest: sessionOrPassword('create service accounts (it makes a secret)'),
      schema: { body: createSchema, response: { 201: accountWithSecretSchema, ...errorResponses } },
    },
    async (request, reply) => {
      const input = request.body;
      const secret = newSecret('serviceAccount');
      const account = await audited(
        request,
        'service-account.create',
        (tx) =>
          tx.serviceAccounts.create({
            name: input.name,
            secretHash: secret.hash,
            ...(input.description !== undefined ? { description: input.description } : {}),
            expiresAt: toDate(input.expiresAt) ?? null,
          }),
        (created) => ({ target: { type: 'service-account', id: created.id, name: created.name } }),
      );
      await access.refresh();
      request.log.info({ serviceAccountId: account.id }, 'service account created');
      return reply.code(201).send({ ...account, secret: secret.value });
    },
  );

  app.put(
    '/api/v1/service-accounts/:id',
    { schema: { params: idParamsSchema, body: updateSchema, response: one } },
    async (request) => {
      const { id } = request.params;
      const input = request.body;
      checkBodyId(input.id, id);
      const expiresAt = toDate(input.expiresAt);
      const { id: _id, ...fields } = input;
      const account = await audited(
        request,
        input.disabled === true ? 'service-account.disable' : 'service-account.update',
        (tx) =>
          tx.serviceAccounts.update(id, {
            ...(input.name !== undefined ? { name: input.name } : {}),
            ...(input.description !== undefined ? { description: input.description } : {}),
            ...(input.disabled !== undefined ? { disabled: input.disabled } : {}),
            ...(expiresAt !== undefined ? { expiresAt } : {}),
          }),
        (updated) => ({
          target: { type: 'service-account', id, name: updated.name },
          details: { fields: changedFields(fields) },
        }),
      );
      await access.refresh();
      request.log.info({ serviceAccountId: id }, 'service account updated');
      return account;
    },
  );

  app.post(
    '/api/v1/service-accounts/:id/secret',
    {
      onRequest: sessionOrPassword('make service-account secrets'),
      schema: { params: idParamsSchema, response: { 200: accountWithSecretSchema, ...errorResponses } },
    },
    async (request) => {
      const { id } = request.params;
      const secret = newSecret('serviceAccount');
      const account = await audited(
        request,
        'service-account.rotate-secret',
        (tx) => tx.serviceAccounts.update(id, { secretHash: secret.hash }),
        (updated) => ({ target: { type: 'service-account', id, name: updated.name } }),
      );
      await access.refresh();
      request.log.info({ serviceAccountId: id }, 'service account secret rotated');
      return { ...account, secret: secret.value };
    },
  );

  app.delete('/api/v1/service-accounts/:id', { schema: { params: idParamsSchema, response: one } }, async (request) => {
    const account = await audited(
      request,
      'service-account.delete',
      (tx) => tx.serviceAccounts.delete(request.params.id),
      (deleted) => ({ target: { type: 'service-account', id: deleted.id, name: deleted.name } }),
    );
    await access.refresh();
    request.log.info({ serviceAccountId: account.id }, 'service account deleted');
    return account;
  });
}
