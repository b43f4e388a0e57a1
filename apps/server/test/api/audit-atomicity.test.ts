/**
 * A change and its audit event commit together: when recording the event fails after the change was made in the same
 * transaction, neither is kept (groups and access rules write through `audited`).
 */
import type { Store } from '@registry-admin/store';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminAuth, createTestApp, type TestApp } from './fixture';

describe('audit events share their change’s transaction', () => {
  let t: TestApp;
  let original: Store['transaction'];
  beforeAll(async () => {
    t = await createTestApp();
    original = t.services.store.transaction;
  });
  afterAll(() => t.close());

  /** Until restored, every audit event recorded inside a transaction fails after the change before it was written. */
  function failAuditInTransactions() {
    const store = t.services.store;
    store.transaction = (work) =>
      original((tx) =>
        work({
          ...tx,
          audit: {
            ...tx.audit,
            record: async () => {
              throw new Error('audit write failed');
            },
          },
        }),
      );
    return () => {
      store.transaction = original;
    };
  }

  const groupNamed = async (name: string) =>
    (await t.services.store.groups.list({ filter: { q: name } })).items.filter((group) => group.name === name);
  const auditsOf = async (targetName: string) =>
    (await t.services.store.audit.list({ filter: { q: targetName } })).items.filter((e) => e.targetName === targetName);

  it('creates no group when its audit event cannot be recorded, and creates both once it can', async () => {
    const restore = failAuditInTransactions();
    try {
      const failed = await t.app.inject({
        method: 'POST',
        url: '/api/v1/groups',
        headers: adminAuth(),
        payload: { name: 'atomic-group' },
      });
      expect(failed.statusCode).toBe(500);
      expect(await groupNamed('atomic-group')).toEqual([]);
    } finally {
      restore();
    }
    const created = await t.app.inject({
      method: 'POST',
      url: '/api/v1/groups',
      headers: adminAuth(),
      payload: { name: 'atomic-group' },
    });
    expect(created.statusCode, created.body).toBe(201);
    expect(await groupNamed('atomic-group')).toHaveLength(1);
    expect((await auditsOf('atomic-group')).map((e) => e.action)).toEqual(['group.create']);
  });

  it('keeps an access rule whose deletion could not be audited', async () => {
    const rule = await t.app.inject({
      method: 'POST',
      url: '/api/v1/access-rules',
      headers: adminAuth(),
      payload: { subjectType: 'registered', pattern: 'atomic/**', actions: ['pull'] },
    });
    expect(rule.statusCode, rule.body).toBe(201);
    const id = rule.json().id as number;
    const restore = failAuditInTransactions();
    try {
      const failed = await t.app.inject({ method: 'DELETE', url: `/api/v1/access-rules/${id}`, headers: adminAuth() });
      expect(failed.statusCode).toBe(500);
    } finally {
      restore();
    }
    expect((await t.services.store.rules.get(id))?.pattern).toBe('atomic/**');
    expect((await auditsOf('atomic/**')).map((e) => e.action)).toEqual(['rule.create']);
  });
});
