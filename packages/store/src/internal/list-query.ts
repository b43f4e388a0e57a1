/**
 * The react-admin list convention for every resource: sort on an allow-list of fields, an inclusive range, and
 * filters (`q` search, `id` lists, exact fields). Input never reaches SQL except as bound values or allow-listed columns.
 */
import { type ExpressionBuilder, type SelectQueryBuilder, sql } from 'kysely';
import type { Database } from './database';
import { StoreError } from './errors';

export interface ListQuery {
  sort?: readonly [string, 'ASC' | 'DESC'];
  /** Inclusive, as react-admin sends it. */
  range?: readonly [number, number];
  filter?: Record<string, unknown>;
}

export interface ListResult<T> {
  items: T[];
  /** Exact, unless `estimated` (a search with very many matches: then the total is sampled, not counted). */
  total: number;
  estimated?: boolean;
}

export const MAX_PAGE = 1000;

const invalid = (field: string, message: string) => new StoreError('ERR_STORE_QUERY_INVALID', message, field);

export interface Page {
  column: string;
  direction: 'asc' | 'desc';
  offset: number;
  limit: number;
}

export function pageOf(query: ListQuery, sortColumns: Record<string, string>, defaultSort: string): Page {
  const [field, order] = query.sort ?? [defaultSort, 'ASC'];
  const column = Object.hasOwn(sortColumns, field) ? sortColumns[field] : undefined;
  if (!column)
    throw invalid(
      'sort',
      `cannot sort by "${String(field).slice(0, 64)}"; use one of ${Object.keys(sortColumns).join(', ')}`,
    );
  if (order !== 'ASC' && order !== 'DESC') throw invalid('sort', 'sort order must be ASC or DESC');
  const [start, end] = query.range ?? [0, 24];
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || start < 0 || end < start) {
    throw invalid('range', 'range must be [start, end] with 0 <= start <= end');
  }
  return {
    column,
    direction: order === 'ASC' ? 'asc' : 'desc',
    offset: start,
    limit: Math.min(end - start + 1, MAX_PAGE),
  };
}

const NOT_TEXT = /\0|\p{Cs}/u;

/** `strings`: one string or a list of them (string ids, digests); `ids`: one integer id or a list. */
export type FilterKind = 'search' | 'ids' | 'string' | 'strings' | 'boolean' | 'integer';

/** The value a filter of each kind holds once checked. */
export type FilterValue<K extends FilterKind> = K extends 'search' | 'string'
  ? string
  : K extends 'ids'
    ? number[]
    : K extends 'strings'
      ? string[]
      : K extends 'boolean'
        ? boolean
        : number;

/** Checks the filter object against the allowed keys and kinds; returns it typed. */
export function checkFilter<const A extends Record<string, FilterKind>>(
  filter: Record<string, unknown> | undefined,
  allowed: A,
): { [P in keyof A]?: FilterValue<A[P]> } {
  const out: Record<string, string | number | boolean | number[] | string[]> = {};
  for (const [key, value] of Object.entries(filter ?? {})) {
    const kind = Object.hasOwn(allowed, key) ? allowed[key] : undefined;
    if (!kind)
      throw invalid('filter', `unknown filter "${key.slice(0, 64)}"; use one of ${Object.keys(allowed).join(', ')}`);
    if (value === undefined || value === null || value === '') continue;
    switch (kind) {
      case 'search':
      case 'string':
        if (typeof value !== 'string' || value.length > 256)
          throw invalid('filter', `filter "${key}" must be a short string`);
        // NUL ends a string in SQLite's LIKE and FTS5 query parsers and PostgreSQL cannot hold it; a lone surrogate
        // is not text either drivers can send (they would search for U+FFFD). Nothing stored contains them.
        if (NOT_TEXT.test(value)) throw invalid('filter', `filter "${key}" must not contain NUL or lone surrogates`);
        out[key] = value;
        break;
      case 'boolean':
        if (typeof value !== 'boolean') throw invalid('filter', `filter "${key}" must be true or false`);
        out[key] = value;
        break;
      case 'integer':
        if (typeof value !== 'number' || !Number.isSafeInteger(value))
          throw invalid('filter', `filter "${key}" must be an integer`);
        out[key] = value;
        break;
      case 'strings': {
        const list = Array.isArray(value) ? value : [value];
        if (
          list.length > MAX_PAGE ||
          !list.every((item) => typeof item === 'string' && item.length <= 512 && !NOT_TEXT.test(item))
        ) {
          throw invalid('filter', `filter "${key}" must be a list of at most ${MAX_PAGE} short strings`);
        }
        out[key] = list as string[];
        break;
      }
      case 'ids': {
        const list = Array.isArray(value) ? value : [value];
        if (list.length > MAX_PAGE || !list.every((id) => typeof id === 'number' && Number.isSafeInteger(id))) {
          throw invalid('filter', `filter "${key}" must be a list of at most ${MAX_PAGE} integer ids`);
        }
        out[key] = list as number[];
        break;
      }
    }
  }
  return out as { [P in keyof A]?: FilterValue<A[P]> };
}

/** `%text%` for a case-insensitive LIKE, with the LIKE wildcards of the input escaped. */
export function likePattern(text: string): string {
  return `%${text.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/** A case-insensitive substring test on one column (same SQL on SQLite and PostgreSQL). */
export function ilike<DB, TB extends keyof DB>(eb: ExpressionBuilder<DB, TB>, column: string, text: string) {
  return sql<boolean>`lower(${eb.ref(column as never)}) like ${likePattern(text)} escape '\\'`;
}

/** Runs the page and the total count of a filtered query. */
export async function runList<Row, T>(
  // biome-ignore lint/suspicious/noExplicitAny: the builder is generic over the selected table.
  base: SelectQueryBuilder<Database, any, object>,
  page: Page,
  map: (rows: Row[]) => Promise<T[]> | T[],
  /** Unique column(s) that order rows with equal sort values. */
  tiebreak: string | readonly string[] = 'id',
  /** The total when the caller already knows (or has estimated) it: the count query is then skipped. */
  known?: { total: number; estimated?: boolean },
): Promise<ListResult<T>> {
  let ordered = base.selectAll().orderBy(sql.ref(page.column), page.direction);
  for (const column of typeof tiebreak === 'string' ? [tiebreak] : tiebreak) {
    // Same direction as the sort: an index on the sort column (which ends with the rowid) serves both.
    if (column !== page.column) ordered = ordered.orderBy(sql.ref(column), page.direction);
  }
  const [rows, count] = await Promise.all([
    ordered.limit(page.limit).offset(page.offset).execute() as Promise<Row[]>,
    (known !== undefined
      ? Promise.resolve({ total: known.total })
      : base.select((eb) => eb.fn.countAll<number | string>().as('total')).executeTakeFirstOrThrow()) as Promise<{
      total: number | string;
    }>,
  ]);
  return { items: await map(rows), total: Number(count.total), ...(known?.estimated ? { estimated: true } : {}) };
}
