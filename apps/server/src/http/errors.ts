/**
 * The one table from error codes to HTTP statuses, and the JSON error body every API route answers with:
 * `{ "error": { "code": "...", "message": "...", "field"?: "..." }, "message": "...", "errors"?: { "<field>": "..." } }`
 * — the nested `error` for scripts, the top-level `message` and per-field `errors` in the shape react-admin shows
 * (a notification and the message under the form field). Libraries throw coded errors and never know
 * about HTTP; this module is the only place that does the mapping, for every kind of error a request can end in:
 * the routes' own, schema validation, the store, the access rules, the registry, throttling and Fastify's.
 */
import { AclError } from '@registry-admin/acl';
import { RegistryError } from '@registry-admin/registry-client';
import { StoreError } from '@registry-admin/store';
import { TokenServiceError } from '@registry-admin/token-service';
import type { FastifyError, FastifyInstance } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { ZodError, z } from 'zod';
import { TooManyAttempts } from '../services/login-throttle';

export type ApiErrorCode =
  | 'ERR_VALIDATION'
  | 'ERR_UNAUTHORIZED'
  | 'ERR_FORBIDDEN'
  | 'ERR_NOT_FOUND'
  | 'ERR_CONFLICT'
  | 'ERR_PAYLOAD_TOO_LARGE'
  | 'ERR_UNSUPPORTED_MEDIA_TYPE'
  | 'ERR_INTERNAL';

/** An error a route throws to answer with a given status. */
export class ApiError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    readonly field?: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export const badRequest = (message: string, field?: string) => new ApiError(400, 'ERR_VALIDATION', message, field);
export const unauthorized = (message = 'authentication required') => new ApiError(401, 'ERR_UNAUTHORIZED', message);
export const forbidden = (message = 'not allowed') => new ApiError(403, 'ERR_FORBIDDEN', message);
export const notFound = (message = 'not found') => new ApiError(404, 'ERR_NOT_FOUND', message);

const STATUS_BY_CODE: Record<string, number> = {
  ERR_STORE_NOT_FOUND: 404,
  ERR_STORE_CONFLICT: 409,
  ERR_STORE_LAST_ADMIN: 409,
  ERR_STORE_REFERENCE: 400,
  ERR_STORE_QUERY_INVALID: 400,
  ERR_STORE_INVALID: 400,
  ERR_ACL_PATTERN_INVALID: 400,
  ERR_ACL_RULE_INVALID: 400,
  ERR_SCOPE_INVALID: 400,
  ERR_REQUEST_INVALID: 400,
  ERR_UNSUPPORTED_GRANT: 400,
};

/** Converts a zod error into the first issue's path and message. */
function zodToApiError(error: ZodError): ApiError {
  const issue = error.issues[0];
  const path = (issue?.path ?? []).map(String).join('.');
  return badRequest(`${path ? `${path}: ` : ''}${issue?.message ?? 'invalid'}`, path || undefined);
}

export interface ErrorBody {
  error: { code: string; message: string; field?: string };
  message: string;
  errors?: Record<string, string>;
}

/**
 * The error body: the message once nested (with the code) and once on top; a named field also gets its message
 * under `errors`, without the `field: ` prefix the top-level message carries.
 */
export function errorBody(code: string, message: string, field?: string): ErrorBody {
  const fieldMessage = field && message.startsWith(`${field}: `) ? message.slice(field.length + 2) : message;
  return {
    error: { code, message, ...(field ? { field } : {}) },
    message,
    ...(field ? { errors: { [field]: fieldMessage } } : {}),
  };
}

/** The error body as a schema, for the API's response declarations and its OpenAPI document. */
export const errorBodySchema = z
  .object({
    error: z.object({
      code: z.string().meta({ example: 'ERR_VALIDATION' }),
      message: z.string(),
      field: z.string().optional().meta({ description: 'the offending field or parameter, dotted' }),
    }),
    message: z.string().meta({ description: 'the same message, where react-admin looks for it' }),
    errors: z
      .record(z.string(), z.string())
      .optional()
      .meta({ description: 'the offending field and its message, as react-admin shows it on the form' }),
  })
  .meta({ id: 'Error' });

