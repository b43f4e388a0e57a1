/**
 * Registry notifications: `POST /api/v1/registry/events` takes every event of an envelope, idempotently by event id,
 * and keeps them as the activity log (`GET /api/v1/events`). Only the registry may post: it sends the dedicated secret
 * that `registry-admin registry-config` prints; anyone else — logged-in users included — gets 401.
 * Unknown actions, and events naming a repository, tag or digest outside the registry's grammar (which the registry
 * itself never sends), are answered 2xx and ignored — each invalid one logged — so the registry does not retry them
 * forever and nothing impossible reaches the index or the activity log. Each event is recorded with its index change
 * in one transaction (`@registry-admin/registry-index`); when the store cannot take one, the answer is 503 and the
 * registry delivers the envelope again.
 */
import { timingSafeEqual } from 'node:crypto';
import { notificationEnvelopeSchema } from '@registry-admin/registry-client';
import { readNotificationEvents } from '@registry-admin/registry-index';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { adminOnly } from '../http/authentication';
import { ApiError, errorResponses, unauthorized } from '../http/errors';
import { listQuerySchema, sendList } from '../http/list-query';

const receivedSchema = z.object({
  received: z.number().int(),
  recorded: z.number().int().meta({ description: 'events not seen before' }),
  ignored: z
    .number()
    .int()
    .meta({ description: 'actions the index does not follow, or names the registry cannot hold' }),
});

export async function registryEventRoutes(instance: FastifyInstance): Promise<void> {
  const app = instance.withTypeProvider<ZodTypeProvider>();
  const expected = Buffer.from(`Bearer ${app.services.notificationSecret}`);

  // The registry posts application/vnd.docker.distribution.events.v1+json (v2 on 3.x).
  app.addContentTypeParser(
    /^application\/vnd\.docker\.distribution\.events\.v\d\+json/,
    { parseAs: 'string' },
    app.getDefaultJsonParser('error', 'ignore'),
  );

  function authorized(request: FastifyRequest): boolean {
    const given = Buffer.from(request.headers.authorization ?? '');
    return given.length === expected.length && timingSafeEqual(given, expected);
  }

  /** Before the body is validated: whoever lacks the secret learns nothing about the envelope's shape. */
  async function registryOnly(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    if (authorized(request)) return;
    request.log.warn({ address: request.ip }, 'registry event refused: wrong or missing notification secret');
    reply.header('WWW-Authenticate', 'Bearer realm="registry-admin notifications"');
    throw unauthorized('only the registry may post events');
  }

  const schema = {
    security: [{ notifications: [] }],
    body: notificationEnvelopeSchema,
    response: { 200: receivedSchema, ...errorResponses },
  };

  app.post('/api/v1/registry/events', { onRequest: registryOnly, schema }, async (request) => {
    const envelope = request.body;
    const { events, invalid, ignored } = readNotificationEvents(envelope.events);
    for (const { event, reason } of invalid) {
      // Cut short: the names are text anyone holding the secret chose (the JSON log escapes them).
      request.log.warn(
        {
          eventId: event.id.slice(0, 100),
          action: event.action.slice(0, 32),
          repository: event.target.repository?.slice(0, 300),
          tag: event.target.tag?.slice(0, 200),
          digest: event.target.digest?.slice(0, 200),
          reason,
        },
        'registry event skipped: names outside the registry grammar',
      );
    }
    const outcome = await app.services.indexEvents.record(events, {
      onError: (error, event) =>
        request.log.warn({ err: error, code: error.code, eventId: event.id }, 'registry event not applied fully'),
    });
    if (outcome.failed.length > 0) {
      // Neither recorded nor applied: the registry delivers the envelope again (the events recorded now are skipped).
      throw new ApiError(
        503,
        'ERR_EVENTS_NOT_STORED',
        `${outcome.failed.length} event(s) could not be stored; send them again`,
      );
    }
    return { received: envelope.events.length, recorded: outcome.recorded.length, ignored };
  });
}

/** `GET /api/v1/events`: the activity log (admins and managers), filters repository, actor, action, tag, since, until. */
const registryEventSchema = z
  .object({
    id: z.string(),
    receivedAt: z.string(),
    timestamp: z.string(),
    action: z.string(),
    repository: z.string(),
    tag: z.string().nullable(),
    digest: z.string().nullable(),
    mediaType: z.string().nullable(),
    size: z.number().nullable(),
    actor: z.string(),
    address: z.string().nullable(),
    userAgent: z.string().nullable(),
  })
  .meta({ id: 'RegistryEvent' });

export async function activityRoutes(instance: FastifyInstance): Promise<void> {
  const app = instance.withTypeProvider<ZodTypeProvider>();
  app.addHook('onRequest', adminOnly);
  app.get(
    '/api/v1/events',
    { schema: { querystring: listQuerySchema, response: { 200: z.array(registryEventSchema), ...errorResponses } } },
    async (request, reply) =>
      sendList(reply, 'events', request.query, await app.services.store.registryEvents.list(request.query)),
  );
}
