/**
 * react-admin's data provider for the server's "simple REST" API: `/api/v1/<resource>` with `sort`, `range` and
 * `filter` as JSON query parameters and the total in `Content-Range`. Every call goes through the API client, so
 * writes carry the CSRF token and errors arrive as `HttpError`s react-admin can show.
 */
import type {
  CreateParams,
  DataProvider,
  DeleteParams,
  GetListParams,
  GetManyParams,
  GetManyReferenceParams,
  GetOneParams,
  Identifier,
  RaRecord,
  UpdateParams,
} from 'react-admin';
import type { ApiClient } from './api-client';

/** `users 0-24/319` → 319; a missing or malformed header is a server bug worth seeing, not a silent zero. */
export function totalFromContentRange(header: string | null, resource: string): number {
  const total = header?.split('/').pop();
  const parsed = total === undefined ? Number.NaN : Number.parseInt(total, 10);
  if (!Number.isFinite(parsed)) throw new Error(`the ${resource} list came without a Content-Range total`);
  return parsed;
}

function listQuery(params: {
  sort?: { field: string; order: string } | undefined;
  pagination?: { page: number; perPage: number } | undefined;
  filter?: Record<string, unknown> | undefined;
}): string {
  const query = new URLSearchParams();
  if (params.sort?.field) query.set('sort', JSON.stringify([params.sort.field, params.sort.order]));
  if (params.pagination) {
    const { page, perPage } = params.pagination;
    query.set('range', JSON.stringify([(page - 1) * perPage, page * perPage - 1]));
  }
  const filter = params.filter ?? {};
  if (Object.keys(filter).length > 0) query.set('filter', JSON.stringify(filter));
  const text = query.toString();
  return text ? `?${text}` : '';
}

/**
 * `/<resource>/<id>`; `/` and `:` stay as they are, so a tag's id reads as its path (`/tags/team/app:1.0`) and a
 * sub-record of a record can be asked for by its path (`getOne('repositories', { id: '5/access' })`).
 */
function recordPath(resource: string, id: Identifier): string {
  const encoded = encodeURIComponent(String(id));
  const readable = encoded.replace(/%2F/gi, '/').replace(/%3A/gi, ':');
  // A `.` or `..` segment would be resolved away by the browser: such an id keeps every `/` encoded.
  const dotSegment = readable.split('/').some((segment) => segment === '.' || segment === '..');
  return `/${resource}/${dotSegment ? encoded : readable}`;
}

export function createDataProvider(api: ApiClient): DataProvider {
  const list = async <R extends RaRecord>(resource: string, query: string, signal?: AbortSignal) => {
    const response = await api.request<R[]>(`/${resource}${query}`, signal ? { signal } : {});
    const total = totalFromContentRange(response.headers.get('Content-Range'), resource);
    // A search with very many matches has a sampled total: the pagination then reads "about".
    const estimated = response.headers.get('X-Total-Estimated') === 'true';
    return { data: response.json, total, ...(estimated ? { meta: { totalEstimated: true } } : {}) };
  };

  return {
    getList: <R extends RaRecord>(resource: string, params: GetListParams) =>
      list<R>(resource, listQuery(params), params.signal),

    async getOne<R extends RaRecord>(resource: string, params: GetOneParams<R>) {
      const response = await api.request<Partial<R>>(
        recordPath(resource, params.id),
        params.signal ? { signal: params.signal } : {},
      );
      // Answers that are not stored records (`registry/status`, `repositories/5/access`) get the id they were asked by.
      return { data: { id: params.id, ...response.json } as R };
    },

    async getMany<R extends RaRecord>(resource: string, params: GetManyParams<R>) {
      // One list call filtered by id; the range covers them all (the server allows up to 1000 rows per call).
      const query = listQuery({
        filter: { id: params.ids },
        pagination: { page: 1, perPage: Math.max(params.ids.length, 1) },
      });
      const response = await api.request<R[]>(`/${resource}${query}`, params.signal ? { signal: params.signal } : {});
      return { data: response.json };
    },

    getManyReference: <R extends RaRecord>(resource: string, params: GetManyReferenceParams) =>
      list<R>(
        resource,
        listQuery({ ...params, filter: { ...params.filter, [params.target]: params.id } }),
        params.signal,
      ),

    async create<R extends Omit<RaRecord, 'id'>, Result extends RaRecord = R & { id: Identifier }>(
      resource: string,
      params: CreateParams<R>,
    ) {
      const response = await api.request<Result>(`/${resource}`, { method: 'POST', body: params.data });
      return { data: response.json };
    },

    async update<R extends RaRecord>(resource: string, params: UpdateParams<R>) {
      const response = await api.request<R>(recordPath(resource, params.id), {
        method: 'PUT',
        body: params.data,
      });
      return { data: response.json };
    },

    async updateMany(resource, params) {
      for (const id of params.ids) {
        await api.request(recordPath(resource, id), { method: 'PUT', body: params.data });
      }
      return { data: params.ids };
    },

    async delete<R extends RaRecord>(resource: string, params: DeleteParams<R>) {
      const response = await api.request<R | undefined>(recordPath(resource, params.id), { method: 'DELETE' });
      // A 204 or a body without the record still tells react-admin which record went.
      const deleted = { ...params.previousData, ...(response.json ?? {}), id: params.id } as R;
      return { data: deleted };
    },

    async deleteMany(resource, params) {
      // One at a time: the server audits each deletion, and the first refusal stops the rest.
      for (const id of params.ids) await api.request(recordPath(resource, id), { method: 'DELETE' });
      return { data: params.ids };
    },
  };
}
