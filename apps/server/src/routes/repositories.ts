/**
 * Browsing the index: `/api/v1/repositories` (search; sort by name, size, tag count, last push, pulls), one
 * repository and who can access it, `/api/v1/tags` (one repository's or all; sort by version, name, size, pushed or
 * created time; by repository id, by `repository:tag` ids or by digests), one tag's detail read from the registry, a
 * repository's activity, totals, and `POST /api/v1/registry/sync` to re-sync now.
 * Admins and managers see every repository; other users only those they may pull — in lists, counts, searches and
 * details alike (a repository they may not see is a 404, as if it did not exist).
 */

import { evaluate, type Subject, whoCan } from '@registry-admin/acl';
import { isRepositoryName, isTag, RegistryError } from '@registry-admin/registry-client';
import type { IndexedTag, ListResult } from '@registry-admin/store';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { audit } from '../http/audit';
import { adminOnly, requireUser, signedIn } from '../http/authentication';
import { ApiError, badRequest, errorResponses, forbidden, notFound } from '../http/errors';
import { idParamsSchema, listQuerySchema, sendList } from '../http/list-query';
import { SyncRunningElsewhere } from '../runtime/cluster-sync';
import { MAX_CHILDREN_PER_READ } from '../services/tag-details';
import { registryEventSchema } from './registry-events';

/** `?offset=&limit=`: which platform children of an index a tag detail describes (the others are listed only). */
const childrenPageSchema = z.object({
  offset: z.coerce.number().int().min(0).max(1_000_000).default(0),
  limit: z.coerce.number().int().min(1).max(MAX_CHILDREN_PER_READ).default(MAX_CHILDREN_PER_READ),
});

/** `<repository>:<tag>` from the path. */
const tagTargetSchema = z
  .object({ '*': z.string().meta({ description: '<repository>:<tag>', example: 'team/app:1.2.0' }) })
  .transform((params, ctx) => {
    const target = params['*'];
    const colon = target.lastIndexOf(':');
    const repository = colon > 0 ? target.slice(0, colon) : '';
    const tag = colon > 0 ? target.slice(colon + 1) : '';
    if (!isRepositoryName(repository)) {
      ctx.addIssue({ code: 'custom', message: 'expected /api/v1/tags/<repository>:<tag>', path: ['repository'] });
      return z.NEVER;
    }
    if (!isTag(tag)) {
      ctx.addIssue({ code: 'custom', message: 'invalid tag', path: ['tag'] });
      return z.NEVER;
    }
    return { repository, tag };
  });

const platformSchema = z.object({ os: z.string(), architecture: z.string(), variant: z.string().optional() });
const repositoryRecordSchema = z
  .object({
    id: z.number().int(),
    name: z.string(),
    tagCount: z.number().int(),
    size: z.number().meta({ description: 'bytes of every blob its tags need' }),
    lastPushAt: z.string().nullable(),
    pulls: z.number().int(),
    lastPullAt: z.string().nullable(),
    syncedAt: z.string().nullable(),
  })
  .meta({ id: 'Repository' });
const tagRecordSchema = z
  .object({
    id: z.string().meta({ description: '<repository>:<tag>' }),
    repository: z.string(),
    name: z.string(),
    digest: z.string(),
    mediaType: z.string(),
    size: z.number(),
    created: z.string().nullable(),
    platforms: z.array(platformSchema),
    pushedAt: z.string().nullable(),
    lastPulledAt: z.string().nullable(),
    pullCount: z.number().int(),
  })
  .meta({ id: 'Tag' });
