/**
 * Registry notifications: `POST /api/v1/registry/events` takes every event of an envelope, idempotently by event id,
 * and keeps them as the activity log (`GET /api/v1/events`). Only the registry may post: it sends the dedicated secret
 * that `registry-admin registry-config` prints; anyone else — logged-in users included — gets 401.
 * Unknown actions, and events naming a repository, tag or digest outside the registry's grammar (which the registry
 * itself never sends), are answered 2xx and ignored — each invalid one logged — so the registry does not retry them
 * forever and nothing impossible reaches the index or the activity log.
 */
import { timingSafeEqual } from 'node:crypto';
import {
  isDigest,
  isRepositoryName,
  isTag,
  type NotificationEvent,
  notificationEnvelopeSchema,
} from '@registry-admin/registry-client';
import type { NewRegistryEvent } from '@registry-admin/store';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { adminOnly } from '../http/authentication';
import { errorResponses, unauthorized } from '../http/errors';
import { listQuerySchema, sendList } from '../http/list-query';

const ACTIONS = new Set(['push', 'pull', 'delete', 'mount']);

/** Why an event names something the registry could not hold; undefined when its names are valid. */
function invalidNames(event: NotificationEvent): string | undefined {
  const { repository, tag, digest } = event.target;
  if (repository !== undefined && !isRepositoryName(repository)) return 'invalid repository name';
  if (tag !== undefined && tag !== '' && !isTag(tag)) return 'invalid tag';
  if (digest !== undefined && digest !== '' && !isDigest(digest)) return 'invalid digest';
  return undefined;
}

function toStored(event: NotificationEvent): NewRegistryEvent | undefined {
  const repository = event.target.repository;
  if (!ACTIONS.has(event.action) || !repository) return undefined;
  const timestamp = Date.parse(event.timestamp);
  const size = event.target.size ?? event.target.length;
  return {
    id: event.id,
    timestamp: Number.isNaN(timestamp) ? new Date().toISOString() : new Date(timestamp).toISOString(),
    action: event.action,
    repository,
    tag: event.target.tag || null,
    digest: event.target.digest || null,
    mediaType: event.target.mediaType?.slice(0, 200) ?? null,
    size: typeof size === 'number' && Number.isFinite(size) ? size : null,
    actor: event.actor?.name?.slice(0, 200) ?? '',
    address: event.request?.addr?.slice(0, 100) ?? null,
    userAgent: event.request?.useragent?.slice(0, 300) ?? null,
  };
}

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
  const { store } = app.services;
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
    const valid = envelope.events.filter((event) => {
      const reason = invalidNames(event);
      if (reason === undefined) return true;
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
      return false;
    });
    const events = valid.map(toStored).filter((event): event is NewRegistryEvent => event !== undefined);
    const fresh = new Set(await store.registryEvents.record(events));
    await app.services.indexEvents.apply(events.filter((event) => fresh.has(event.id)));
    return {
      received: envelope.events.length,
      recorded: fresh.size,
      ignored: envelope.events.length - events.length,
    };
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
