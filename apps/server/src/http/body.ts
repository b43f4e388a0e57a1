/** Validates a request body with a zod schema; the error names the field. */
import type { z } from 'zod';
import { badRequest, zodToApiError } from './errors';

export function parseBody<S extends z.ZodType>(schema: S, body: unknown): z.output<S> {
  if (body === undefined || body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw badRequest('a JSON object body is required');
  }
  const parsed = schema.safeParse(body);
  if (!parsed.success) throw zodToApiError(parsed.error);
  return parsed.data;
}
