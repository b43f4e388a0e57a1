import { type Clock, requireText } from './common';
import type { AuditEventRow, Executor } from './database';
import { StoreError } from './errors';
import { checkFilter, ilike, type ListQuery, type ListResult, pageOf, runList } from './list-query';

export interface AuditEvent {
  id: number;
  at: string;
  actorId: number | null;
  actorName: string;
  action: string;
  targetType: string;
  targetId: string | null;
  targetName: string;
  address: string | null;
  details: Record<string, unknown>;
}

export type NewAuditEvent = Omit<AuditEvent, 'id' | 'at'> & { at?: Date };

const SORT = { id: 'id', at: 'at', action: 'action', actorName: 'actor_name', targetType: 'target_type' };
const FILTERS = {
  q: 'search',
  id: 'ids',
  actor: 'string',
  action: 'string',
  targetType: 'string',
  targetId: 'string',
  since: 'string',
  until: 'string',
} as const;

const toAuditEvent = (row: AuditEventRow): AuditEvent => ({
  id: row.id,
  at: row.at,
  actorId: row.actor_id === null ? null : Number(row.actor_id),
  actorName: row.actor_name,
  action: row.action,
  targetType: row.target_type,
  targetId: row.target_id,
  targetName: row.target_name,
  address: row.address,
  details: JSON.parse(row.details) as Record<string, unknown>,
});

function isoFilter(value: string, name: string): string {
  const time = Date.parse(value);
  if (Number.isNaN(time)) throw new StoreError('ERR_STORE_QUERY_INVALID', `filter "${name}" must be a date`, 'filter');
  return new Date(time).toISOString();
}

export function auditEventsRepository(db: Executor, now: Clock) {
  return {
    async record(event: NewAuditEvent): Promise<void> {
      await db
        .insertInto('audit_events')
        .values({
          at: (event.at ?? now()).toISOString(),
          actor_id: event.actorId,
          actor_name: requireText(event.actorName, 'actorName', 200, true),
          action: requireText(event.action, 'action', 100),
          target_type: requireText(event.targetType, 'targetType', 100),
          target_id: event.targetId,
          target_name: event.targetName.slice(0, 300),
          address: event.address,
          details: JSON.stringify(event.details ?? {}),
        })
        .execute();
    },

    async list(query: ListQuery): Promise<ListResult<AuditEvent>> {
      const page = pageOf(query.sort ? query : { ...query, sort: ['id', 'DESC'] }, SORT, 'id');
      const filter = checkFilter(query.filter, FILTERS);
      let base = db.selectFrom('audit_events');
      if (typeof filter.q === 'string') {
        const q = filter.q;
        base = base.where((eb) =>
          eb.or([ilike(eb, 'target_name', q), ilike(eb, 'actor_name', q), ilike(eb, 'action', q)]),
        );
      }
      if (Array.isArray(filter.id))
        base = filter.id.length ? base.where('id', 'in', filter.id) : base.where('id', '=', -1);
      if (typeof filter.actor === 'string') base = base.where('actor_name', '=', filter.actor);
      if (typeof filter.action === 'string') base = base.where('action', '=', filter.action);
      if (typeof filter.targetType === 'string') base = base.where('target_type', '=', filter.targetType);
      if (typeof filter.targetId === 'string') base = base.where('target_id', '=', filter.targetId);
      if (typeof filter.since === 'string') base = base.where('at', '>=', isoFilter(filter.since, 'since'));
      if (typeof filter.until === 'string') base = base.where('at', '<', isoFilter(filter.until, 'until'));
      return runList<AuditEventRow, AuditEvent>(base, page, (rows) => rows.map(toAuditEvent));
    },
  };
}

export type AuditEventsRepository = ReturnType<typeof auditEventsRepository>;
