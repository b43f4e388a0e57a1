/**
 * Browsing the index: `/api/v1/repositories` (search; sort by name, size, tag count, last push, pulls), one
 * repository and who can access it, `/api/v1/tags` (one repository's or all; sort by version, name, size, pushed or
 * created time), one tag's detail read from the registry, totals, and `POST /api/v1/registry/sync` to re-sync now.
 * Admins and managers see every repository; other users only those they may pull — in lists, counts, searches and
 * details alike (a repository they may not see is a 404, as if it did not exist).
 */

import { evaluate, type Subject, whoCan } from '@registry-admin/acl';
import { isRepositoryName, isTag, RegistryError } from '@registry-admin/registry-client';
import type { IndexedTag, ListResult } from '@registry-admin/store';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { audit } from '../http/audit';
import { requireAdmin, requireUser } from '../http/authentication';
import { ApiError, badRequest, forbidden, notFound } from '../http/errors';
import { parseId, parseListQuery, sendList } from '../http/list-query';
import { MAX_CHILDREN_PER_READ } from '../services/tag-details';

/** `?offset=&limit=`: which platform children of an index a tag detail describes (the others are listed only). */
const childrenPageSchema = z.object({
  offset: z.coerce.number().int().min(0).max(1_000_000).default(0),
  limit: z.coerce.number().int().min(1).max(MAX_CHILDREN_PER_READ).default(MAX_CHILDREN_PER_READ),
});

/** `<repository>:<tag>` from the path. */
function parseTagTarget(request: FastifyRequest): { repository: string; tag: string } {
  const target = (request.params as { '*': string })['*'];
  const colon = target.lastIndexOf(':');
  const repository = colon > 0 ? target.slice(0, colon) : '';
  const tag = colon > 0 ? target.slice(colon + 1) : '';
  if (!isRepositoryName(repository)) {
    throw badRequest('expected /api/v1/tags/<repository>:<tag>', 'repository');
  }
  if (!isTag(tag)) throw badRequest('invalid tag', 'tag');
  return { repository, tag };
}

/** A tag as the API shows it: react-admin needs an `id`. */
const tagRecord = (tag: IndexedTag) => ({ id: `${tag.repository}:${tag.name}`, ...tag });

/** The registry's typed errors as API errors (never a 500 for a registry that is down or refuses). */
function registryFailure(error: unknown, what: string): never {
  if (error instanceof RegistryError) {
    if (error.code === 'ERR_REGISTRY_NOT_FOUND') throw notFound(`no ${what} in the registry`);
    throw new ApiError(502, 'ERR_REGISTRY', `the registry failed reading ${what}: ${error.message}`);
  }
  throw error;
}

