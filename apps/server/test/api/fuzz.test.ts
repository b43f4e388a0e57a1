/**
 * Malformed token requests, list queries and writes by the hundred: no 5xx, and nothing in the store changes. The
 * work is bounded by count (numRuns; every run draws new cases), never by time, and each property has its own timeout
 * sized for a loaded 2-core machine.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminAuth, createRule, createTestApp, createUser, type TestApp } from './fixture';

const INJECTIONS = [
  "' OR 1=1 --",
  '"; DROP TABLE users; --',
  '../../etc/passwd',
  '%00',
  '\u0000',
  `\${jndi:ldap://x}`,
  '<script>alert(1)</script>',
  '{"$gt":""}',
  '\uD800',
  'repository:a:pull\r\nX-Injected: 1',
];

/** Each property's timeout: runs are counted, this only catches a hang. */
const PROPERTY_TIMEOUT_MS = 180_000;

const text = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom(...INJECTIONS),
  fc.string({ minLength: 5000, maxLength: 9000 }),
);
const scopeLike = fc.oneof(
  text,
  fc
    .tuple(fc.constantFrom('repository', 'registry', 'REPO', 'repository(plugin)', ''), text, text)
    .map((parts) => parts.join(':')),
  fc
    .tuple(text, fc.constantFrom('pull', 'push', '*', 'pull,push', ',,', ''))
    .map(([name, actions]) => `repository:${name}:${actions}`),
);
const authorization = fc.oneof(
  fc.constant(undefined),
  text.map((value) => `Basic ${value}`),
  text.map((value) => `Basic ${Buffer.from(value).toString('base64')}`),
  fc.tuple(text, text).map(([user, pass]) => `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`),
  text.map((value) => `Bearer ${value}`),
  fc.constantFrom('Basic', 'Bearer', 'Digest abc', `Basic ${'A'.repeat(20_000)}`),
);
const jsonish = fc.oneof(
  text,
  fc.json(),
  fc.jsonValue().map((value) => JSON.stringify(value)),
  fc.constantFrom('[', '{', '["login","ASC"', '[0,1e309]', '[-1,5]', '["id","ASC; DROP"]'),
);

describe('fuzz', () => {
  let t: TestApp;
  let before: string;

  async function snapshot() {
    const { store } = t.services;
    const users = await store.users.list({ range: [0, 999] });
    const groups = await store.groups.list({ range: [0, 999] });
    const rules = await store.rules.list({ range: [0, 999] });
    return JSON.stringify({ revision: await store.revision(), users, groups, rules });
  }

  beforeAll(async () => {
    t = await createTestApp({ auth: { 'max-failures-address': 5 } });
    const id = await createUser(t.app, 'fuzzed', 'fuzzed-password');
    await createRule(t.app, { subjectType: 'user', subjectId: id, pattern: 'fuzz/**', actions: ['pull'] });
    before = await snapshot();
  });
  afterAll(() => t.close());

  it(
    'answers malformed token requests with 4xx or 200, never 5xx',
    async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.array(scopeLike, { maxLength: 4 }),
          authorization,
          fc.option(text, { nil: undefined }),
          fc.option(text, { nil: undefined }),
          async (scopes, auth, service, account) => {
            const query = new URLSearchParams();
            for (const scope of scopes) query.append('scope', scope);
            if (service !== undefined) query.append('service', service);
            if (account !== undefined) query.append('account', account);
            const response = await t.app.inject({
              method: 'GET',
              url: `/api/v1/registry/auth?${query.toString()}`,
              ...(auth !== undefined ? { headers: { authorization: auth } } : {}),
            });
            expect(response.statusCode, response.body).toBeLessThan(500);
          },
        ),
        { numRuns: 500 },
      );
    },
    PROPERTY_TIMEOUT_MS,
  );

  it(
    'answers malformed OAuth2 POSTs with 4xx or 200, never 5xx',
    async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.dictionary(
            fc.constantFrom(
              'grant_type',
              'service',
              'scope',
              'username',
              'password',
              'refresh_token',
              'client_id',
              'x',
            ),
            text,
          ),
          fc.constantFrom('application/x-www-form-urlencoded', 'application/json', 'text/plain', 'multipart/form-data'),
          async (fields, contentType) => {
            const payload =
              contentType === 'application/json' ? JSON.stringify(fields) : new URLSearchParams(fields).toString();
            const response = await t.app.inject({
              method: 'POST',
              url: '/api/v1/registry/auth',
              headers: { 'content-type': contentType },
              payload,
            });
            expect(response.statusCode, response.body).toBeLessThan(500);
          },
        ),
        { numRuns: 300 },
      );
    },
    PROPERTY_TIMEOUT_MS,
  );

  it(
    'answers malformed list queries with 4xx, never 5xx',
    async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom(
            'users',
            'groups',
            'access-rules',
            'service-accounts',
            'tokens',
            'clients',
            'audit-events',
            'events',
            'repositories',
            'tags',
          ),
          fc.option(jsonish, { nil: undefined }),
          fc.option(jsonish, { nil: undefined }),
          fc.option(jsonish, { nil: undefined }),
          async (resource, sort, range, filter) => {
            const query = new URLSearchParams();
            if (sort !== undefined) query.append('sort', sort);
            if (range !== undefined) query.append('range', range);
            if (filter !== undefined) query.append('filter', filter);
            const response = await t.app.inject({
              url: `/api/v1/${resource}?${query.toString()}`,
              headers: adminAuth(),
            });
            expect(response.statusCode, response.body).toBeLessThan(500);
          },
        ),
        { numRuns: 600 },
      );
    },
    PROPERTY_TIMEOUT_MS,
  );

  it(
    'answers malformed writes with 4xx, never 5xx',
    async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom('users', 'groups', 'access-rules', 'service-accounts'),
          fc.oneof(
            fc.jsonValue(),
            fc.dictionary(
              fc.constantFrom(
                'login',
                'password',
                'name',
                'pattern',
                'actions',
                'subjectType',
                'subjectId',
                'members',
                'role',
              ),
              fc.jsonValue(),
            ),
          ),
          fc.constantFrom('POST', 'PUT'),
          fc.constantFrom('', '/1', '/abc', '/99999999999', '/-1'),
          async (resource, body, method, suffix) => {
            if (method === 'PUT' && suffix === '') return;
            if (method === 'POST' && suffix !== '') return;
            const response = await t.app.inject({
              method,
              url: `/api/v1/${resource}${suffix}`,
              headers: { ...adminAuth(), 'content-type': 'application/json' },
              // Random fields around one that is always wrong (`id` must be a number matching the URL), so every
              // write must be refused whatever else it holds.
              payload: JSON.stringify(
                body !== null && typeof body === 'object' && !Array.isArray(body) ? { ...body, id: 'not-an-id' } : body,
              ),
            });
            expect(response.statusCode, response.body).toBeGreaterThanOrEqual(400);
            expect(response.statusCode, response.body).toBeLessThan(500);
          },
        ),
        { numRuns: 400 },
      );
    },
    PROPERTY_TIMEOUT_MS,
  );

  it('changed nothing in the store', async () => {
    expect(await snapshot()).toBe(before);
  });
});
