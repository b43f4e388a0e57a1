import { bumpRevision, type Clock, requireExisting, requireText, transact } from './common';
import type { AccessRuleRow, Executor } from './database';
import { StoreError } from './errors';
import { checkFilter, ilike, type ListQuery, type ListResult, pageOf, runList } from './list-query';

export type RuleSubjectType = 'user' | 'group' | 'service-account' | 'registered' | 'everyone';
export type RuleAction = 'pull' | 'push' | 'delete' | '*';

export interface AccessRule {
  id: number;
  subjectType: RuleSubjectType;
  subjectId: number | null;
  pattern: string;
  actions: RuleAction[];
  description: string;
  createdAt: string;
  updatedAt: string;
}

export interface NewAccessRule {
  subjectType: RuleSubjectType;
  subjectId?: number | null;
  pattern: string;
  actions: readonly RuleAction[];
  description?: string;
}

const SUBJECT_TYPES: readonly RuleSubjectType[] = ['user', 'group', 'service-account', 'registered', 'everyone'];
const ACTIONS: readonly RuleAction[] = ['pull', 'push', 'delete', '*'];
const SORT = {
  id: 'id',
  pattern: 'pattern',
  subjectType: 'subject_type',
  createdAt: 'created_at',
  updatedAt: 'updated_at',
};
const FILTERS = { q: 'search', id: 'ids', subjectType: 'string', subjectId: 'integer' } as const;

export function toAccessRule(row: AccessRuleRow): AccessRule {
  return {
    id: row.id,
    subjectType: row.subject_type as RuleSubjectType,
    subjectId: row.subject_id === null ? null : Number(row.subject_id),
    pattern: row.pattern,
    actions: row.actions.split(',').filter(Boolean) as RuleAction[],
    description: row.description,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

function checkActions(actions: unknown): string {
  if (!Array.isArray(actions) || actions.length === 0 || !actions.every((a) => ACTIONS.includes(a))) {
    throw new StoreError('ERR_STORE_INVALID', `actions must be a non-empty list of ${ACTIONS.join(', ')}`, 'actions');
  }
  return [...new Set(actions as RuleAction[])].join(',');
}

async function checkSubject(db: Executor, subjectType: unknown, subjectId: unknown): Promise<number | null> {
  if (!SUBJECT_TYPES.includes(subjectType as RuleSubjectType)) {
    throw new StoreError('ERR_STORE_INVALID', `subjectType must be one of ${SUBJECT_TYPES.join(', ')}`, 'subjectType');
  }
  if (subjectType === 'registered' || subjectType === 'everyone') {
    if (subjectId !== null && subjectId !== undefined) {
      throw new StoreError('ERR_STORE_INVALID', `subjectId must be empty for ${subjectType}`, 'subjectId');
    }
    return null;
  }
  if (typeof subjectId !== 'number' || !Number.isSafeInteger(subjectId) || subjectId <= 0) {
    throw new StoreError('ERR_STORE_REFERENCE', `subjectId is required for a ${subjectType} rule`, 'subjectId');
  }
  const table = subjectType === 'user' ? 'users' : subjectType === 'group' ? 'groups' : 'service_accounts';
  await requireExisting(db, table, [subjectId], 'subjectId');
  return subjectId;
}

async function getRule(db: Executor, id: number): Promise<AccessRule | undefined> {
  const row = await db.selectFrom('access_rules').selectAll().where('id', '=', id).executeTakeFirst();
  return row ? toAccessRule(row) : undefined;
}

export function accessRulesRepository(db: Executor, now: Clock) {
  return {
    async create(input: NewAccessRule): Promise<AccessRule> {
      const pattern = requireText(input.pattern, 'pattern', 255);
      const actions = checkActions(input.actions);
      const description = requireText(input.description ?? '', 'description', 2000, true);
      return transact(db, async (trx) => {
        const subjectId = await checkSubject(trx, input.subjectType, input.subjectId);
        const at = now().toISOString();
        const row = await trx
          .insertInto('access_rules')
          .values({
            subject_type: input.subjectType,
            subject_id: subjectId,
            pattern,
            actions,
            description,
            created_at: at,
            updated_at: at,
          })
          .returning('id')
          .executeTakeFirstOrThrow();
        await bumpRevision(trx);
        return (await getRule(trx, row.id)) as AccessRule;
      });
    },

    get: (id: number) => getRule(db, id),

    async update(id: number, patch: Partial<NewAccessRule>): Promise<AccessRule> {
      return transact(db, async (trx) => {
        const current = await getRule(trx, id);
        if (!current) throw new StoreError('ERR_STORE_NOT_FOUND', `no access rule with id ${id}`);
        const subjectType = patch.subjectType ?? current.subjectType;
        const subjectId = await checkSubject(
          trx,
          subjectType,
          patch.subjectId !== undefined
            ? patch.subjectId
            : patch.subjectType && (patch.subjectType === 'registered' || patch.subjectType === 'everyone')
              ? null
              : current.subjectId,
        );
        await trx
          .updateTable('access_rules')
          .set({
            subject_type: subjectType,
            subject_id: subjectId,
            ...(patch.pattern !== undefined ? { pattern: requireText(patch.pattern, 'pattern', 255) } : {}),
            ...(patch.actions !== undefined ? { actions: checkActions(patch.actions) } : {}),
            ...(patch.description !== undefined
              ? { description: requireText(patch.description, 'description', 2000, true) }
              : {}),
            updated_at: now().toISOString(),
          })
          .where('id', '=', id)
          .execute();
        await bumpRevision(trx);
        return (await getRule(trx, id)) as AccessRule;
      });
    },

    async delete(id: number): Promise<AccessRule> {
      return transact(db, async (trx) => {
        const rule = await getRule(trx, id);
        if (!rule) throw new StoreError('ERR_STORE_NOT_FOUND', `no access rule with id ${id}`);
        await trx.deleteFrom('access_rules').where('id', '=', id).execute();
        await bumpRevision(trx);
        return rule;
      });
    },

    async list(query: ListQuery): Promise<ListResult<AccessRule>> {
      const page = pageOf(query, SORT, 'id');
      const filter = checkFilter(query.filter, FILTERS);
      let base = db.selectFrom('access_rules');
      if (typeof filter.q === 'string') {
        const q = filter.q;
        base = base.where((eb) => eb.or([ilike(eb, 'pattern', q), ilike(eb, 'description', q)]));
      }
      if (Array.isArray(filter.id))
        base = filter.id.length ? base.where('id', 'in', filter.id) : base.where('id', '=', -1);
      if (typeof filter.subjectType === 'string') base = base.where('subject_type', '=', filter.subjectType);
      if (typeof filter.subjectId === 'number') base = base.where('subject_id', '=', filter.subjectId);
      return runList<AccessRuleRow, AccessRule>(base, page, (rows) => rows.map(toAccessRule));
    },

    async all(): Promise<AccessRule[]> {
      return (await db.selectFrom('access_rules').selectAll().orderBy('id').execute()).map(toAccessRule);
    },
  };
}

export type AccessRulesRepository = ReturnType<typeof accessRulesRepository>;
