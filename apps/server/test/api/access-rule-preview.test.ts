/**
 * `GET /api/v1/access-rules/preview`: which indexed repositories a rule pattern matches — the first names by name
 * and the count — for admins and managers only; a bad pattern or limit is a 400 naming the parameter.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminAuth, basic, createTestApp, createUser, type TestApp } from './fixture';

describe('access rule preview', () => {
  let t: TestApp;
  const manager = { authorization: basic('manny', 'manny-password') };
  const user = { authorization: basic('ursula', 'ursula-password') };
  const names = ['team/api', 'team/web', 'team/tools/lint', 'alice/tools', 'bob/cache', 'public/base', 'solo'];

  beforeAll(async () => {
    t = await createTestApp();
    // Inserted out of name order: the answer lists the first names by name, not by insertion.
    for (const name of [...names].reverse()) await t.services.store.index.ensureRepository(name);
    await createUser(t.app, 'manny', 'manny-password', { role: 'manager' });
    await createUser(t.app, 'ursula', 'ursula-password');
  });
  afterAll(() => t.close());

  const preview = (query: Record<string, string>, headers: Record<string, string> = adminAuth()) =>
    t.app.inject({ method: 'GET', url: `/api/v1/access-rules/preview?${new URLSearchParams(query)}`, headers });

  it('lists matching repositories by name with their count, for each kind of pattern', async () => {
    const cases: Array<[string, string[]]> = [
      ['team/api', ['team/api']],
      ['team/*', ['team/api', 'team/web']],
      ['team/**', ['team/api', 'team/tools/lint', 'team/web']],
      ['**', [...names].sort()],
      ['*/tools', ['alice/tools']],
      ['nothing/**', []],
      // {user}: any one name without "/", so every repository with at least two segments.
      ['{user}/**', names.filter((name) => name.includes('/')).sort()],
      ['{user}/tools', ['alice/tools']],
    ];
    for (const [pattern, expected] of cases) {
      const answer = await preview({ pattern });
      expect(answer.statusCode, answer.body).toBe(200);
      expect(answer.json()).toEqual({
        pattern,
        matches: expected,
        total: expected.length,
        repositories: names.length,
        ownName: pattern.includes('{user}'),
      });
    }
  });

  it('stops the list at the limit but still counts every match', async () => {
    const answer = await preview({ pattern: '**', limit: '2' });
    expect(answer.json()).toMatchObject({ matches: ['alice/tools', 'bob/cache'], total: names.length });
  });

  it('refuses a bad pattern or limit with a 400 naming the parameter, and changes nothing', async () => {
    for (const [query, field] of [
      [{ pattern: 'Team/*' }, 'pattern'],
      [{ pattern: 'a//b' }, 'pattern'],
      [{ pattern: '{admin}/x' }, 'pattern'],
      [{ pattern: '' }, 'pattern'],
      [{}, 'pattern'],
      [{ pattern: 'x'.repeat(300) }, 'pattern'],
      [{ pattern: '**', limit: '0' }, 'limit'],
      [{ pattern: '**', limit: '101' }, 'limit'],
      [{ pattern: '**', limit: 'many' }, 'limit'],
    ] as Array<[Record<string, string>, string]>) {
      const answer = await preview(query);
      expect(answer.statusCode, JSON.stringify(query)).toBe(400);
      expect(answer.json().error).toMatchObject({ code: 'ERR_VALIDATION', field });
    }
    expect((await t.services.store.rules.list({})).total).toBe(0);
  });

  it('answers managers, refuses other users and anonymous callers', async () => {
    expect((await preview({ pattern: 'team/*' }, manager)).json().total).toBe(2);
    expect((await preview({ pattern: 'team/*' }, user)).statusCode).toBe(403);
    expect((await preview({ pattern: 'team/*' }, {})).statusCode).toBe(401);
  });

  it('sees a repository added to the index', async () => {
    await t.services.store.index.ensureRepository('team/new');
    // The list of names is re-read at most once a second.
    await expect
      .poll(async () => (await preview({ pattern: 'team/*' })).json().matches, { timeout: 10_000, interval: 200 })
      .toEqual(['team/api', 'team/new', 'team/web']);
  });
});
