/**
 * The API described by its own route schemas: an OpenAPI 3.1 document at `GET /api/v1/openapi.json` and a docs page
 * at `/api/v1/docs` (Swagger UI, served from the installed package: no file comes from anywhere else). Both are
 * public, like the routes they describe; what a route needs is in the document.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyDynamicSwaggerOptions, SwaggerTransform, SwaggerTransformObject } from '@fastify/swagger';
import type { FastifyInstance, FastifyReply, FastifyRequest, RouteOptions } from 'fastify';
import {
  jsonSchemaTransform,
  jsonSchemaTransformObject,
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from 'fastify-type-provider-zod';
import { z } from 'zod';
import { embeddedFiles } from '../runtime/embedded-files';
import { SESSION_COOKIE } from './session-cookie';

export const OPENAPI_PATH = '/api/v1/openapi.json';
export const DOCS_PREFIX = '/api/v1/docs';

const isZodSchema = (value: unknown) => typeof value === 'object' && value !== null && '_zod' in value;

/** Routes declare zod schemas, which the provider turns into JSON Schema; a route without one is taken as it is. */
const transform: SwaggerTransform = (route) => {
  const { schema } = route;
  const parts = schema ? [schema.body, schema.querystring, schema.params, ...Object.values(schema.response ?? {})] : [];
  return parts.some(isZodSchema) ? jsonSchemaTransform(route) : { schema, url: route.url };
};

/**
 * Named schemas as components. The provider makes an input and an output variant of each; the variants no route
 * refers to (our records are only ever answers) are left out.
 */
const transformObject: SwaggerTransformObject = (document) => {
  const object = jsonSchemaTransformObject(document) as { components?: { schemas?: Record<string, unknown> } };
  const schemas = object.components?.schemas;
  for (const name of Object.keys(schemas ?? {})) {
    if (!schemas || !name.endsWith('Input')) continue;
    const { [name]: _candidate, ...others } = schemas;
    const rest = JSON.stringify({ ...object, components: { ...object.components, schemas: others } });
    // Dropped only when nothing else refers to it, so no reference is ever left dangling.
    if (!rest.includes(`"#/components/schemas/${name}"`)) delete schemas[name];
  }
  return object as ReturnType<SwaggerTransformObject>;
};

/**
 * An `onRoute` hook for the schema-driven context: a route without a success response schema, or with path parameters
 * but no params schema, or a PUT without a body schema, fails the build instead of going out undocumented and
 * unchecked. (HEAD routes are Fastify's copies of GET routes, schemas included.)
 */
export function requireSchemas(route: RouteOptions): void {
  const methods = Array.isArray(route.method) ? route.method : [route.method];
  const schema = route.schema ?? {};
  const where = `${methods.join(',')} ${route.url}`;
  const statuses = Object.keys((schema.response ?? {}) as Record<string, unknown>);
  if (!statuses.some((status) => /^2/.test(status))) throw new Error(`${where} declares no success response schema`);
  if (/[:*]/.test(route.url) && !schema.params) throw new Error(`${where} has path parameters but no params schema`);
  if (methods.includes('PUT') && !schema.body) throw new Error(`${where} declares no body schema`);
}

/**
 * The document's generator (`@fastify/swagger`, with its YAML writer and schema resolver) is loaded when the document is
 * first asked for, not at start: every process would pay its start-up time and memory for a document few read. Until
 * then the routes are only noted as they are declared; the generator then runs in a Fastify instance of its own, where
 * the same routes are declared again (schemas and all, handlers aside).
 */
export interface ApiDocument {
  /** The OpenAPI document of every route declared so far (built once, on the first call). */
  get(): Promise<Record<string, unknown>>;
}

/** Notes every route from here on and returns the document's maker; call on the root instance before any route. */
export function registerApiDocs(app: FastifyInstance, version: string): ApiDocument {
  const routes: RouteOptions[] = [];
  app.addHook('onRoute', (route) => {
    // Fastify's HEAD copies of GET routes come back by themselves when the GET is declared again.
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    if (methods.length === 1 && methods[0] === 'HEAD' && routes.some((r) => r.url === route.url)) return;
    routes.push(route);
  });
  let built: Promise<{ generate: FastifyInstance['swagger'] }> | undefined;
  const build = async () => {
    const [{ default: Fastify }, { default: swagger }] = await Promise.all([
      import('fastify'),
      import('@fastify/swagger'),
    ]);
    const inner = Fastify({ logger: false });
    inner.setValidatorCompiler(validatorCompiler);
    inner.setSerializerCompiler(serializerCompiler);
    await inner.register(swagger, documentOptions(version));
    await inner.register(async (described) => {
      for (const route of routes) {
        described.route({
          method: route.method,
          url: route.url,
          ...(route.schema ? { schema: route.schema } : {}),
          handler: async () => undefined,
        });
      }
    });
    await inner.ready();
    return { generate: inner.swagger.bind(inner) };
  };
  const document: ApiDocument = {
    async get() {
      built ??= build().catch((error: unknown) => {
        built = undefined;
        throw error;
      });
      return (await built).generate() as unknown as Record<string, unknown>;
    },
  };
  void app.register(lazyDocsPage, { document });
  return document;
}

