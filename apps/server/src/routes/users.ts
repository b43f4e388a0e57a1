/** `/api/v1/users`: admins manage accounts; managers may read them. No password hash ever leaves the server. */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { audited, changedFields } from '../http/audit';
import { adminOnly, requireSessionOrPassword, requireUser, sessionOrPassword } from '../http/authentication';
import { errorResponses, notFound } from '../http/errors';
import { checkBodyId, idParamsSchema, listQuerySchema, sendList } from '../http/list-query';
import type { PasswordHasher } from '../services/passwords';

export const loginSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9._-]{0,63}$/, 'must be 1-64 characters a-z 0-9 . _ - starting with a letter or digit');
/** A new password under the configured policy. */
export function passwordSchema(passwords: PasswordHasher) {
  return z.string().superRefine((password, ctx) => {
    const problem = passwords.problem(password);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });
}
const roleSchema = z.enum(['admin', 'manager', 'user']);
const groupsSchema = z.array(z.number().int().positive()).max(1000);

/** An account as the API shows it: the password hash is not part of it, so it can never be sent. */
export const userRecordSchema = z
  .object({
    id: z.number().int(),
    login: z.string(),
    name: z.string(),
    email: z.string().nullable(),
    role: roleSchema,
    disabled: z.boolean(),
    groups: z.array(z.number().int()).meta({ description: 'ids of the groups the user belongs to' }),
    createdAt: z.string(),
    updatedAt: z.string(),
    passwordChangedAt: z.string(),
  })
  .meta({ id: 'User' });

export async function userRoutes(instance: FastifyInstance): Promise<void> {
  const app = instance.withTypeProvider<ZodTypeProvider>();
  const { store, access, credentialCache, passwords, registryPasswords } = app.services;
  app.addHook('onRequest', adminOnly);
  const password = passwordSchema(passwords);
  const createSchema = z
    .object({
      login: loginSchema,
      password,
      name: z.string().max(200).optional(),
      email: z.email().max(320).nullable().optional(),
      role: roleSchema.optional(),
      disabled: z.boolean().optional(),
      groups: groupsSchema.optional(),
    })
    .strict();
  /** react-admin sends the whole record back: read-only and unknown fields are dropped; a missing password keeps it. */
  const updateSchema = z
    .object({
      id: z.number().int().optional(),
      login: loginSchema.optional(),
      password: z.union([password, z.literal(''), z.null()]).optional(),
      name: z.string().max(200).optional(),
      email: z.email().max(320).nullable().optional(),
      role: roleSchema.optional(),
      disabled: z.boolean().optional(),
      groups: groupsSchema.optional(),
    })
    .strip();

  app.get(
    '/api/v1/users',
    { schema: { querystring: listQuerySchema, response: { 200: z.array(userRecordSchema), ...errorResponses } } },
    async (request, reply) => sendList(reply, 'users', request.query, await store.users.list(request.query)),
  );

  app.get(
    '/api/v1/users/:id',
    { schema: { params: idParamsSchema, response: { 200: userRecordSchema, ...errorResponses } } },
    async (request) => (await store.users.get(request.params.id)) ?? Promise.reject(notFound('user not found')),
  );

  app.post(
    '/api/v1/users',
    {
      // A new account comes with a password the caller chose: a lasting credential.
      onRequest: sessionOrPassword('create accounts'),
      schema: { body: createSchema, response: { 201: userRecordSchema, ...errorResponses } },
    },
    async (request, reply) => {
      const { password, ...rest } = request.body;
      // Hashed before the transaction opens: argon2 is slow, and a transaction holds the write lock meanwhile.
      const passwordHash = await passwords.hash(password);
      // htpasswd mode: the registry's bcrypt hash, made now that the password is known.
      const registryPasswordHash = (await registryPasswords.hash(password)) ?? null;
      const user = await audited(
        request,
        'user.create',
        (tx) => tx.users.create({ ...rest, passwordHash, registryPasswordHash }),
        (created) => ({
          target: { type: 'user', id: created.id, name: created.login },
          details: { role: created.role },
        }),
      );
      await access.refresh();
      request.log.info({ userId: user.id, login: user.login }, 'user created');
      return reply.code(201).send(user);
    },
  );

  app.put(
    '/api/v1/users/:id',
    { schema: { params: idParamsSchema, body: updateSchema, response: { 200: userRecordSchema, ...errorResponses } } },
    async (request) => {
      const { id } = request.params;
      checkBodyId(request.body.id, id);
      const { password, id: _id, ...patch } = request.body;
      if (password) requireSessionOrPassword(request, 'set passwords');
      // A role or a re-enabled account outlives the token that set it: that needs a session or the password too.
      const current = access.userById(id);
      if (current && patch.role !== undefined && patch.role !== current.role) {
        requireSessionOrPassword(request, 'change roles');
      }
      if (current?.disabled && patch.disabled === false) requireSessionOrPassword(request, 're-enable accounts');
      const passwordHash = password ? await passwords.hash(password) : undefined;
      const registryPasswordHash = password ? ((await registryPasswords.hash(password)) ?? null) : undefined;
      const user = await audited(
        request,
        patch.disabled === true ? 'user.disable' : 'user.update',
        (tx) => tx.users.update(id, { ...patch, ...(passwordHash ? { passwordHash, registryPasswordHash } : {}) }),
        (updated) => ({
          target: { type: 'user', id, name: updated.login },
          details: { fields: changedFields({ ...patch, password }) },
        }),
      );
      if (password || patch.disabled) credentialCache.forgetUser(id);
      await access.refresh();
      request.log.info({ userId: id }, 'user updated');
      return user;
    },
  );

  app.delete(
    '/api/v1/users/:id',
    { schema: { params: idParamsSchema, response: { 200: userRecordSchema, ...errorResponses } } },
    async (request) => {
      const { id } = request.params;
      const user = await audited(
        request,
        'user.delete',
        (tx) => tx.users.delete(id),
        (deleted) => ({ target: { type: 'user', id, name: deleted.login } }),
      );
      credentialCache.forgetUser(id);
      await access.refresh();
      request.log.info({ userId: id, by: requireUser(request).login }, 'user deleted');
      return user;
    },
  );
}
