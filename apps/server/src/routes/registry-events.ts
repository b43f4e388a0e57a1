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
import { requireAdmin } from '../http/authentication';
import { parseListQuery, sendList } from '../http/list-query';

export async function registryEventRoutes(app: FastifyInstance): Promise<void> {
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

  app.post('/api/v1/registry/events', async (request: FastifyRequest, reply: FastifyReply) => {
    if (!authorized(request)) {
      request.log.warn({ address: request.ip }, 'registry event refused: wrong or missing notification secret');
      return reply
        .code(401)
        .header('WWW-Authenticate', 'Bearer realm="registry-admin notifications"')
        .send({ error: { code: 'ERR_UNAUTHORIZED', message: 'only the registry may post events' } });
    }
    const parsed = notificationEnvelopeSchema.safeParse(request.body);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const where = issue?.path.join('.') || 'body';
      request.log.warn({ where, reason: issue?.message }, 'malformed registry event envelope');
      return reply
        .code(400)
        .send({ error: { code: 'ERR_VALIDATION', message: `${where}: ${issue?.message ?? 'invalid'}`, field: where } });
    }
    const { events, invalid, ignored } = readNotificationEvents(parsed.data.events);
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
      return reply.code(503).send({
        error: {
          code: 'ERR_EVENTS_NOT_STORED',
          message: `${outcome.failed.length} event(s) could not be stored; send them again`,
        },
      });
    }
    return {
      received: parsed.data.events.length,
      recorded: outcome.recorded.length,
      ignored,
    };
  });
}

/** `GET /api/v1/events`: the activity log (admins and managers), filters repository, actor, action, tag, since, until. */
export async function activityRoutes(app: FastifyInstance): Promise<void> {
  app.get('/api/v1/events', async (request, reply) => {
    requireAdmin(request, 'read');
    const query = parseListQuery(request.query);
    return sendList(reply, 'events', query, await app.services.store.registryEvents.list(query));
  });
}