export async function repositoryRoutes(app: FastifyInstance): Promise<void> {
  const { store, visibility, access } = app.services;

  /** The repository if the caller may see it; otherwise the same 404 as for one that does not exist. */
  const visibleRepository = async (request: FastifyRequest, key: { id: number } | { name: string }) => {
    const user = requireUser(request);
    const repository = await store.index.getRepository(key);
    if (!repository || !visibility.canSee(user, repository.name)) throw notFound('no such repository');
    return { user, repository };
  };

  app.get('/api/v1/repositories', async (request, reply) => {
    const user = requireUser(request);
    const query = parseListQuery(request.query);
    const only = await visibility.visibleIds(user);
    return sendList(reply, 'repositories', query, await store.index.listRepositories(query, only ? { only } : {}));
  });

  /** One repository, with what the caller may do in it. */
  app.get('/api/v1/repositories/:id', async (request) => {
    const { user, repository } = await visibleRepository(request, { id: parseId(request.params) });
    const [granted] = evaluate(access.policy, access.principalOf(user), [
      { type: 'repository', name: repository.name, actions: ['pull', 'push', 'delete'] },
    ]);
    return { ...repository, actions: granted?.actions ?? [] };
  });

  /** Who can access a repository (admins and managers): every rule that matches it, by subject, and the admins. */
  app.get('/api/v1/repositories/:id/access', async (request) => {
    requireAdmin(request, 'read');
    const repository = await store.index.getRepository({ id: parseId(request.params) });
    if (!repository) throw notFound('no such repository');
    return { repository: repository.name, ...(await describeAccess(app, repository.name)) };
  });

  /** Totals over what the caller may see. */
  app.get('/api/v1/registry/stats', async (request) => {
    const only = await visibility.visibleIds(requireUser(request));
    return store.index.stats(only ? { only } : {});
  });

  app.get('/api/v1/tags', async (request, reply) => {
    const user = requireUser(request);
    const query = parseListQuery(request.query);
    const { repository, ...filter } = query.filter ?? {};
    if (repository !== undefined && (typeof repository !== 'string' || !isRepositoryName(repository))) {
      throw badRequest('filter.repository must be a repository name', 'filter');
    }
    const only = await visibility.visibleIds(user);
    const tags = await store.index.listTags(repository, { ...query, filter }, only ? { only } : {});
    return sendList(reply, 'tags', query, { items: tags.items.map(tagRecord), total: tags.total });
  });

  /**
   * `GET /api/v1/tags/<repository>:<tag>[?offset=&limit=]`: the indexed tag plus its manifest and per-platform detail,
   * read now. Of an index, at most 32 platform children are described per request (`offset`, default 0; `limit`,
   * default and at most 32); `otherImages` lists the rest from the index itself.
   */
  app.get('/api/v1/tags/*', async (request) => {
    const { repository, tag } = parseTagTarget(request);
    const page = childrenPageSchema.safeParse(request.query ?? {});
    if (!page.success) {
      throw badRequest(`offset must be an integer >= 0, limit 1..${MAX_CHILDREN_PER_READ}`, 'offset');
    }
    await visibleRepository(request, { name: repository });
    const details = app.services.tagDetails;
    if (!details) throw new ApiError(409, 'ERR_NO_REGISTRY', 'no registry configured: set --registry.host');
    const indexed = await store.index.getTag(repository, tag);
    const detail = await details
      .read(repository, tag, page.data)
      .catch((error: unknown) => registryFailure(error, `${repository}:${tag}`));
    return {
      id: `${repository}:${tag}`,
      repository,
      name: tag,
      ...(indexed ? { indexed: tagRecord(indexed) } : { indexed: null }),
      ...detail,
    };
  });

  /**
   * `DELETE /api/v1/tags/<repository>:<tag>`: needs the delete action on the repository (or admin). The digest is
   * resolved fresh with a HEAD; deleting the manifest removes every tag that pointed at it, and the answer says which.
   */
  app.delete('/api/v1/tags/*', async (request) => {
    const user = requireUser(request);
    const { repository, tag } = parseTagTarget(request);
    const [decision] = evaluate(app.services.access.policy, app.services.access.principalOf(user), [
      { type: 'repository', name: repository, actions: ['delete'] },
    ]);
    if (!decision?.actions.includes('delete')) throw forbidden(`you may not delete from ${repository}`);
    const registry = app.services.registry;
    if (!registry) throw new ApiError(409, 'ERR_NO_REGISTRY', 'no registry configured: set --registry.host');
    const head = await registry
      .headManifest(repository, tag)
      .catch((error: unknown) => registryFailure(error, `${repository}:${tag}`));
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
    const report = await sync.run().catch((error: unknown) => {
      // Per-tag and per-repository failures are in the report; what ends up here stopped the whole run (the catalog
      // could not be read): the registry's fault, not the caller's, and never a 500.
      if (error instanceof RegistryError) {
        throw new ApiError(502, 'ERR_REGISTRY', `the registry failed during the sync: ${error.message}`);
      }
      throw error;
    });
    request.log.info({ ...report, skipped: report.skipped.length }, 'index synced');
    return report;
  });
}

/** whoCan with subjects named: users, groups and service accounts by id and name; `{user}` rules per login. */
async function describeAccess(app: FastifyInstance, repository: string) {
  const { store, access } = app.services;
  const [users, groups, accounts] = await Promise.all([
    listAll((range) => store.users.list({ range })),
    listAll((range) => store.groups.list({ range })),
    listAll((range) => store.serviceAccounts.list({ range })),
  ]);
  const name = (subject: Subject): string | null => {
    if (subject.kind === 'user') return users.find((u) => String(u.id) === subject.id)?.login ?? null;
    if (subject.kind === 'group') return groups.find((g) => String(g.id) === subject.id)?.name ?? null;
    if (subject.kind === 'service-account') return accounts.find((a) => String(a.id) === subject.id)?.name ?? null;
    return null;
  };
  const entries = whoCan(access.policy, repository, { ownNames: users.map((u) => u.login) }).map((entry) => ({
    subject: {
      type: entry.subject.kind,
      ...('id' in entry.subject ? { id: Number(entry.subject.id), name: name(entry.subject) } : {}),
    },
    ...(entry.ownName !== undefined ? { ownName: entry.ownName } : {}),
    actions: entry.actions,
    ruleIds: entry.ruleIds.map(Number),
  }));
  return {
    entries,
    /** Admins may do everything everywhere, without a rule. */
    admins: users.filter((u) => u.role === 'admin' && !u.disabled).map((u) => u.login),
  };
}

/** Every row of a list, a page at a time. */
async function listAll<T>(page: (range: [number, number]) => Promise<ListResult<T>>): Promise<T[]> {
  const all: T[] = [];
  for (;;) {
    const { items, total } = await page([all.length, all.length + 999]);
    all.push(...items);
    if (items.length === 0 || all.length >= total) return all;
  }
}
