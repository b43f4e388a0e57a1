import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminAuth, basic, createRule, createTestApp, createUser, type TestApp } from './fixture';

describe('audit log', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  it('records who changed what from where, without secrets, and filters', async () => {
    const id = await createUser(t.app, 'audited', 'audited-secret-password');
    await t.app.inject({
      method: 'PUT',
      url: `/api/v1/users/${id}`,
      headers: adminAuth(),
      remoteAddress: '10.9.8.7',
      payload: { password: 'another-secret-password' },
    });
    await t.app.inject({
      method: 'PUT',
      url: `/api/v1/users/${id}`,
      headers: adminAuth(),
      payload: { disabled: true },
    });
    await t.app.inject({
      method: 'PUT',
      url: `/api/v1/users/${id}`,
      headers: adminAuth(),
      payload: { disabled: false },
    });
    const ruleId = await createRule(t.app, {
      subjectType: 'user',
      subjectId: id,
      pattern: 'audit/*',
      actions: ['pull'],
    });
    await t.app.inject({ method: 'DELETE', url: `/api/v1/access-rules/${ruleId}`, headers: adminAuth() });
    const account = await t.app.inject({
      method: 'POST',
      url: '/api/v1/service-accounts',
      headers: adminAuth(),
      payload: { name: 'audit-bot' },
    });
    const pat = await t.app.inject({
      method: 'POST',
      url: '/api/v1/tokens',
      headers: { authorization: basic('audited', 'another-secret-password') },
      payload: { name: 'audit pat' },
    });

    const list = await t.app.inject({ url: '/api/v1/audit-events?range=[0,99]', headers: adminAuth() });
    expect(list.statusCode).toBe(200);
    const events = list.json() as Array<{
      action: string;
      actorName: string;
      address: string;
      targetName: string;
      details: { fields?: string[] };
    }>;
    expect(events.map((e) => e.action)).toEqual([
      'token.create',
      'service-account.create',
      'rule.delete',
      'rule.create',
      'user.update',
      'user.disable',
      'user.update',
      'user.create',
    ]);
    expect(events[0]?.actorName).toBe('audited');
    expect(events[1]?.actorName).toBe('admin');
    const passwordChange = events[6];
    expect(passwordChange?.address).toBe('10.9.8.7');
    expect(passwordChange?.details.fields).toEqual(['password']);
    for (const secret of [
      'audited-secret-password',
      'another-secret-password',
      account.json().secret,
      pat.json().token,
    ]) {
      expect(list.body).not.toContain(secret);
    }

    const disabled = await t.app.inject({
      url: `/api/v1/audit-events?filter=${encodeURIComponent(JSON.stringify({ action: 'user.disable' }))}`,
      headers: adminAuth(),
    });
    expect(disabled.json()).toHaveLength(1);
    expect(disabled.headers['content-range']).toBe('audit-events 0-0/1');
    const forbidden = await t.app.inject({
      url: '/api/v1/audit-events',
      headers: { authorization: basic('audited', 'another-secret-password') },
    });
    expect(forbidden.statusCode).toBe(403);
  });
});
