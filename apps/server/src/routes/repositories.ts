/**
 * Browsing the index: `/api/v1/repositories` (search; sort by name, size, tag count, last push, pulls) and
 * `/api/v1/tags?filter={"repository":"…"}` (sort by name, size, pushed or created time), and
 * `POST /api/v1/registry/sync` to re-sync now. Admins and managers for now.
 */

import { evaluate } from '@registry-admin/acl';
import { RegistryError } from '@registry-admin/registry-client';
import type { FastifyInstance } from 'fastify';
import { audit } from '../http/audit';
import { requireAdmin, requireUser } from '../http/authentication';
import { ApiError, badRequest, forbidden, notFound } from '../http/errors';
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

  /**
   * `DELETE /api/v1/tags/<repository>:<tag>`: needs the delete action on the repository (or admin). The digest is
   * resolved fresh with a HEAD; deleting the manifest removes every tag that pointed at it, and the answer says which.
   */
  app.delete('/api/v1/tags/*', async (request) => {
    const user = requireUser(request);
    const target = (request.params as { '*': string })['*'];
    const colon = target.lastIndexOf(':');
    const repository = colon > 0 ? target.slice(0, colon) : '';
    const tag = colon > 0 ? target.slice(colon + 1) : '';
    if (!/^[a-z0-9]+(?:(?:[._]|__|[-]*)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|[-]*)[a-z0-9]+)*)*$/.test(repository)) {
      throw badRequest('expected /api/v1/tags/<repository>:<tag>', 'repository');
    }
    if (!/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/.test(tag)) throw badRequest('invalid tag', 'tag');
    const [decision] = evaluate(app.services.access.policy, app.services.access.principalOf(user), [
      { type: 'repository', name: repository, actions: ['delete'] },
    ]);
    if (!decision?.actions.includes('delete')) throw forbidden(`you may not delete from ${repository}`);
    const registry = app.services.registry;
    if (!registry) throw new ApiError(409, 'ERR_NO_REGISTRY', 'no registry configured: set --registry.host');
    const head = await registry.headManifest(repository, tag);
    if (!head) throw notFound(`no tag ${repository}:${tag} in the registry`);
    const id = await store.index.ensureRepository(repository);
    const sharing = [...(await store.index.tagDigests(id)).entries()]
      .filter(([name, digest]) => digest === head.digest && name !== tag)
      .map(([name]) => name);
    try {
      await registry.deleteManifest(repository, head.digest);
    } catch (error) {
      if (error instanceof RegistryError && error.code === 'ERR_REGISTRY_DELETE_DISABLED') {
        throw new ApiError(
          409,
          'ERR_DELETE_DISABLED',
          'the registry refuses deletes: set storage.delete.enabled: true in its config.yml',
        );
      }
      if (error instanceof RegistryError && error.code === 'ERR_REGISTRY_NOT_FOUND')
        throw notFound(`no tag ${repository}:${tag}`);
      throw error;
    }
    const removed = await store.index.removeDigest(id, head.digest);
    const alsoRemoved = [...new Set([...sharing, ...removed])].filter((name) => name !== tag).sort();
    await audit(
      request,
      'tag.delete',
      { type: 'tag', id: `${repository}:${tag}`, name: `${repository}:${tag}` },
      {
        digest: head.digest,
        alsoRemoved,
      },
    );
    return { repository, tag, digest: head.digest, alsoRemoved };
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
