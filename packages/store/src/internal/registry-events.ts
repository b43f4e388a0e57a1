import { type Clock, transact } from './common';
import type { Executor, RegistryEventRow } from './database';
import { StoreError } from './errors';
import { checkFilter, ilike, type ListQuery, type ListResult, pageOf, runList } from './list-query';

export interface RegistryEvent {
  id: string;
  receivedAt: string;
  timestamp: string;
  action: string;
  repository: string;
  tag: string | null;
  digest: string | null;
  mediaType: string | null;
  size: number | null;
  actor: string;
  address: string | null;
  userAgent: string | null;
}

export type NewRegistryEvent = Omit<RegistryEvent, 'receivedAt'>;

const SORT = {
  timestamp: 'timestamp',
  receivedAt: 'received_at',
  repository: 'repository',
  action: 'action',
  actor: 'actor',
};
const FILTERS = {
  q: 'search',
  id: 'strings',
  repository: 'string',
  actor: 'string',
  action: 'strings',
  tag: 'string',
  digest: 'string',
  since: 'string',
  until: 'string',
} as const;

const toEvent = (row: RegistryEventRow): RegistryEvent => ({
  id: row.id,
  receivedAt: row.received_at,
  timestamp: row.timestamp,
  action: row.action,
  repository: row.repository,
  tag: row.tag,
  digest: row.digest,
  mediaType: row.media_type,
  size: row.size === null ? null : Number(row.size),
  actor: row.actor,
  address: row.address,
  userAgent: row.user_agent,
});

function isoFilter(value: string): string {
  const time = Date.parse(value);
  if (Number.isNaN(time)) throw new StoreError('ERR_STORE_QUERY_INVALID', 'since and until must be dates', 'filter');
  return new Date(time).toISOString();
}

export function registryEventsRepository(db: Executor, now: Clock) {
  return {
    /** Stores the events not seen before, in one transaction; returns the ids that were new. */
    async record(events: readonly NewRegistryEvent[], receivedAt = now()): Promise<string[]> {
      if (events.length === 0) return [];
      return transact(db, async (trx) => {
        const added: string[] = [];
        for (const event of events) {
          const result = await trx
            .insertInto('registry_events')
            .values({
              id: event.id,
              received_at: receivedAt.toISOString(),
              timestamp: event.timestamp,
              action: event.action,
              repository: event.repository,
              tag: event.tag,
              digest: event.digest,
              media_type: event.mediaType,
              size: event.size,
              actor: event.actor,
              address: event.address,
              user_agent: event.userAgent,
            })
            .onConflict((oc) => oc.column('id').doNothing())
            .executeTakeFirst();
          if (Number(result.numInsertedOrUpdatedRows ?? 0) > 0) added.push(event.id);
        }
        return added;
      });
    },

    /** Which of these event ids are recorded already (a redelivery), to skip the work of applying them again. */
    async known(ids: readonly string[]): Promise<Set<string>> {
      const found = new Set<string>();
      const unique = [...new Set(ids)];
      for (let i = 0; i < unique.length; i += 500) {
        const rows = await db
          .selectFrom('registry_events')
          .select('id')
          .where('id', 'in', unique.slice(i, i + 500))
          .execute();
        for (const row of rows) found.add(row.id);
      }
      return found;
    },

    async list(query: ListQuery): Promise<ListResult<RegistryEvent>> {
      const page = pageOf(query.sort ? query : { ...query, sort: ['timestamp', 'DESC'] }, SORT, 'timestamp');
      const filter = checkFilter(query.filter, FILTERS);
      let base = db.selectFrom('registry_events');
      if (typeof filter.q === 'string') {
        const q = filter.q;
        base = base.where((eb) => eb.or([ilike(eb, 'repository', q), ilike(eb, 'tag', q), ilike(eb, 'actor', q)]));
      }
      for (const key of ['repository', 'actor', 'tag', 'digest'] as const) {
        const value = filter[key];
        if (typeof value === 'string') base = base.where(key, '=', value);
      }
      // One action or several (a dashboard asks for pushes and deletes together); ids as react-admin's getMany sends.
      for (const [key, column] of [
        ['action', 'action'],
        ['id', 'id'],
      ] as const) {
        const value = filter[key];
        if (Array.isArray(value)) {
          const list = value as string[];
          base = list.length ? base.where(column, 'in', list) : base.where(column, '=', '');
        }
      }
      if (typeof filter.since === 'string') base = base.where('timestamp', '>=', isoFilter(filter.since));
      if (typeof filter.until === 'string') base = base.where('timestamp', '<', isoFilter(filter.until));
      return runList<RegistryEventRow, RegistryEvent>(base, page, (rows) => rows.map(toEvent));
    },
  };
}

export type RegistryEventsRepository = ReturnType<typeof registryEventsRepository>;