/** Every route may answer with an error body; declared once, spread into each route's `response`. */
export const errorResponses = { '4xx': errorBodySchema, '5xx': errorBodySchema } as const;

/**
 * A request that failed its route's schema: the first issue, with its dotted path as `field` (`actions.0`). A body
 * that is not an object at all says so, as before schemas: the path is empty then.
 */
function validationFailure(error: FastifyError): ApiError | undefined {
  if (!hasZodFastifySchemaValidationErrors(error)) return undefined;
  const issue = error.validation[0];
  const path = (issue?.instancePath ?? '/').split('/').filter(Boolean).join('.');
  if (!path && error.validationContext === 'body' && issue?.keyword === 'invalid_type') {
    return badRequest('a JSON object body is required');
  }
  return badRequest(`${path ? `${path}: ` : ''}${issue?.message ?? 'invalid'}`, path || undefined);
}

export function toErrorResponse(error: unknown): { status: number; body: ErrorBody; internal: boolean } {
  if (error instanceof ApiError) {
    return {
      status: error.statusCode,
      body: errorBody(error.code, error.message, error.field),
      internal: false,
    };
  }
  if (error instanceof ZodError) return toErrorResponse(zodToApiError(error));
  const invalid = validationFailure(error as FastifyError);
  if (invalid) return toErrorResponse(invalid);
  // A policy not made by compilePolicy is a bug of ours, not the caller's: it falls through to the logged 500.
  const callerAclError = error instanceof AclError && error.code !== 'ERR_ACL_POLICY_INVALID';
  if (error instanceof StoreError || callerAclError || error instanceof TokenServiceError) {
    const field = error instanceof StoreError ? error.field : undefined;
    return {
      status: STATUS_BY_CODE[error.code] ?? 400,
      body: errorBody(error.code, error.message, field),
      internal: false,
    };
  }
  if (error instanceof RegistryError) {
    // A registry that is down or refuses is not the caller's fault, nor ours: 502 with the reason (routes that can
    // say more, e.g. a 404 for a missing tag, map the error themselves).
    return {
      status: 502,
      body: errorBody('ERR_REGISTRY', `the registry failed: ${error.message}`),
      internal: false,
    };
  }
  const fastifyError = error as Partial<FastifyError>;
  if (typeof fastifyError.statusCode === 'number' && fastifyError.statusCode >= 400 && fastifyError.statusCode < 500) {
    const status = fastifyError.statusCode;
    const code =
      status === 413 ? 'ERR_PAYLOAD_TOO_LARGE' : status === 415 ? 'ERR_UNSUPPORTED_MEDIA_TYPE' : 'ERR_VALIDATION';
    return { status, body: errorBody(code, fastifyError.message ?? 'bad request'), internal: false };
  }
  return { status: 500, body: errorBody('ERR_INTERNAL', 'internal error'), internal: true };
}

export function installErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((error, request, reply) => {
    if (error instanceof TooManyAttempts) {
      request.log.warn({ status: 429, address: request.ip }, error.message);
      return reply
        .code(429)
        .header('Retry-After', String(error.retryAfterSeconds))
        .send(errorBody(error.code, error.message));
    }
    const { status, body, internal } = toErrorResponse(error);
    if (internal) request.log.error({ err: error }, 'request failed');
    else request.log.warn({ status, code: body.error.code, reason: body.error.message }, 'request rejected');
    return reply.code(status).send(body);
  });
  app.setNotFoundHandler((request, reply) => {
    request.log.warn({ status: 404 }, 'no such route');
    return reply.code(404).send(errorBody('ERR_NOT_FOUND', `no route ${request.method} ${request.url.split('?')[0]}`));
  });
}
