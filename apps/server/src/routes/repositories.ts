/**
 * Browsing the index: `/api/v1/repositories` (search; sort by name, size, tag count, last push, pulls) and
 * `/api/v1/tags?filter={"repository":"…"}` (sort by name, size, pushed or created time), and
 * `POST /api/v1/registry/sync` to re-sync now. Admins and managers for now.
 */
import type { FastifyInstance } from 'fastify';
import { requireAdmin } from '../http/authentication';
import { ApiError, badRequest } from '../http/errors';
import { parseListQuery, sendList } from '../http/list-query';

export async function repositoryRoutes(app: FastifyInstance): Promise<void> {
  const { store } = app.services;

  app.get('/api/v1/repositories', async (request, reply) => {
    requireAdmin(request, 'read');
    const query = parseListQuery(request.query);
    return sendList(reply, 'repositories', query, await store.index.listRepositories(query));
  });

  app.get('/api/v1/tags', async (request, reply) => {
    requireAdmin(request, 'read');
    const query = parseListQuery(request.query);
    const { repository, ...filter } = query.filter ?? {};
    if (typeof repository !== 'string' || repository === '')
      throw badRequest('filter.repository is required', 'filter');
    const tags = await store.index.listTags(repository, { ...query, filter });
    return sendList(reply, 'tags', query, tags);
  });

  app.post('/api/v1/registry/sync', async (request) => {
    requireAdmin(request, 'write');
    const sync = app.services.indexSync;
    if (!sync) throw new ApiError(409, 'ERR_NO_REGISTRY', 'no registry configured: set --registry.host');
    const report = await sync.run();
    request.log.info({ ...report, skipped: report.skipped.length }, 'index synced');
    return report;
  });
}
