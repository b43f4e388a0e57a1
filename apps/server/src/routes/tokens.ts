/**
 * A user's own credentials: `/api/v1/tokens` (personal access tokens: create — shown once —, list, revoke) and
 * `/api/v1/clients` (signed-in registry clients holding refresh tokens: list, revoke). Admins may list and revoke
 * anyone's with `filter={"userId":…}`.
 */
import type { ApiTokenKind } from '@registry-admin/store';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { audited } from '../http/audit';
import { requireUser, sessionOrPassword, signedIn } from '../http/authentication';
import { errorResponses, forbidden, notFound } from '../http/errors';
import { idParamsSchema, listQuerySchema, sendList } from '../http/list-query';
import { snapshotTokenOf } from '../services/refresh-tokens';
import { newSecret } from '../services/secrets';

const createSchema = z
  .object({
    name: z.string().min(1).max(100),
    expiresAt: z.iso
      .datetime({ offset: true })
      .refine((value) => Date.parse(value) > Date.now(), 'must be in the future')
      .nullable()
      .optional(),
    readOnly: z.boolean().optional(),
  })
  .strict();

const tokenRecordSchema = z
  .object({
    id: z.number().int(),
    kind: z.enum(['pat', 'refresh']),
    userId: z.number().int(),
    name: z.string(),
    prefix: z.string().meta({ description: 'the first characters of the secret, to recognise it' }),
    readOnly: z.boolean(),
    clientId: z.string().nullable(),
    address: z.string().nullable(),
    expiresAt: z.string().nullable(),
    lastUsedAt: z.string().nullable(),
    createdAt: z.string(),
  })
  .meta({ id: 'ApiToken' });
const createdTokenSchema = tokenRecordSchema
  .extend({ token: z.string().meta({ description: 'the personal access token: shown once, only its hash is kept' }) })
  .meta({ id: 'CreatedApiToken' });

export async function tokenManagementRoutes(instance: FastifyInstance): Promise<void> {
  const app = instance.withTypeProvider<ZodTypeProvider>();
  const { store, access, config } = app.services;
  app.addHook('onRequest', signedIn);

  /** The user whose tokens a request may see: the caller, or (admins, managers for reading) the filtered user. */
  function ownerFilter(request: FastifyRequest, filter: Record<string, unknown> | undefined, write: boolean): number {
    const caller = requireUser(request);
    const asked = filter?.userId;
    if (asked === undefined || asked === caller.id) return caller.id;
    if (caller.role === 'admin' || (!write && caller.role === 'manager')) {
      if (typeof asked !== 'number') throw forbidden('userId must be a number');
      return asked;
    }
    throw forbidden("only admins see other users' tokens");
  }

  for (const [path, kind] of [
    ['/api/v1/tokens', 'pat'],
    ['/api/v1/clients', 'refresh'],
  ] as Array<[string, ApiTokenKind]>) {
    const resource = path.split('/').pop() as string;

    app.get(
      path,
      { schema: { querystring: listQuerySchema, response: { 200: z.array(tokenRecordSchema), ...errorResponses } } },
      async (request, reply) => {
        const query = request.query;
        const userId = ownerFilter(request, query.filter, false);
        const scoped = { ...query, filter: { ...query.filter, userId, kind } };
        return sendList(reply, resource, query, await store.tokens.list(scoped));
      },
    );

    app.delete(
      `${path}/:id`,
      {
        onRequest: sessionOrPassword(kind === 'pat' ? 'revoke personal access tokens' : 'sign out registry clients'),
        schema: { params: idParamsSchema, response: { 200: tokenRecordSchema, ...errorResponses } },
      },
      async (request) => {
        const caller = requireUser(request);
        const token = await store.tokens.get(request.params.id);
        if (!token || token.kind !== kind) throw notFound('no such token');
        if (token.userId !== caller.id && caller.role !== 'admin') throw notFound('no such token');
        const { token: deleted, revision } = await audited(
          request,
          kind === 'pat' ? 'token.revoke' : 'client.revoke',
          (tx) => tx.tokens.revoke(token.id),
          () => ({
            target: { type: kind === 'pat' ? 'token' : 'client', id: token.id, name: token.name },
            details: { owner: token.userId },
          }),
        );
        // Only once committed: the snapshot must never hold a change that could still roll back.
        await access.applyTokenChange({ revision, removed: [token.id] });
        request.log.info({ tokenId: token.id, kind }, 'token revoked');
        return deleted;
      },
    );
  }

  app.post(
    '/api/v1/tokens',
    {
      onRequest: sessionOrPassword('create personal access tokens'),
      schema: { body: createSchema, response: { 201: createdTokenSchema, ...errorResponses } },
    },
    async (request, reply) => {
      const caller = requireUser(request);
      const input = request.body;
      // Only a session or the password gets here (sessionOrPassword): a personal access token can never mint one that
      // outlives or outranks it.
      const secret = newSecret('pat');
      // The revision issue returns is the transaction's own: recording the audit event does not move it.
      const issued = await audited(
        request,
        'token.create',
        (tx) =>
          tx.tokens.issue(
            {
              kind: 'pat',
              userId: caller.id,
              name: input.name,
              tokenHash: secret.hash,
              prefix: secret.prefix,
              readOnly: input.readOnly ?? false,
              expiresAt: input.expiresAt ? new Date(input.expiresAt) : null,
            },
            { max: config.auth['max-personal-tokens'], whenFull: 'refuse' },
          ),
        ({ token }) => ({
          target: { type: 'token', id: token.id, name: token.name },
          details: { readOnly: token.readOnly, expiresAt: token.expiresAt },
        }),
      );
      await access.applyTokenChange({ revision: issued.revision, added: [snapshotTokenOf(issued)] });
      const token = issued.token;
      request.log.info({ tokenId: token.id }, 'personal access token created');
      return reply.code(201).send({ ...token, token: secret.value });
    },
  );
}
