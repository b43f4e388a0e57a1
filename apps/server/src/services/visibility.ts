/**
 * Which repositories a caller may see when browsing: admins and managers see everything; everyone else only the
 * repositories they may pull — in lists, counts, searches and details alike. The answer is the list of index ids,
 * worked out from the compiled policy and kept while neither the access revision nor the set of repositories changes
 * (the repository list is re-read at most once a second).
 */
import { evaluate, type Policy } from '@registry-admin/acl';
import type { Store } from '@registry-admin/store';
import type { AccessState, SnapshotUser } from './access-state';

export interface Visibility {
  /** Repository ids the user may see, or undefined for all of them. */
  visibleIds(user: SnapshotUser): Promise<readonly number[] | undefined>;
  /** Whether the user may see (pull) this repository. */
  canSee(user: SnapshotUser, repository: string): boolean;
  /** Every indexed repository's id and name, in id order (the same list, re-read at most once per refresh period). */
  repositories(): Promise<ReadonlyArray<{ id: number; name: string }>>;
}

const seesEverything = (user: SnapshotUser) => user.role === 'admin' || user.role === 'manager';

export function createVisibility(store: Store, access: AccessState, options: { refreshMs?: number } = {}): Visibility {
  const refreshMs = options.refreshMs ?? 1000;
  let repositories: { at: number; list: Array<{ id: number; name: string }> } | undefined;
  let loading: Promise<Array<{ id: number; name: string }>> | undefined;
  /** Per policy (replaced when rules change) and repository list: user id → visible ids. */
  let cache: { policy: Policy; revision: number; list: unknown; byUser: Map<number, readonly number[]> } | undefined;

  async function repositoryList(): Promise<Array<{ id: number; name: string }>> {
    if (repositories && Date.now() - repositories.at < refreshMs) return repositories.list;
    loading ??= store.index
      .repositoryIds()
      .then((list) => {
        repositories = { at: Date.now(), list };
        return list;
      })
      .finally(() => {
        loading = undefined;
      });
    return loading;
  }

  const canSee = (user: SnapshotUser, repository: string): boolean => {
    if (seesEverything(user)) return true;
    const [granted] = evaluate(access.policy, access.principalOf(user), [
      { type: 'repository', name: repository, actions: ['pull'] },
    ]);
    return granted?.actions.includes('pull') ?? false;
  };

  return {
    canSee,
    repositories: repositoryList,
    async visibleIds(user) {
      if (seesEverything(user)) return undefined;
      const list = await repositoryList();
      const policy = access.policy;
      const revision = access.revision;
      if (!cache || cache.policy !== policy || cache.revision !== revision || cache.list !== list) {
        cache = { policy, revision, list, byUser: new Map() };
      }
      const known = cache.byUser.get(user.id);
      if (known) return known;
      const granted = evaluate(
        policy,
        access.principalOf(user),
        list.map((repository) => ({ type: 'repository', name: repository.name, actions: ['pull'] as const })),
      );
      const ids = list.filter((_, i) => granted[i]?.actions.includes('pull')).map((repository) => repository.id);
      cache.byUser.set(user.id, ids);
      return ids;
    },
  };
}