function documentOptions(version: string): FastifyDynamicSwaggerOptions {
  return {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'registry-admin',
        version,
        description:
          'Token server and access manager for the distribution container registry. Lists follow the react-admin ' +
          '"simple REST" convention (`sort`, `range` and `filter` as JSON query parameters, `Content-Range` in the ' +
          'answer; a search with very many matches gives an estimated total there and says so with ' +
          '`X-Total-Estimated: true`). Every error is `{"error":{"code","message","field"?}}`.',
      },
      components: {
        securitySchemes: {
          session: { type: 'apiKey', in: 'cookie', name: SESSION_COOKIE },
          basic: { type: 'http', scheme: 'basic' },
          bearer: { type: 'http', scheme: 'bearer', description: 'a personal access token' },
          notifications: {
            type: 'http',
            scheme: 'bearer',
            description: 'the registry only: the notification secret `registry-admin registry-config` prints',
          },
        },
      },
      security: [{ session: [] }, { basic: [] }, { bearer: [] }],
    },
    transform,
    transformObject,
  };
}

/**
 * The docs page, loaded when first asked for: Swagger UI's plugin (with its static file server and YAML writer) costs
 * start-up time and memory every process would pay for a page few open. Its routes run in a Fastify instance of their
 * own, made on the first request, which serves this server's document; requests are handed to it with `inject`.
 */
async function lazyDocsPage(app: FastifyInstance, { document }: { document: ApiDocument }): Promise<void> {
  let docs: Promise<FastifyInstance> | undefined;
  const load = async () => {
    const [{ default: Fastify }, { default: fastifyPlugin }, { default: swaggerUi }] = await Promise.all([
      import('fastify'),
      import('fastify-plugin'),
      import('@fastify/swagger-ui'),
    ]);
    const inner = Fastify({ logger: false });
    // Swagger UI asks for `@fastify/swagger` by name and reads the document through its decorator: this one hands it
    // the server's document (built first: the decorator answers at once).
    const spec = await document.get();
    const lent = fastifyPlugin(
      async (instance: FastifyInstance) => {
        instance.decorate('swagger', (() => spec) as never);
      },
      { name: '@fastify/swagger' },
    );
    await inner.register(lent);
    // The single executable carries the page's assets itself (unpacked beside its other files).
    const assets = embeddedFiles()?.swaggerUiDir;
    await inner.register(swaggerUi, {
      routePrefix: DOCS_PREFIX,
      ...(assets
        ? { baseDir: assets, logo: { type: 'image/svg+xml', content: readFileSync(join(assets, 'logo.svg')) } }
        : {}),
    });
    await inner.ready();
    return inner;
  };
  const forward = async (request: FastifyRequest, reply: FastifyReply) => {
    docs ??= load().catch((error: unknown) => {
      docs = undefined;
      throw error;
    });
    const inner = await docs;
    const headers: Record<string, string> = {};
    for (const name of ['accept', 'accept-encoding', 'if-none-match', 'if-modified-since', 'range']) {
      const value = request.headers[name];
      if (typeof value === 'string') headers[name] = value;
    }
    const answer = await inner.inject({ method: request.method as 'GET' | 'HEAD', url: request.url, headers });
    reply.code(answer.statusCode);
    for (const [name, value] of Object.entries(answer.headers)) {
      if (value !== undefined && !HOP_BY_HOP.has(name)) reply.header(name, value);
    }
    return reply.send(answer.rawPayload);
  };
  app.get(DOCS_PREFIX, { schema: { hide: true } }, forward);
  app.get(`${DOCS_PREFIX}/*`, { schema: { hide: true } }, forward);
}

/** Headers of the inner answer that describe its own connection, not the page. */
const HOP_BY_HOP = new Set(['connection', 'content-length', 'date', 'keep-alive', 'transfer-encoding']);

/** `GET /api/v1/openapi.json`, in the context whose compilers are zod's. */
export async function openApiRoutes(instance: FastifyInstance, { document }: { document: ApiDocument }): Promise<void> {
  const app = instance.withTypeProvider<ZodTypeProvider>();
  app.get(
    OPENAPI_PATH,
    { schema: { hide: true, response: { 200: z.looseObject({ openapi: z.string() }) } } },
    async () => (await document.get()) as { openapi: string },
  );
}
