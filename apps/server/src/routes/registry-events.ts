/**
 * Registry notifications: `POST /api/v1/registry/events` takes every event of an envelope, idempotently by event id,
 * and keeps them as the activity log (`GET /api/v1/events`). Only the registry may post: it sends the dedicated secret
 * that `registry-admin registry-config` prints, or — so the notification config written for the Go registry-admin
 * works unchanged — `Authorization: Basic` with the password of an enabled admin. Anyone else, logged-in users and
 * non-admins with a valid password included, gets 401 (not 403: the answer does not tell a right password from a
 * wrong one). The Basic password goes through the authenticator with the client address, so the login throttle and
 * its lockout apply exactly as at sign-in.
 * Unknown actions, and events naming a repository, tag or digest outside the registry's grammar (which the registry
 * itself never sends), are answered 2xx and ignored — each invalid one logged — so the registry does not retry them
 * forever and nothing impossible reaches the index or the activity log. The pulls the registry reports for this
 * server's own reads (its tokens' subject is `SERVER_SUBJECT`) are dropped before anything else. Each event is
 * recorded with its index change in one transaction (`@registry-admin/registry-index`); when the store cannot take
 * one, the answer is 503 and the registry delivers the envelope again.
 */
import { timingSafeEqual } from 'node:crypto';
import { notificationEnvelopeSchema } from '@registry-admin/registry-client';
import { readNotificationEvents } from '@registry-admin/registry-index';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { adminOnly, credentialKind, logAuthenticationFailure, parseBasicAuthorization } from '../http/authentication';
import { ApiError, errorResponses, unauthorized } from '../http/errors';
import { listQuerySchema, sendList } from '../http/list-query';
import { SERVER_SUBJECT } from '../runtime/registry';

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

  function hasSecret(authorization: string): boolean {
    const given = Buffer.from(authorization);
    return given.length === expected.length && timingSafeEqual(given, expected);
  }

  /**
   * The Go registry-admin's way: an admin's login and password. Only a password (no personal access token, no service
   * account): that is what such a config holds. A throttled address gets the throttle's 429 with Retry-After.
   */
  async function isAdminPassword(request: FastifyRequest, authorization: string): Promise<boolean> {
    const credentials = parseBasicAuthorization(authorization);
    if (!credentials) {
      request.log.warn({ address: request.ip }, 'registry event refused: malformed Basic credentials');
      return false;
    }
    const identity = await app.services.authenticator.authenticateBasic(
      credentials.login,
      credentials.password,
      request.ip,
    );
    if (!identity) {
      logAuthenticationFailure(request, credentials.login, 'registry-events', credentialKind(credentials.password));
      return false;
    }
    if (identity.kind === 'user' && identity.via === 'password' && identity.user.role === 'admin') return true;
    request.log.warn(
      { address: request.ip, login: credentials.login.slice(0, 64) },
      'registry event refused: Basic credentials must be an admin password (or send the notification secret)',
    );
    return false;
  }

  /** Before the body is validated: whoever lacks the secret learns nothing about the envelope's shape. */
  async function registryOnly(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const authorization = request.headers.authorization ?? '';
    if (hasSecret(authorization)) return;
    if (/^Basic\s/i.test(authorization)) {
      if (await isAdminPassword(request, authorization)) return;
    } else {
      request.log.warn({ address: request.ip }, 'registry event refused: wrong or missing notification secret');
    }
    reply.header('WWW-Authenticate', 'Bearer realm="registry-admin notifications"');
    throw unauthorized('only the registry may post events');
  }

  const schema = {
    security: [{ notifications: [] }, { basic: [] }] as Array<Record<string, string[]>>,
    body: notificationEnvelopeSchema,
    response: { 200: receivedSchema, ...errorResponses },
  };

  app.post('/api/v1/registry/events', { onRequest: registryOnly, schema }, async (request) => {
    const envelope = request.body;
    // The registry reports this server's own reads (a sync reads every manifest) as pulls: dropped unread.
    const { events, invalid, ignored } = readNotificationEvents(envelope.events, undefined, {
      ownActor: SERVER_SUBJECT,
    });
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
    app.services.metrics.eventsIngested(outcome.recorded.length);
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
export const registryEventSchema = z
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
