/**
 * Arbitrary text in list filters (unicode, lone surrogates, control characters, FTS and LIKE syntax): a result or a
 * 400, never a 500; and a repository or tag search finds exactly what contains the text.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminAuth, createTestApp, type TestApp } from './fixture';

const REPOSITORIES = ['fz/alpha', 'fz/near-and_or', 'fz/x.y__z', 'lib/near', 'lib/a--b'];
const TAGS = ['v1', '1.0.0-rc.1', 'NEAR', 'AND_OR', 'x__y'];
const SPECIALS = ['"', '*', '(', ')', ':', '^', '%', '_', '\\', '-', '+', ' NEAR ', ' AND ', ' OR ', ' NOT ', '\0'];

const text = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.string({ unit: 'binary', maxLength: 12 }),
  // Any UTF-16 code unit: lone surrogates and control characters included.
  fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)), maxLength: 8 }),
  fc.string({ unit: fc.constantFrom(...SPECIALS, 'a', 'n', 'fz', '/', '.', '1', '\n', '\u0001'), maxLength: 8 }),
  // Pieces of what is indexed, in mixed case: searches that find something.
  fc.tuple(fc.constantFrom(...REPOSITORIES, ...TAGS), fc.nat(), fc.nat(), fc.boolean()).map(([name, a, b, upper]) => {
    const piece = name.slice(a % name.length, (a % name.length) + 1 + (b % 6));
    return upper ? piece.toUpperCase() : piece;
  }),
);

/** What no list filter may hold: NUL and lone surrogates (an answer of 400). */
const notText = (value: string) => value.includes('\0') || /\p{Cs}/u.test(value);

describe('search fuzz', () => {
  let t: TestApp;
  const tagTexts: string[] = [];

  beforeAll(async () => {
    t = await createTestApp();
    const { index } = t.services.store;
    for (const name of REPOSITORIES) {
      const id = await index.ensureRepository(name);
      await index.putManifest(id, {
        digest: 'sha256:aa',
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        size: 1,
        created: null,
        platforms: [],
        blobs: [['sha256:layer', 1]],
      });
      await index.applyTags(
        id,
        TAGS.map((tag) => ({ name: tag, digest: 'sha256:aa' })),
      );
      for (const tag of TAGS) tagTexts.push(`${name}:${tag}`);
    }
  });
  afterAll(() => t.close());

  const get = (url: string) => t.app.inject({ url, headers: adminAuth() });
  const filter = (value: Record<string, unknown>) => `filter=${encodeURIComponent(JSON.stringify(value))}`;
  const contains = (value: string, q: string) => value.toLowerCase().includes(q.toLowerCase());
  const sorted = (values: string[]) => [...values].sort();

  it('searches repositories and tags exactly, or answers 400 for text no name can hold', async () => {
    await fc.assert(
      fc.asyncProperty(text, async (q) => {
        const repositories = await get(`/api/v1/repositories?range=[0,99]&${filter({ q })}`);
        const tags = await get(`/api/v1/tags?range=[0,99]&${filter({ q })}`);
        const own = await get(`/api/v1/tags?range=[0,99]&${filter({ q, repository: 'fz/alpha' })}`);
        if (notText(q)) {
          for (const response of [repositories, tags, own]) {
            expect(response.statusCode, response.body).toBe(400);
            expect(response.json().error.code).toBe('ERR_STORE_QUERY_INVALID');
          }
          return;
        }
        expect(repositories.statusCode, repositories.body).toBe(200);
        expect(sorted(repositories.json().map((r: { name: string }) => r.name)), JSON.stringify(q)).toEqual(
          REPOSITORIES.filter((name) => contains(name, q)).sort(),
        );
        expect(tags.statusCode, tags.body).toBe(200);
        expect(sorted(tags.json().map((tag: { id: string }) => tag.id)), JSON.stringify(q)).toEqual(
          tagTexts.filter((value) => contains(value, q)).sort(),
        );
        expect(own.statusCode, own.body).toBe(200);
        expect(sorted(own.json().map((tag: { name: string }) => tag.name)), JSON.stringify(q)).toEqual(
          TAGS.filter((name) => contains(name, q)).sort(),
        );
      }),
      { numRuns: 200 },
    );
  }, 120_000);

  it('answers every text filter of every list with a result or a 4xx, never a 5xx', async () => {
    const filters: Record<string, string[]> = {
      users: ['q', 'role'],
      groups: ['q'],
      'access-rules': ['q', 'subjectType'],
      'service-accounts': ['q'],
      tokens: ['q'],
      'audit-events': ['q', 'actor', 'action', 'targetType', 'targetId', 'since', 'until'],
      events: ['q', 'repository', 'actor', 'action', 'tag', 'digest', 'since', 'until'],
      repositories: ['q', 'name'],
      tags: ['q', 'digest', 'repository'],
    };
    await fc.assert(
      fc.asyncProperty(
        fc
          .constantFrom(...Object.keys(filters))
          .chain((resource) =>
            fc.tuple(fc.constant(resource), fc.constantFrom(...(filters[resource] as string[])), text),
          ),
        async ([resource, key, value]) => {
          const response = await get(`/api/v1/${resource}?${filter({ [key]: value })}`);
          expect(response.statusCode, `${resource} ${key}=${JSON.stringify(value)}: ${response.body}`).toBeLessThan(
            500,
          );
          if (notText(value)) expect(response.statusCode).toBe(400);
        },
      ),
      { numRuns: 400 },
    );
  }, 120_000);
});
