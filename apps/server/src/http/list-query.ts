/**
 * react-admin "simple REST" list convention: `?sort=["login","ASC"]&range=[0,24]&filter={"q":"al"}` in, a JSON array
 * plus `Content-Range: users 0-24/319` out. Field allow-lists live in the store; this only checks the shapes.
 */
import type { ListQuery, ListResult } from '@registry-admin/store';
import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import { badRequest } from './errors';

const sortSchema = z.tuple([z.string().min(1).max(64), z.enum(['ASC', 'DESC', 'asc', 'desc'])]);
const rangeSchema = z.tuple([z.number().int().min(0), z.number().int().min(0)]).refine(([a, b]) => a <= b, {
  message: 'start must not exceed end',
});
const filterSchema = z.record(z.string(), z.unknown());

function parseJsonParam<T>(name: string, raw: unknown, schema: z.ZodType<T>): T | undefined {
  if (raw === undefined || raw === '') return undefined;
  if (typeof raw !== 'string') throw badRequest(`${name} must be given once`, name);
  if (raw.length > 8192) throw badRequest(`${name} is too long`, name);
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    throw badRequest(`${name} must be JSON`, name);
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw badRequest(`${name}: ${parsed.error.issues[0]?.message ?? 'invalid'}`, name);
  return parsed.data;
}

export function parseListQuery(query: unknown): ListQuery {
  const params = (query ?? {}) as Record<string, unknown>;
  const sort = parseJsonParam('sort', params.sort, sortSchema);
  const range = parseJsonParam('range', params.range, rangeSchema);
  const filter = parseJsonParam('filter', params.filter, filterSchema);
  return {
    ...(sort ? { sort: [sort[0], sort[1].toUpperCase() as 'ASC' | 'DESC'] as const } : {}),
    ...(range ? { range } : {}),
    ...(filter ? { filter } : {}),
  };
}

export function sendList<T>(reply: FastifyReply, resource: string, query: ListQuery, result: ListResult<T>): T[] {
  const start = query.range?.[0] ?? 0;
  const end = result.items.length > 0 ? start + result.items.length - 1 : start;
  reply.header('Content-Range', `${resource} ${start}-${end}/${result.total}`);
  reply.header('Access-Control-Expose-Headers', 'Content-Range');
  return result.items;
}

export const idParamSchema = z.object({
  id: z.coerce
    .number()
    .int()
    .positive()
    .max(2 ** 31 - 1),
});

export function parseId(params: unknown): number {
  const parsed = idParamSchema.safeParse(params);
  if (!parsed.success) throw badRequest('id must be a positive integer', 'id');
  return parsed.data.id;
}
