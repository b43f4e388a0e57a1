/**
 * From the registry's notification envelope to the events the activity log keeps. Unknown actions are ignored (the
 * registry grows new ones); events naming a repository, tag or digest outside the registry's grammar — which the
 * registry itself never sends — are set apart with the reason, for the caller to log, so nothing impossible reaches
 * the index or the log. Free text (actor, address, user agent, media type) is cut to the columns' bounds.
 */
import { isDigest, isRepositoryName, isTag, type NotificationEvent } from '@registry-admin/registry-client';
import type { NewRegistryEvent } from '@registry-admin/store';

const ACTIONS = new Set(['push', 'pull', 'delete', 'mount']);

export interface NotificationEvents {
  /** The events to record, in the envelope's order. */
  events: NewRegistryEvent[];
  /** Events whose names the registry could not hold, with why. */
  invalid: Array<{ event: NotificationEvent; reason: string }>;
  /** How many were left out (invalid, an unknown action, no repository, or one of `ownActor`'s reads). */
  ignored: number;
  /** Of those, how many were the registry reporting reads of `ownActor` (the sync's own), dropped unread. */
  own: number;
}

export interface ReadNotificationOptions {
  /**
   * The token subject the caller's own registry requests carry. The registry reports every manifest it serves as a
   * pull, the sync's reads too; those are dropped here, before any work: they are neither activity nor pulls.
   */
  ownActor?: string;
}

/** Why an event names something the registry could not hold; undefined when its names are valid. */
function invalidNames(event: NotificationEvent): string | undefined {
  const { repository, tag, digest } = event.target;
  if (repository !== undefined && !isRepositoryName(repository)) return 'invalid repository name';
  if (tag !== undefined && tag !== '' && !isTag(tag)) return 'invalid tag';
  if (digest !== undefined && digest !== '' && !isDigest(digest)) return 'invalid digest';
  return undefined;
}

function toRegistryEvent(event: NotificationEvent, now: () => Date): NewRegistryEvent | undefined {
  const repository = event.target.repository;
  if (!ACTIONS.has(event.action) || !repository) return undefined;
  const timestamp = Date.parse(event.timestamp);
  const size = event.target.size ?? event.target.length;
  return {
    id: event.id,
    timestamp: Number.isNaN(timestamp) ? now().toISOString() : new Date(timestamp).toISOString(),
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

/**
 * Sorts an envelope's events (as `notificationEnvelopeSchema` parsed them) into those to record and those to leave.
 * `now` stamps an event whose timestamp cannot be read; `options.ownActor` drops the pulls of the caller's own reads.
 *
 * @example
 * const { events, invalid } = readNotificationEvents(notificationEnvelopeSchema.parse(body).events);
 * for (const { event, reason } of invalid) log.warn({ id: event.id.slice(0, 100), reason }, 'event skipped');
 * await indexEvents.record(events);
 */
export function readNotificationEvents(
  events: readonly NotificationEvent[],
  now: () => Date = () => new Date(),
  options: ReadNotificationOptions = {},
): NotificationEvents {
  const result: NotificationEvents = { events: [], invalid: [], ignored: 0, own: 0 };
  const ownActor = options.ownActor;
  for (const event of events) {
    if (ownActor !== undefined && event.action === 'pull' && event.actor?.name === ownActor) {
      result.own++;
      result.ignored++;
      continue;
    }
    const reason = invalidNames(event);
    const stored = reason === undefined ? toRegistryEvent(event, now) : undefined;
    if (reason !== undefined) result.invalid.push({ event, reason });
    if (stored) result.events.push(stored);
    else result.ignored++;
  }
  return result;
}
