/**
 * `/api/v1/service-accounts`: credentials for CI and deployments. The secret is shown once, at creation and at
 * rotation (`POST /:id/secret`); only its hash is kept.
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { audit, changedFields } from '../http/audit';
import { requireAdmin, requireSessionOrPassword } from '../http/authentication';
import { parseBody } from '../http/body';
import { badRequest, notFound } from '../http/errors';
import { parseId, parseListQuery, sendList } from '../http/list-query';
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
const updateSchema = z
  .object({
    id: z.number().int().optional(),
    name: nameSchema.optional(),
    description: z.string().max(1000).optional(),
    disabled: z.boolean().optional(),
    expiresAt: expiresSchema,
    lastUsedAt: z.string().nullable().optional(),
    createdAt: z.string().optional(),
    updatedAt: z.string().optional(),
  })
  .strict();

const toDate = (value: string | null | undefined) =>
  value === undefined ? undefined : value === null ? null : new Date(value);

export async function serviceAccountRoutes(app: FastifyInstance): Promise<void> {
  const { store, access } = app.services;

  app.get('/api/v1/service-accounts', async (request, reply) => {
    requireAdmin(request, 'read');
    const query = parseListQuery(request.query);
    return sendList(reply, 'service-accounts', query, await store.serviceAccounts.list(query));
  });

  app.get('/api/v1/service-accounts/:id', async (request) => {
    requireAdmin(request, 'read');
    const account = await store.serviceAccounts.get(parseId(request.params));
    if (!account) throw notFound('service account not found');
    return account;
  });

  app.post('/api/v1/service-accounts', async (request, reply) => {
    requireAdmin(request, 'write');
    requireSessionOrPassword(request, 'create service accounts (it makes a secret)');
    const input = parseBody(createSchema, request.body);
    const secret = newSecret('serviceAccount');
    const account = await store.serviceAccounts.create({
      name: input.name,
      secretHash: secret.hash,
      ...(input.description !== undefined ? { description: input.description } : {}),
      expiresAt: toDate(input.expiresAt) ?? null,
    });
    await access.refresh();
    await audit(request, 'service-account.create', { type: 'service-account', id: account.id, name: account.name });
    request.log.info({ serviceAccountId: account.id }, 'service account created');
    return reply.code(201).send({ ...account, secret: secret.value });
  });

  app.put('/api/v1/service-accounts/:id', async (request) => {
    requireAdmin(request, 'write');
    const id = parseId(request.params);
    const input = parseBody(updateSchema, request.body);
    if (input.id !== undefined && input.id !== id) throw badRequest('id in the body does not match the URL', 'id');
    const expiresAt = toDate(input.expiresAt);
    const account = await store.serviceAccounts.update(id, {
      ...(input.name !== undefined ? { name: input.name } : {}),
      ...(input.description !== undefined ? { description: input.description } : {}),
      ...(input.disabled !== undefined ? { disabled: input.disabled } : {}),
      ...(expiresAt !== undefined ? { expiresAt } : {}),
    });
    await access.refresh();
    const action = input.disabled === true ? 'service-account.disable' : 'service-account.update';
    const { id: _id, lastUsedAt: _l, createdAt: _c, updatedAt: _u, ...fields } = input;
    await audit(
      request,
      action,
      { type: 'service-account', id, name: account.name },
      { fields: changedFields(fields) },
    );
    request.log.info({ serviceAccountId: id }, 'service account updated');
    return account;
  });

  app.post('/api/v1/service-accounts/:id/secret', async (request) => {
    requireAdmin(request, 'write');
    requireSessionOrPassword(request, 'make service-account secrets');
    const id = parseId(request.params);
    const secret = newSecret('serviceAccount');
    const account = await store.serviceAccounts.update(id, { secretHash: secret.hash });
    await access.refresh();
    await audit(request, 'service-account.rotate-secret', { type: 'service-account', id, name: account.name });
    request.log.info({ serviceAccountId: id }, 'service account secret rotated');
    return { ...account, secret: secret.value };
  });

  app.delete('/api/v1/service-accounts/:id', async (request) => {
    requireAdmin(request, 'write');
    const account = await store.serviceAccounts.delete(parseId(request.params));
    await access.refresh();
    await audit(request, 'service-account.delete', { type: 'service-account', id: account.id, name: account.name });
    request.log.info({ serviceAccountId: account.id }, 'service account deleted');
    return account;
  });
}
