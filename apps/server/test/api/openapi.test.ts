/**
 * The schema-driven API: the OpenAPI document is valid 3.1 and describes every route of the app (the registry's token
 * endpoint aside, which speaks its own protocol), a route without schemas cannot be registered, the docs page is
 * served from the package, errors of every kind keep one body, guards answer before validation, and answers carry
 * only the fields their schema names. A fuzz driven by the document itself sends every operation malformed input.
 */
import { Validator } from '@seriousme/openapi-schema-validator';
import fc from 'fast-check';
import Fastify from 'fastify';
import { serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { DOCS_PREFIX, OPENAPI_PATH, requireSchemas } from '../../src/http/openapi';
import { adminAuth, basic, createTestApp, createUser, type TestApp } from './fixture';

/** The registry protocol's routes: their answers and errors are the protocol's, described by their own JSON Schema. */
const PROTOCOL_PATHS = new Set(['/api/v1/registry/auth', '/api/v1/registry/jwks']);
/** Actions that take no body. */
const BODYLESS = new Set([
  'POST /api/v1/auth/logout',
  'POST /api/v1/auth/logout-everywhere',
  'POST /api/v1/service-accounts/{id}/secret',
  'POST /api/v1/registry/sync',
]);
const HTTP_METHODS = new Set(['get', 'put', 'post', 'delete', 'patch']);
const PROPERTY_TIMEOUT_MS = 180_000;

interface Operation {
  parameters?: Array<{ in: string; name: string; required?: boolean }>;
  requestBody?: { content: Record<string, { schema: { properties?: Record<string, unknown> } }> };
  responses: Record<string, { content?: Record<string, { schema: unknown }> }>;
}
type Document = { openapi: string; paths: Record<string, Record<string, Operation>> };

/** Every method and full path of the app, from Fastify's own route tree. */
function routesOf(tree: string): Array<{ method: string; path: string }> {
  const routes: Array<{ method: string; path: string }> = [];
  const stack: string[] = [];
  for (const line of tree.split('\n')) {
    const match = /^([│├└─ ]*)(.+?)(?: \(([^)]*)\))?$/.exec(line);
    if (!match?.[2]) continue;
    const depth = (match[1] ?? '').length / 4;
    stack.length = Math.max(depth - 1, 0);
    // The tree prints a wildcard under its static prefix without the slash between them.
    const parent = stack.join('');
    stack.push(match[2] === '*' && parent && !parent.endsWith('/') ? '/*' : match[2]);
    for (const method of (match[3] ?? '').split(',').map((m) => m.trim())) {
      if (method) routes.push({ method, path: stack.join('') });
    }
  }
  return routes;
}

const toOpenApiPath = (path: string) => path.replace(/:(\w+)/g, '{$1}').replace(/\*$/, '{*}');

