import { bumpRevision, type Clock, mapConstraint, requireExisting, requireIds, requireText, transact } from './common';
import type { Executor, GroupRow } from './database';
import { StoreError } from './errors';
import { checkFilter, ilike, type ListQuery, type ListResult, pageOf, runList } from './list-query';

export interface Group {
  id: number;
  name: string;
  description: string;
  members: number[];
  createdAt: string;
  updatedAt: string;
}

const SORT = { id: 'id', name: 'name', createdAt: 'created_at', updatedAt: 'updated_at' };
const FILTERS = { q: 'search', id: 'ids', member: 'integer' } as const;

async function withMembers(db: Executor, rows: GroupRow[]): Promise<Group[]> {
  const members = new Map<number, number[]>();
  if (rows.length > 0) {
    const links = await db
      .selectFrom('group_members')
      .select(['group_id', 'user_id'])
      .where(
        'group_id',
        'in',
        rows.map((row) => row.id),
      )
      .orderBy('user_id')
      .execute();
    for (const link of links) {
      const list = members.get(link.group_id);
      if (list) list.push(link.user_id);
      else members.set(link.group_id, [link.user_id]);
    }
  }
  return rows.map((row) => ({
    id: row.id,
    name: row.name,
    description: row.description,
    members: members.get(row.id) ?? [],
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  }));
}

async function getGroup(db: Executor, id: number): Promise<Group | undefined> {
  const row = await db.selectFrom('groups').selectAll().where('id', '=', id).executeTakeFirst();
  return row ? (await withMembers(db, [row]))[0] : undefined;
}

async function setMembers(db: Executor, groupId: number, members: number[]): Promise<void> {
  await requireExisting(db, 'users', members, 'members');
  await db.deleteFrom('group_members').where('group_id', '=', groupId).execute();
  if (members.length > 0) {
    await db
      .insertInto('group_members')
      .values(members.map((user_id) => ({ group_id: groupId, user_id })))
      .execute();
  }
}

export function groupsRepository(db: Executor, now: Clock) {
  return {
    async create(input: { name: string; description?: string; members?: number[] }): Promise<Group> {
      const name = requireText(input.name, 'name', 200);
      const description = requireText(input.description ?? '', 'description', 2000, true);
      const members = requireIds(input.members ?? [], 'members');
      return transact(db, async (trx) => {
        const at = now().toISOString();
        const row = await mapConstraint(
          () =>
            trx
              .insertInto('groups')
              .values({ name, description, created_at: at, updated_at: at })
              .returning('id')
              .executeTakeFirstOrThrow(),
          { unique: 'name' },
        );
        await setMembers(trx, row.id, members);
        await bumpRevision(trx);
        return (await getGroup(trx, row.id)) as Group;
      });
    },

    get: (id: number) => getGroup(db, id),

    async update(id: number, patch: { name?: string; description?: string; members?: number[] }): Promise<Group> {
      const values: Record<string, string> = {};
      if (patch.name !== undefined) values.name = requireText(patch.name, 'name', 200);
      if (patch.description !== undefined)
        values.description = requireText(patch.description, 'description', 2000, true);
      const members = patch.members === undefined ? undefined : requireIds(patch.members, 'members');
      return transact(db, async (trx) => {
        if (!(await getGroup(trx, id))) throw new StoreError('ERR_STORE_NOT_FOUND', `no group with id ${id}`);
        await mapConstraint(
          () =>
            trx
              .updateTable('groups')
              .set({ ...values, updated_at: now().toISOString() })
              .where('id', '=', id)
              .execute(),
          { unique: 'name' },
        );
        if (members) await setMembers(trx, id, members);
        await bumpRevision(trx);
        return (await getGroup(trx, id)) as Group;
      });
    },

    async delete(id: number): Promise<Group> {
      return transact(db, async (trx) => {
        const group = await getGroup(trx, id);
        if (!group) throw new StoreError('ERR_STORE_NOT_FOUND', `no group with id ${id}`);
        await trx.deleteFrom('access_rules').where('subject_type', '=', 'group').where('subject_id', '=', id).execute();
        await trx.deleteFrom('group_members').where('group_id', '=', id).execute();
        await trx.deleteFrom('groups').where('id', '=', id).execute();
        await bumpRevision(trx);
        return group;
      });
    },

    async list(query: ListQuery): Promise<ListResult<Group>> {
      const page = pageOf(query, SORT, 'id');
      const filter = checkFilter(query.filter, FILTERS);
      let base = db.selectFrom('groups');
      if (typeof filter.q === 'string') {
        const q = filter.q;
        base = base.where((eb) => eb.or([ilike(eb, 'name', q), ilike(eb, 'description', q)]));
      }
      if (Array.isArray(filter.id))
        base = filter.id.length ? base.where('id', 'in', filter.id) : base.where('id', '=', -1);
      if (typeof filter.member === 'number') {
        const member = filter.member;
        base = base.where('id', 'in', (eb) =>
          eb.selectFrom('group_members').select('group_id').where('user_id', '=', member),
        );
      }
      return runList<GroupRow, Group>(base, page, (rows) => withMembers(db, rows));
    },
  };
}

export type GroupsRepository = ReturnType<typeof groupsRepository>;
