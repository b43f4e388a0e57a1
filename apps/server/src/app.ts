/**
 * The HTTP application as a Fastify instance built from ready services. `server.ts` listens and shuts down;
 * tests build this and call `app.inject()`.
 */
import cookie from '@fastify/cookie';
import formbody from '@fastify/formbody';
import Fastify, { type FastifyInstance, type FastifyServerOptions, LogController } from 'fastify';
import { serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import { type AccessLog, accessLogEntry, formatAccessLogLine } from './http/access-log';
import { registerAuthentication } from './http/authentication';
import { installErrorHandler } from './http/errors';
import { openApiRoutes, registerApiDocs, requireSchemas } from './http/openapi';
import { registerSignInGuard } from './http/request-origin';
import { webAppRoutes } from './http/web-app';
import { accessCheckRoutes } from './routes/access-check';
import { accessRuleRoutes } from './routes/access-rules';
import { auditEventRoutes } from './routes/audit-events';
import { authRoutes } from './routes/auth';
import { groupRoutes } from './routes/groups';
import { healthRoutes } from './routes/health';
import { metricsRoutes } from './routes/metrics';
import { ownPasswordRoutes } from './routes/own-password';
import { passwordResetRoutes } from './routes/password-reset';
import { activityRoutes, registryEventRoutes } from './routes/registry-events';
import { repositoryRoutes } from './routes/repositories';
import { serviceAccountRoutes } from './routes/service-accounts';
import { tokenRoutes } from './routes/token';
import { tokenManagementRoutes } from './routes/tokens';
import { userRoutes } from './routes/users';
import type { Services } from './runtime/services';
import { VERSION } from './version';

/** Fastify's compiler factories handing out zod's compilers (Fastify's types expect ajv's and fast-json-stringify's). */
const zodCompilers = {
  buildValidator: () => validatorCompiler,
  buildSerializer: () => serializerCompiler,
} as unknown as NonNullable<FastifyServerOptions['schemaController']>['compilersFactory'];

export type { Services } from './runtime/services';

declare module 'fastify' {
  interface FastifyInstance {
    services: Services;
  }
}

export interface AppOptions {
  logger?: FastifyServerOptions['logger'];
  https?: { cert: string | Buffer; key: string | Buffer };
  /** A built web UI (a folder with `index.html` and `assets/`) to serve at `/`; without it the server is API-only. */
  webDir?: string;
  /** The access log file (`--logger.enabled`): one Apache combined-format line per request. */
  accessLog?: AccessLog;
}

export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  'password',
  '*.password',
];

export async function buildApp(services: Services, options: AppOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({
    logger: options.logger ?? false,
    // Requests are logged by the onResponse hook below instead.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: 1024 * 1024,
    routerOptions: { maxParamLength: 512 },
    // Every schema here is zod: Fastify's default compilers (ajv, fast-json-stringify) are never built nor loaded.
    schemaController: { compilersFactory: zodCompilers },
    // X-Forwarded-For is believed only from configured proxies; otherwise the client address is the peer's.
    trustProxy: services.config['trusted-proxies'].length > 0 ? services.config['trusted-proxies'] : false,
    ...(options.https ? { https: options.https } : {}),
  }) as unknown as FastifyInstance;
  app.decorate('services', services);
  app.decorateRequest('authenticatedLogin', undefined);
  installErrorHandler(app);

  // One line per request, except successful token requests (the hot path), which log at debug.
  app.addHook('onResponse', async (request, reply) => {
    const path = request.url.split('?')[0];
    const entry = { method: request.method, path, status: reply.statusCode, ms: Math.round(reply.elapsedTime) };
    if (reply.statusCode < 400 && path === '/api/v1/registry/auth') request.log.debug(entry, 'request');
    else request.log.info(entry, 'request');
  });
  const accessLog = options.accessLog;
  if (accessLog) {
    app.addHook('onResponse', async (request, reply) => {
      accessLog.write(formatAccessLogLine(accessLogEntry(request, reply)));
    });
  }

  await app.register(cookie);
  await app.register(formbody, { bodyLimit: 64 * 1024 });
  const apiDocument = registerApiDocs(app, VERSION);
  // The registry protocol's token endpoint: its own wire format and error bodies, only its answer has a schema.
  await app.register(tokenRoutes);
  // Prometheus' text format, not JSON: outside the schemed routes. On its own address when --metrics.listen is set.
  if (services.metrics.enabled && !services.config.metrics.listen) await app.register(metricsRoutes);
  await app.register(async (schemed) => {
    // Every other route declares zod schemas: they validate the request, serialize the answer (fields a schema does
    // not name are dropped, so no stored secret can leave by accident) and make the OpenAPI document.
    schemed.setValidatorCompiler(validatorCompiler);
    schemed.setSerializerCompiler(serializerCompiler);
    schemed.addHook('onRoute', requireSchemas);
    await schemed.register(openApiRoutes, { document: apiDocument });
    await schemed.register(healthRoutes);
    await schemed.register(registryEventRoutes);
    await schemed.register(async (api) => {
      // Before authentication, so a refused sign-in request checks no credentials.
      await registerSignInGuard(api);
      await registerAuthentication(api);
      await api.register(authRoutes);
      await api.register(ownPasswordRoutes);
      await api.register(userRoutes);
      await api.register(groupRoutes);
      await api.register(accessRuleRoutes);
      await api.register(accessCheckRoutes);
      await api.register(serviceAccountRoutes);
      await api.register(tokenManagementRoutes);
      await api.register(auditEventRoutes);
      await api.register(passwordResetRoutes);
      await api.register(activityRoutes);
      await api.register(repositoryRoutes);
    });
  });
  if (options.webDir) await app.register(webAppRoutes, { dir: options.webDir });
  return app;
}