describe('OpenAPI document and schema-driven routes', () => {
  let t: TestApp;
  let doc: Document;

  beforeAll(async () => {
    t = await createTestApp();
    await createUser(t.app, 'plain', 'plain-password', { role: 'user' });
    const response = await t.app.inject({ url: OPENAPI_PATH });
    expect(response.statusCode).toBe(200);
    doc = response.json();
  });
  afterAll(() => t.close());

  it('is a valid OpenAPI 3.1 document', async () => {
    const validator = new Validator();
    const result = await validator.validate(structuredClone(doc));
    expect(result.valid, JSON.stringify(result.errors, null, 1)?.slice(0, 2000)).toBe(true);
    expect(validator.version).toBe('3.1');
    expect(doc.openapi).toBe('3.1.0');
    const components = (doc as { components?: { schemas?: Record<string, unknown> } }).components?.schemas ?? {};
    const refs = [...JSON.stringify(doc).matchAll(/"#\/components\/schemas\/([^"]+)"/g)].map((m) => m[1] as string);
    expect(refs).toContain('User');
    for (const ref of refs) expect(components[ref], ref).toBeDefined();
  });

  it('describes every route with its params, query, body and responses', () => {
    const routes = routesOf(t.app.printRoutes({ commonPrefix: false })).filter(
      ({ method, path }) =>
        method !== 'HEAD' && !PROTOCOL_PATHS.has(path) && !path.startsWith(DOCS_PREFIX) && path !== OPENAPI_PATH,
    );
    expect(routes.length).toBeGreaterThan(40);
    for (const { method, path } of routes) {
      const key = `${method} ${toOpenApiPath(path)}`;
      const operation = doc.paths[toOpenApiPath(path)]?.[method.toLowerCase()];
      expect(operation, key).toBeDefined();
      if (!operation) continue;
      const success = Object.entries(operation.responses).filter(([status]) => status.startsWith('2'));
      expect(success.length, key).toBeGreaterThan(0);
      for (const [status, response] of success) {
        if (status !== '204') expect(response.content?.['application/json']?.schema, `${key} ${status}`).toBeDefined();
      }
      if (path.startsWith('/api/')) {
        expect(operation.responses['4XX']?.content?.['application/json']?.schema, key).toEqual({
          $ref: '#/components/schemas/Error',
        });
      }
      const pathParams = [...path.matchAll(/:(\w+)|\*/g)].map((m) => m[1] ?? '*');
      const declared = (operation.parameters ?? []).filter((p) => p.in === 'path').map((p) => p.name);
      expect(declared.sort(), key).toEqual(pathParams.sort());
      if ((method === 'POST' || method === 'PUT') && !BODYLESS.has(key)) {
        expect(operation.requestBody?.content['application/json']?.schema, key).toBeDefined();
      }
      const ok = operation.responses['200']?.content?.['application/json']?.schema as { type?: string } | undefined;
      if (method === 'GET' && ok?.type === 'array') {
        const query = (operation.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name);
        expect(query, key).toEqual(expect.arrayContaining(['sort', 'range', 'filter']));
      }
    }
  });

  it('refuses to register a route without schemas', () => {
    const app = Fastify();
    app.setValidatorCompiler(validatorCompiler);
    app.setSerializerCompiler(serializerCompiler);
    app.addHook('onRoute', requireSchemas);
    expect(() => app.get('/bare', async () => ({}))).toThrow(/no success response schema/);
    expect(() => app.get('/things/:id', { schema: { response: { 200: z.object({}) } } }, async () => ({}))).toThrow(
      /no params schema/,
    );
    expect(() =>
      app.put(
        '/things/:id',
        { schema: { params: z.object({ id: z.string() }), response: { 200: z.object({}) } } },
        async () => ({}),
      ),
    ).toThrow(/no body schema/);
  });

  it('serves the docs page and its assets from the server itself', async () => {
    const page = await t.app.inject({ url: `${DOCS_PREFIX}/` });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/text\/html/);
    const sources = [...page.body.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1] as string);
    expect(sources.length).toBeGreaterThan(2);
    for (const source of sources) {
      expect(source).not.toMatch(/^(https?:)?\/\//);
      const asset = await t.app.inject({ url: new URL(source, `http://localhost${DOCS_PREFIX}/`).pathname });
      expect(asset.statusCode, source).toBe(200);
    }
    const json = await t.app.inject({ url: `${DOCS_PREFIX}/json` });
    expect(json.json().paths).toEqual(doc.paths);
  });

  it('answers schema failures with the one error body, naming the parameter or field', async () => {
    const get = (url: string, headers = adminAuth()) => t.app.inject({ url, headers });
    const post = (url: string, payload: unknown) =>
      t.app.inject({
        method: 'POST',
        url,
        headers: { ...adminAuth(), 'content-type': 'application/json' },
        payload: JSON.stringify(payload),
      });
    expect((await get('/api/v1/users?range=[5,1]')).json()).toEqual({
      error: { code: 'ERR_VALIDATION', message: 'range: start must not exceed end', field: 'range' },
      message: 'range: start must not exceed end',
      errors: { range: 'start must not exceed end' },
    });
    expect((await get('/api/v1/users?sort=[1;')).json().error).toEqual({
      code: 'ERR_VALIDATION',
      message: 'sort: must be JSON',
      field: 'sort',
    });
    expect((await get('/api/v1/users?filter={}&filter={}')).json().error.field).toBe('filter');
    const badId = await get('/api/v1/groups/abc');
    expect(badId.statusCode).toBe(400);
    expect(badId.json().error).toEqual({
      code: 'ERR_VALIDATION',
      message: 'id: must be a positive integer',
      field: 'id',
    });
    const notObject = await post('/api/v1/groups', [1, 2]);
    expect(notObject.statusCode).toBe(400);
    expect(notObject.json()).toEqual({
      error: { code: 'ERR_VALIDATION', message: 'a JSON object body is required' },
      message: 'a JSON object body is required',
    });
    const nested = await post('/api/v1/access-rules', { subjectType: 'everyone', pattern: 'a/**', actions: ['fly'] });
    expect(nested.json().error.field).toBe('actions.0');
    const tag = await get('/api/v1/tags/Not_A_Repo:1');
    expect(tag.statusCode).toBe(400);
    expect(tag.json().error.field).toBe('repository');
    const check = await get('/api/v1/access-check?user=a&user=b&scope=repository:a:pull');
    expect(check.json().error).toMatchObject({ code: 'ERR_VALIDATION', field: 'user' });
  });

  it('guards a group before validating its input', async () => {
    const bad = '/api/v1/users?range=[5,1]';
    expect((await t.app.inject({ url: bad })).statusCode).toBe(401);
    const plain = { authorization: basic('plain', 'plain-password') };
    expect((await t.app.inject({ url: bad, headers: plain })).statusCode).toBe(403);
    const write = await t.app.inject({ method: 'POST', url: '/api/v1/groups', headers: plain, payload: [] });
    expect(write.statusCode).toBe(403);
    expect(write.json().error.message).toBe('admin role required');
    expect((await t.app.inject({ method: 'POST', url: '/api/v1/registry/sync', headers: plain })).statusCode).toBe(403);
    const events = await t.app.inject({
      method: 'POST',
      url: '/api/v1/registry/events',
      headers: { ...plain, 'content-type': 'application/json' },
      payload: '[]',
    });
    expect(events.statusCode).toBe(401);
    expect(events.headers['www-authenticate']).toBe('Bearer realm="registry-admin notifications"');
    expect(events.json()).toEqual({
      error: { code: 'ERR_UNAUTHORIZED', message: 'only the registry may post events' },
      message: 'only the registry may post events',
    });
  });

  it('sends only the fields a response schema names: a stored secret cannot leave', async () => {
    const users = t.services.store.users;
    const original = users.get.bind(users);
    const spy = vi.spyOn(users, 'get').mockImplementation(async (id) => {
      const user = await original(id);
      return user && ({ ...user, passwordHash: '$argon2id$secret', secretHash: 'x' } as typeof user);
    });
    try {
      const response = await t.app.inject({ url: '/api/v1/users/1', headers: adminAuth() });
      expect(response.statusCode).toBe(200);
      expect(response.json().login).toBe('admin');
      expect(response.body).not.toMatch(/passwordHash|secretHash|argon2/);
      const me = await t.app.inject({ url: '/api/v1/auth/me', headers: adminAuth() });
      expect(me.body).not.toMatch(/passwordHash|argon2/);
    } finally {
      spy.mockRestore();
    }
  });

  it('answers a handler result its schema does not describe with a bare 500, never the data', async () => {
    const spy = vi
      .spyOn(t.services.store.groups, 'get')
      .mockResolvedValue({ id: 'one', secret: 's3cr3t' } as unknown as Awaited<
        ReturnType<typeof t.services.store.groups.get>
      >);
    try {
      const response = await t.app.inject({ url: '/api/v1/groups/1', headers: adminAuth() });
      expect(response.statusCode).toBe(500);
      expect(response.json()).toEqual({
        error: { code: 'ERR_INTERNAL', message: 'internal error' },
        message: 'internal error',
      });
    } finally {
      spy.mockRestore();
    }
  });

  describe('fuzzed from the document', () => {
    const text = fc.oneof(
      fc.string({ maxLength: 30 }),
      fc.constantFrom('', '0', '-1', '1e3', '99999999999', 'abc', '%00', '[', '{}', 'a:b', '../x', 'Team/App:1'),
    );
    const jsonish = fc.oneof(
      text,
      fc.jsonValue().map((value) => JSON.stringify(value)),
      fc.constantFrom('["id","ASC"]', '[0,5]', '{"q":"a"}', '["id","UP"]', '[3,1]', '{"id":[1,"x"]}'),
    );

    function operations() {
      return Object.entries(doc.paths).flatMap(([path, item]) =>
        Object.entries(item)
          .filter(([method]) => HTTP_METHODS.has(method) && !PROTOCOL_PATHS.has(path))
          .map(([method, operation]) => ({ path, method: method.toUpperCase(), operation })),
      );
    }

    function request(
      op: ReturnType<typeof operations>[number],
      params: string[],
      query: Array<string | undefined>,
      body: unknown,
    ) {
      let index = 0;
      const url = op.path.replace(/\{([^}]+)\}/g, (_, name: string) => {
        const value = params[index++ % params.length] ?? '';
        return name === '*' ? encodeURI(value) : encodeURIComponent(value);
      });
      const search = new URLSearchParams();
      (op.operation.parameters ?? [])
        .filter((p) => p.in === 'query')
        .forEach((p, i) => {
          const value = query[i % Math.max(query.length, 1)];
          if (value !== undefined) search.append(p.name, value);
        });
      const auth =
        op.path === '/api/v1/registry/events'
          ? { authorization: `Bearer ${t.services.notificationSecret}` }
          : adminAuth();
      return t.app.inject({
        method: op.method as 'GET',
        url: `${url}${search.size > 0 ? `?${search}` : ''}`,
        headers: { ...auth, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { payload: JSON.stringify(body) }),
      });
    }

    it(
      'answers malformed params, queries and bodies of every operation with 4xx or success, never 5xx',
      async () => {
        const ops = operations();
        expect(ops.length).toBeGreaterThan(40);
        await fc.assert(
          fc.asyncProperty(
            fc.constantFrom(...ops),
            fc.array(text, { minLength: 1, maxLength: 2 }),
            fc.array(fc.option(jsonish, { nil: undefined }), { minLength: 1, maxLength: 4 }),
            fc.jsonValue(),
            fc.dictionary(fc.string({ maxLength: 12 }), fc.jsonValue(), { maxKeys: 4 }),
            async (op, params, query, value, extra) => {
              const properties = Object.keys(
                op.operation.requestBody?.content['application/json']?.schema.properties ?? {},
              );
              // Random values under the schema's own field names, plus one field that is always wrong (`id` is a
              // number where a body has one, and an unknown key where it has not), so no write can succeed.
              const fields = Object.fromEntries(properties.map((name, i) => [name, i % 2 ? value : extra[name]]));
              const body = op.operation.requestBody ? { ...extra, ...fields, id: 'not-an-id' } : undefined;
              const response = await request(op, params, query, body);
              expect(response.statusCode, `${op.method} ${op.path}: ${response.body.slice(0, 300)}`).toBeLessThan(500);
            },
          ),
          { numRuns: 400 },
        );
      },
      PROPERTY_TIMEOUT_MS,
    );

    it(
      'answers a body that is not an object with 400 on every operation that takes one',
      async () => {
        const ops = operations().filter((op) => op.operation.requestBody);
        expect(ops.length).toBeGreaterThan(8);
        await fc.assert(
          fc.asyncProperty(
            fc.constantFrom(...ops),
            fc.oneof(fc.array(fc.jsonValue(), { maxLength: 3 }), fc.integer(), fc.string(), fc.constant(null)),
            async (op, body) => {
              const response = await request(op, ['1'], [], body);
              expect(response.statusCode, `${op.method} ${op.path}: ${response.body.slice(0, 300)}`).toBe(400);
              expect(response.json().error.code).toBe('ERR_VALIDATION');
            },
          ),
          { numRuns: 150 },
        );
      },
      PROPERTY_TIMEOUT_MS,
    );
  });
});