const imageDetailSchema = z.object({
  digest: z.string(),
  mediaType: z.string(),
  platform: platformSchema.nullable(),
  size: z.number(),
  artifactType: z.string().nullable(),
  config: z.object({
    digest: z.string(),
    mediaType: z.string(),
    size: z.number(),
    created: z.string().nullable(),
    author: z.string().nullable(),
    env: z.array(z.string()),
    labels: z.record(z.string(), z.string()),
    entrypoint: z.array(z.string()).nullable(),
    cmd: z.array(z.string()).nullable(),
    exposedPorts: z.array(z.string()),
    workingDir: z.string().nullable(),
    user: z.string().nullable(),
    volumes: z.array(z.string()),
  }),
  layers: z.array(z.object({ digest: z.string(), mediaType: z.string(), size: z.number() })),
  history: z.array(
    z.object({
      created: z.string().nullable(),
      createdBy: z.string().nullable(),
      comment: z.string().nullable(),
      emptyLayer: z.boolean(),
    }),
  ),
});
const tagDetailSchema = z.object({
  id: z.string(),
  repository: z.string(),
  name: z.string(),
  indexed: tagRecordSchema.nullable().meta({ description: 'what the index holds, null if it does not know the tag' }),
  digest: z.string(),
  mediaType: z.string(),
  manifest: z.unknown().meta({ description: 'the manifest as the registry serves it' }),
  images: z.array(imageDetailSchema),
  children: z
    .object({ offset: z.number().int(), limit: z.number().int(), total: z.number().int() })
    .nullable()
    .meta({ description: 'for an index: which of its platform children `images` describes; null for an image' }),
  otherImages: z.array(
    z.object({ digest: z.string(), mediaType: z.string(), size: z.number(), platform: platformSchema.nullable() }),
  ),
  attestations: z.array(z.object({ digest: z.string(), mediaType: z.string(), refersTo: z.string().nullable() })),
});
const actionSchema = z.enum(['pull', 'push', 'delete']);
const accessSchema = z.object({
  repository: z.string(),
  entries: z.array(
    z.object({
      subject: z.object({
        type: z.enum(['user', 'group', 'service-account', 'registered', 'everyone']),
        id: z.number().int().optional(),
        name: z.string().nullable().optional(),
      }),
      ownName: z.string().optional().meta({ description: 'for {user} rules: whose own namespace this is' }),
      actions: z.array(actionSchema),
      ruleIds: z.array(z.number().int()),
    }),
  ),
  admins: z.array(z.string()).meta({ description: 'admins may do everything everywhere, without a rule' }),
});
const syncReportSchema = z.object({
  repositories: z.number().int(),
  tags: z.number().int(),
  fetched: z.number().int(),
  removedRepositories: z.number().int(),
  removedTags: z.number().int(),
  configsRead: z.number().int().meta({ description: 'image configs read for platform and created time' }),
  skipped: z
    .array(z.object({ repository: z.string(), tag: z.string(), reason: z.string() }))
    .meta({ description: 'what could not be read; an empty tag names an image config, read again by the next sync' }),
  indexedMs: z.number().meta({ description: 'until every tag was indexed, before the image configs were read' }),
  durationMs: z.number(),
});

const listRepositoriesSchema = {
  querystring: listQuerySchema,
  response: { 200: z.array(repositoryRecordSchema), ...errorResponses },
};
const repositorySchema = {
  params: idParamsSchema,
  response: { 200: repositoryRecordSchema.extend({ actions: z.array(z.string()) }), ...errorResponses },
};
const repositoryAccessSchema = { params: idParamsSchema, response: { 200: accessSchema, ...errorResponses } };
const statsSchema = {
  response: {
    200: z.object({
      repositories: z.number().int(),
      tags: z.number().int(),
      size: z.number().meta({ description: 'sum of the repositories sizes' }),
    }),
    ...errorResponses,
  },
};
const registryStatusSchema = {
  response: {
    200: z.object({
      configured: z.boolean().meta({ description: 'false when no --registry.host is set' }),
      reachable: z.boolean().nullable().meta({ description: 'null when no registry is configured' }),
      message: z.string().nullable().meta({ description: 'why the registry is not reachable' }),
      checkedAt: z.string().nullable(),
      users: z.number().int().nullable().meta({ description: 'how many accounts exist: admins and managers only' }),
      pullHost: z
        .string()
        .nullable()
        .meta({ description: 'host[:port] of the registry for `docker pull` commands (from --registry.host)' }),
    }),
    ...errorResponses,
  },
};
/** How long one answer of the registry's `/v2/` stands for every caller (the dashboard asks on each load). */
const REGISTRY_STATUS_TTL_MS = 15_000;
const listTagsSchema = { querystring: listQuerySchema, response: { 200: z.array(tagRecordSchema), ...errorResponses } };
const readTagSchema = {
  params: tagTargetSchema,
  querystring: childrenPageSchema,
  response: { 200: tagDetailSchema, ...errorResponses },
};
const deleteTagSchema = {
  params: tagTargetSchema,
  response: {
    200: z.object({
      id: z.string().meta({ description: '<repository>:<tag>, the deleted record' }),
      repository: z.string(),
      tag: z.string(),
      digest: z.string(),
      alsoRemoved: z.array(z.string()).meta({ description: 'the other tags of the deleted manifest, gone with it' }),
    }),
    ...errorResponses,
  },
};
const syncSchema = {
  description:
    'Makes the index equal to the registry now and answers its report; a second call on this replica joins the sync ' +
    'it runs. One sync runs in the whole cluster at a time: while another replica runs one, 409 ERR_SYNC_RUNNING.',
  response: { 200: syncReportSchema, ...errorResponses },
};
const repositoryEventsSchema = {
  params: idParamsSchema,
  querystring: listQuerySchema,
  response: { 200: z.array(registryEventSchema), ...errorResponses },
};

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

