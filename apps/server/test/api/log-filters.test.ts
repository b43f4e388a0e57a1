/**
 * The filters the activity log and the audit log screens send: each one narrows the list as it says, dates as the
 * date-time inputs send them (ISO 8601), a bad one is a 400 naming `filter`; managers read both logs, users neither.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminAuth, basic, createTestApp, createUser, type TestApp } from './fixture';

describe('activity and audit log filters', () => {
  let t: TestApp;
  const manager = { authorization: basic('manny', 'manny-password') };
  const user = { authorization: basic('ursula', 'ursula-password') };

  beforeAll(async () => {
    t = await createTestApp();
    await createUser(t.app, 'manny', 'manny-password', { role: 'manager' });
    await createUser(t.app, 'ursula', 'ursula-password');
    const event = (id: string, timestamp: string, action: string, repository: string, actor: string, tag: string) => ({
      id,
      timestamp,
      action,
      repository,
      tag,
      digest: `sha256:${id.padStart(64, '0')}`,
      mediaType: null,
      size: 10,
      actor,
      address: null,
      userAgent: null,
    });
    await t.services.store.registryEvents.record([
      event('1', '2026-01-01T10:00:00.000Z', 'push', 'team/app', 'dev', 'v1'),
      event('2', '2026-01-02T10:00:00.000Z', 'pull', 'team/app', 'ops', 'v1'),
      event('3', '2026-01-03T10:00:00.000Z', 'push', 'other/app', 'dev', 'v2'),
      event('4', '2026-01-04T10:00:00.000Z', 'delete', 'team/web', 'ops', 'v3'),
    ]);
    const audit = (at: string, action: string, targetType: string, targetName: string, actorName: string) =>
      t.services.store.audit.record({
        at: new Date(at),
        actorId: null,
        actorName,
        action,
        targetType,
        targetId: null,
        targetName,
        address: null,
        details: {},
      });
    await audit('2026-02-01T10:00:00.000Z', 'group.create', 'group', 'devs', 'alice');
    await audit('2026-02-02T10:00:00.000Z', 'rule.create', 'access-rule', 'team/**', 'alice');
    await audit('2026-02-03T10:00:00.000Z', 'group.delete', 'group', 'devs', 'bob');
  });
  afterAll(() => t.close());

  const list = async (path: string, filter: Record<string, unknown>, headers = adminAuth()) => {
    const response = await t.app.inject({
      method: 'GET',
      url: `${path}?filter=${encodeURIComponent(JSON.stringify(filter))}&range=[0,99]`,
      headers,
    });
    return response;
  };
  const eventIds = async (filter: Record<string, unknown>) =>
    ((await list('/api/v1/events', filter)).json() as Array<{ id: string }>).map((event) => event.id);
  const auditNames = async (filter: Record<string, unknown>) =>
    ((await list('/api/v1/audit-events', filter)).json() as Array<{ action: string; actorName: string }>)
      .filter((event) => ['alice', 'bob'].includes(event.actorName))
      .map((event) => event.action);

  it('narrows the activity log by repository, action, actor, tag, dates and search', async () => {
    expect(await eventIds({})).toEqual(['4', '3', '2', '1']);
    expect(await eventIds({ repository: 'team/app' })).toEqual(['2', '1']);
    expect(await eventIds({ action: 'push' })).toEqual(['3', '1']);
    expect(await eventIds({ actor: 'ops' })).toEqual(['4', '2']);
    expect(await eventIds({ tag: 'v1' })).toEqual(['2', '1']);
    expect(await eventIds({ since: '2026-01-02T00:00:00.000Z', until: '2026-01-04T00:00:00.000Z' })).toEqual([
      '3',
      '2',
    ]);
    expect(await eventIds({ q: 'web' })).toEqual(['4']);
    expect(await eventIds({ action: 'push', actor: 'dev', repository: 'other/app' })).toEqual(['3']);
  });

  it('narrows the audit log by actor, action, target type, dates and search', async () => {
    expect(await auditNames({ actor: 'alice' })).toEqual(['rule.create', 'group.create']);
    expect(await auditNames({ action: 'group.delete' })).toEqual(['group.delete']);
    expect(await auditNames({ targetType: 'group' })).toEqual(['group.delete', 'group.create']);
    expect(await auditNames({ since: '2026-02-02T00:00:00.000Z', until: '2026-02-03T00:00:00.000Z' })).toEqual([
      'rule.create',
    ]);
    expect(await auditNames({ q: 'team/' })).toEqual(['rule.create']);
  });

  it('refuses a bad filter with a 400 naming it', async () => {
    for (const [path, filter] of [
      ['/api/v1/events', { since: 'yesterday-ish' }],
      ['/api/v1/events', { colour: 'red' }],
      ['/api/v1/audit-events', { until: 'soon' }],
      ['/api/v1/audit-events', { actor: 7 }],
    ] as Array<[string, Record<string, unknown>]>) {
      const response = await list(path, filter);
      expect(response.statusCode, `${path} ${JSON.stringify(filter)}`).toBe(400);
      expect(response.json().error.field).toBe('filter');
    }
  });

  it('lets managers read both logs and refuses other users', async () => {
    for (const path of ['/api/v1/events', '/api/v1/audit-events']) {
      expect((await list(path, {}, manager)).statusCode).toBe(200);
      expect((await list(path, {}, user)).statusCode).toBe(403);
    }
  });
});
