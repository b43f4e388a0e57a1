/**
 * react-admin "simple REST" convention as schemas: `?sort=["login","ASC"]&range=[0,24]&filter={"q":"al"}` in (each a
 * JSON text in one query parameter), a JSON array plus `Content-Range: users 0-24/319` out, and `/:id` paths. Field
 * allow-lists live in the store; these only check the shapes.
 */
import type { ListQuery, ListResult } from '@registry-admin/store';
import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import { badRequest } from './errors';

const MAX_PARAM_LENGTH = 8192;

const sortSchema = z.tuple([z.string().min(1).max(64), z.enum(['ASC', 'DESC', 'asc', 'desc'])]);
const rangeSchema = z.tuple([z.number().int().min(0), z.number().int().min(0)]).refine(([a, b]) => a <= b, {
  message: 'start must not exceed end',
});
const filterSchema = z.record(z.string(), z.unknown());

/**
 * One query parameter holding JSON that `inner` checks. Absent or empty means not given; the issue of any failure is
 * the parameter's own, so the error names `sort`, `range` or `filter` rather than a position inside it.
 */
function jsonParam<T extends z.ZodType>(inner: T, description: string, example: string) {
  return z
    .string({ error: 'must be given once' })
    .max(MAX_PARAM_LENGTH, 'is too long')
    .optional()
    .transform((raw, ctx): z.output<T> | undefined => {
      if (raw === undefined || raw === '') return undefined;
      let value: unknown;
      try {
        value = JSON.parse(raw);
      } catch {
        ctx.addIssue({ code: 'custom', message: 'must be JSON' });
        return z.NEVER;
      }
      const parsed = inner.safeParse(value);
      if (!parsed.success) {
        ctx.addIssue({ code: 'custom', message: parsed.error.issues[0]?.message ?? 'invalid' });
        return z.NEVER;
      }
      return parsed.data;
    })
    .meta({ description, example });
}

/** The list parameters of every collection; other query parameters are ignored. */
export const listQuerySchema = z
  .object({
    sort: jsonParam(
      sortSchema,
      'JSON ["field","ASC"|"DESC"]; the fields each list sorts by are its own',
      '["id","ASC"]',
    ),
    range: jsonParam(rangeSchema, 'JSON [start,end], inclusive, at most 1000 rows (default [0,24])', '[0,24]'),
    filter: jsonParam(
      filterSchema,
      'JSON object: "q" searches, "id" takes a list, other keys match fields',
      '{"q":"al"}',
    ),
  })
  .transform(
    ({ sort, range, filter }): ListQuery => ({
      ...(sort ? { sort: [sort[0], sort[1].toUpperCase() as 'ASC' | 'DESC'] as const } : {}),
      ...(range ? { range } : {}),
      ...(filter ? { filter } : {}),
    }),
  );

/** `/:id` of a stored record. */
export const idParamsSchema = z.object({
  id: z.coerce
    .number({ error: 'must be a positive integer' })
    .int('must be a positive integer')
    .positive('must be a positive integer')
    .max(2 ** 31 - 1, 'must be a positive integer')
    .meta({ description: 'the record id' }),
});

/** react-admin sends the whole record back on update: an `id` in the body must be the one in the URL. */
export function checkBodyId(bodyId: number | undefined, id: number): void {
  if (bodyId !== undefined && bodyId !== id) throw badRequest('id in the body does not match the URL', 'id');
}

export function sendList<T>(reply: FastifyReply, resource: string, query: ListQuery, result: ListResult<T>): T[] {
  const start = query.range?.[0] ?? 0;
  const end = result.items.length > 0 ? start + result.items.length - 1 : start;
  reply.header('Content-Range', `${resource} ${start}-${end}/${result.total}`);
  // The total of a search with very many matches is sampled, not counted: the UI shows it as "about".
  if (result.estimated) reply.header('X-Total-Estimated', 'true');
  reply.header(
    'Access-Control-Expose-Headers',
    result.estimated ? 'Content-Range, X-Total-Estimated' : 'Content-Range',
  );
  return result.items;
}