export async function repositoryRoutes(instance: FastifyInstance): Promise<void> {
  const app = instance.withTypeProvider<ZodTypeProvider>();
  const { store, visibility, access } = app.services;
  app.addHook('onRequest', signedIn);

  /** The repository if the caller may see it; otherwise the same 404 as for one that does not exist. */
  const visibleRepository = async (request: FastifyRequest, key: { id: number } | { name: string }) => {
    const user = requireUser(request);
    const repository = await store.index.getRepository(key);
    if (!repository || !visibility.canSee(user, repository.name)) throw notFound('no such repository');
    return { user, repository };
  };

  app.get('/api/v1/repositories', { schema: listRepositoriesSchema }, async (request, reply) => {
    const user = requireUser(request);
    const query = request.query;
    const only = await visibility.visibleIds(user);
    return sendList(reply, 'repositories', query, await store.index.listRepositories(query, only ? { only } : {}));
  });

  /** One repository, with what the caller may do in it. */
  app.get('/api/v1/repositories/:id', { schema: repositorySchema }, async (request) => {
    const { user, repository } = await visibleRepository(request, { id: request.params.id });
    const [granted] = evaluate(access.policy, access.principalOf(user), [
      { type: 'repository', name: repository.name, actions: ['pull', 'push', 'delete'] },
    ]);
    return { ...repository, actions: granted?.actions ?? [] };
  });

  /** Who can access a repository (admins and managers): every rule that matches it, by subject, and the admins. */
  app.get(
    '/api/v1/repositories/:id/access',
    { onRequest: adminOnly, schema: repositoryAccessSchema },
    async (request) => {
      const repository = await store.index.getRepository({ id: request.params.id });
      if (!repository) throw notFound('no such repository');
      return { repository: repository.name, ...(await describeAccess(app, repository.name)) };
    },
  );

  /**
   * A repository's activity (the registry events recorded for it), to whoever may see the repository; the same
   * filters and sort as `/api/v1/events`, the repository fixed.
   */
  app.get('/api/v1/repositories/:id/events', { schema: repositoryEventsSchema }, async (request, reply) => {
    const { repository } = await visibleRepository(request, { id: request.params.id });
    const query = { ...request.query, filter: { ...request.query.filter, repository: repository.name } };
    return sendList(reply, 'events', request.query, await store.registryEvents.list(query));
  });

  /**
   * Whether the registry answers, for the dashboard: one `GET /v2/` shared by every caller for 15 s (concurrent
   * callers wait for the same one), so no number of dashboards makes more than one request per window. Admins and
   * managers also get the number of accounts.
   */
  let registryCheck: { at: number; result: Promise<{ reachable: boolean; message: string | null; checkedAt: string }> };
  app.get('/api/v1/registry/status', { schema: registryStatusSchema }, async (request) => {
    const user = requireUser(request);
    const users =
      user.role === 'admin' || user.role === 'manager' ? (await store.users.list({ range: [0, 0] })).total : null;
    const registry = app.services.registry;
    if (!registry) return { configured: false, reachable: null, message: null, checkedAt: null, users, pullHost: null };
    if (!registryCheck || Date.now() - registryCheck.at > REGISTRY_STATUS_TTL_MS) {
      const at = Date.now();
      registryCheck = {
        at,
        result: registry.ping().then(
          () => ({ reachable: true, message: null, checkedAt: new Date(at).toISOString() }),
          (error: unknown) => {
            request.log.warn({ err: error }, 'registry not reachable');
            const message = error instanceof RegistryError ? error.message : 'the registry did not answer';
            return { reachable: false, message, checkedAt: new Date(at).toISOString() };
          },
        ),
      };
    }
    return { configured: true, ...(await registryCheck.result), users, pullHost: pullHost(app) };
  });

  /** Totals over what the caller may see. */
  app.get('/api/v1/registry/stats', { schema: statsSchema }, async (request) => {
    const only = await visibility.visibleIds(requireUser(request));
    return store.index.stats(only ? { only } : {});
  });

  app.get('/api/v1/tags', { schema: listTagsSchema }, async (request, reply) => {
    const user = requireUser(request);
    const query = request.query;
    const { repository, ...filter } = query.filter ?? {};
    if (repository !== undefined && (typeof repository !== 'string' || !isRepositoryName(repository))) {
      throw badRequest('filter.repository must be a repository name', 'filter');
    }
    const only = await visibility.visibleIds(user);
    const tags = await store.index.listTags(repository, { ...query, filter }, only ? { only } : {});
    return sendList(reply, 'tags', query, { ...tags, items: tags.items.map(tagRecord) });
  });

  /**
   * `GET /api/v1/tags/<repository>:<tag>[?offset=&limit=]`: the indexed tag plus its manifest and per-platform detail,
   * read now. Of an index, at most 32 platform children are described per request (`offset`, default 0; `limit`,
   * default and at most 32); `otherImages` lists the rest from the index itself.
   */
  app.get('/api/v1/tags/*', { schema: readTagSchema }, async (request) => {
    const { repository, tag } = request.params;
    await visibleRepository(request, { name: repository });
    const details = app.services.tagDetails;
    if (!details) throw new ApiError(409, 'ERR_NO_REGISTRY', 'no registry configured: set --registry.host');
    const indexed = await store.index.getTag(repository, tag);
    const detail = await details
      .read(repository, tag, request.query)
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
  app.delete('/api/v1/tags/*', { schema: deleteTagSchema }, async (request) => {
    const user = requireUser(request);
    const { repository, tag } = request.params;
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
    return { id: `${repository}:${tag}`, repository, tag, digest: head.digest, alsoRemoved };
  });

  app.post('/api/v1/registry/sync', { onRequest: adminOnly, schema: syncSchema }, async (request) => {
    const sync = app.services.indexSync;
    if (!sync) throw new ApiError(409, 'ERR_NO_REGISTRY', 'no registry configured: set --registry.host');
    const report = await sync.run().catch((error: unknown) => {
      // Per-tag and per-repository failures are in the report; what ends up here stopped the whole run (the catalog
      // could not be read): the registry's fault, not the caller's, and never a 500.
      if (error instanceof RegistryError) {
        throw new ApiError(502, 'ERR_REGISTRY', `the registry failed during the sync: ${error.message}`);
      }
      if (error instanceof SyncRunningElsewhere) throw new ApiError(409, error.code, error.message);
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

/** `host[:port]` of the configured registry as `docker pull` names it (the default port of its scheme left out). */
function pullHost(app: FastifyInstance): string | null {
  const { host, port } = app.services.config.registry;
  if (!host) return null;
  const url = new URL(host);
  const standard = (url.protocol === 'https:' && port === 443) || (url.protocol === 'http:' && port === 80);
  return standard ? url.hostname : `${url.hostname}:${port}`;
}
