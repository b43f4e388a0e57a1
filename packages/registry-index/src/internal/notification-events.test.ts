/** readNotificationEvents: what an envelope becomes in the activity log, and what it leaves out and why. */
import type { NotificationEvent } from '@registry-admin/registry-client';
import { describe, expect, it } from 'vitest';
import { readNotificationEvents } from './notification-events';

const DIGEST = `sha256:${'1'.repeat(64)}`;
const event = (
  id: string,
  action: string,
  target: Record<string, unknown> = {},
  timestamp = '2030-03-01T10:00:00.123456789Z',
) =>
  ({
    id,
    timestamp,
    action,
    target: {
      repository: 'team/app',
      tag: 'v1',
      digest: DIGEST,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      length: 512,
      ...target,
    },
    request: { addr: '10.0.0.5:40000', useragent: 'skopeo/1.9' },
    actor: { name: 'alice' },
  }) as unknown as NotificationEvent;

describe('readNotificationEvents', () => {
  it('keeps known actions in order, ignores unknown ones, and sets apart names the registry cannot hold', () => {
    const read = readNotificationEvents([
      event('push', 'push'),
      event('new-action', 'replicate'),
      event('bad-repo', 'push', { repository: 'public/Evil/../x' }),
      event('bad-tag', 'push', { tag: '../v1' }),
      event('bad-digest', 'delete', { digest: 'sha256:../../etc/passwd' }),
      event('pull', 'pull', { tag: '' }),
    ]);
    expect(read.events.map((e) => e.id)).toEqual(['push', 'pull']);
    expect(read.invalid.map(({ event, reason }) => [event.id, reason])).toEqual([
      ['bad-repo', 'invalid repository name'],
      ['bad-tag', 'invalid tag'],
      ['bad-digest', 'invalid digest'],
    ]);
    expect(read.ignored).toBe(4);
    expect(read.events[0]).toEqual({
      id: 'push',
      timestamp: '2030-03-01T10:00:00.123Z',
      action: 'push',
      repository: 'team/app',
      tag: 'v1',
      digest: DIGEST,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      size: 512,
      actor: 'alice',
      address: '10.0.0.5:40000',
      userAgent: 'skopeo/1.9',
    });
    expect(read.events[1]?.tag).toBeNull();
  });

  it('stamps an unreadable timestamp from the clock given and cuts free text to its bounds', () => {
    const at = new Date('2031-01-02T03:04:05.000Z');
    const [stored] = readNotificationEvents(
      [{ ...event('odd', 'push', {}, 'not a time'), actor: { name: 'a'.repeat(500) } } as NotificationEvent],
      () => at,
    ).events;
    expect(stored?.timestamp).toBe(at.toISOString());
    expect(stored?.actor).toHaveLength(200);
  });

  it("drops the pulls of the caller's own reads, and only those, before any other check", () => {
    const own = (id: string, action: string, target: Record<string, unknown> = {}) =>
      ({ ...event(id, action, target), actor: { name: 'registry-admin/server' } }) as NotificationEvent;
    const read = readNotificationEvents(
      [
        own('sync-read', 'pull'),
        // Even a name outside the grammar is not looked at: nothing is logged for the server's own reads.
        own('sync-read-odd', 'pull', { repository: 'Not/Valid' }),
        own('server-delete', 'delete'),
        event('alice-pull', 'pull'),
        { ...event('anonymous-pull', 'pull'), actor: {} } as NotificationEvent,
      ],
      undefined,
      { ownActor: 'registry-admin/server' },
    );
    expect(read.events.map((e) => e.id)).toEqual(['server-delete', 'alice-pull', 'anonymous-pull']);
    expect(read.own).toBe(2);
    expect(read.ignored).toBe(2);
    expect(read.invalid).toEqual([]);
    // Without ownActor every pull is kept.
    expect(readNotificationEvents([own('sync-read', 'pull')]).events).toHaveLength(1);
  });
});
