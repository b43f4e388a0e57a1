/**
 * The in-memory view of who exists and which rules apply, used by every access decision.
 *
 * The token endpoint must not touch the database per request: it reads this snapshot (users by login, the compiled
 * policy). Local writes refresh it before they answer; changes made by other replicas sharing the database are
 * picked up by polling the store's revision counter. Token writes (every `docker login`, every new personal access
 * token) are frequent and touch one user's tokens only: they are applied to the maps in place instead of reloading
 * every user, rule and token.
 */
import { compilePolicy, type Policy, type Principal, type Rule, type Subject } from '@registry-admin/acl';
import type { AccessRule, AccessSnapshot, Store } from '@registry-admin/store';

export type SnapshotUser = AccessSnapshot['users'][number];
export type SnapshotServiceAccount = AccessSnapshot['serviceAccounts'][number];
export type SnapshotToken = AccessSnapshot['tokens'][number];

export interface AccessState {
  readonly revision: number;
  readonly policy: Policy;
  userByLogin(login: string): SnapshotUser | undefined;
  userById(id: number): SnapshotUser | undefined;
  serviceAccountByName(name: string): SnapshotServiceAccount | undefined;
  /** A personal access token or refresh token by the SHA-256 (hex) of its value. */
  tokenByHash(hash: string): SnapshotToken | undefined;
  tokenById(id: number): SnapshotToken | undefined;
  principalOf(user: SnapshotUser): Principal;
  principalOfServiceAccount(account: SnapshotServiceAccount): Principal;
  /** Reloads the snapshot now (after a local write). */
  refresh(): Promise<void>;
  /** Every user, as the snapshot has them. */
  users(): Iterable<SnapshotUser>;
  /**
   * Calls `listener` after each reload of users and rules (local writes and other replicas' alike; not after token
   * changes applied in place). Returns the unsubscribe function.
   */
  onChange(listener: () => void): () => void;
  /**
   * After a local write of tokens only: applies it in place when it is the very next revision (nothing else changed
   * in between), otherwise reloads. `revision` is the one the write itself produced.
   */
  applyTokenChange(change: TokenChange): Promise<void>;
  close(): void;
}

export interface TokenChange {
  revision: number;
  added?: readonly SnapshotToken[];
  /** Ids of deleted tokens. */
  removed?: readonly number[];
}

/**
 * How often the store's revision is read: a change made by another process is in force here at most this long (plus
 * one snapshot load) after it commits. Replicas on PostgreSQL read it four times a second, so a disable, a password
 * change, a rule change or a revoked token reaches every replica within half a second, well inside the 2 s the README
 * promises; reading one row is cheap for the database. On SQLite, only the CLI writes from another process.
 */
export const REVISION_POLL_MS = { postgres: 250, sqlite: 1000 } as const;

export function ruleSubject(rule: Pick<AccessRule, 'subjectType' | 'subjectId'>): Subject {
  switch (rule.subjectType) {
    case 'user':
      return { kind: 'user', id: String(rule.subjectId) };
    case 'group':
      return { kind: 'group', id: String(rule.subjectId) };
    case 'service-account':
      return { kind: 'service-account', id: String(rule.subjectId) };
    case 'registered':
      return { kind: 'registered' };
    case 'everyone':
      return { kind: 'everyone' };
  }
}

export function toAclRule(rule: AccessRule): Rule {
  return { id: String(rule.id), subject: ruleSubject(rule), pattern: rule.pattern, actions: rule.actions };
}

export async function createAccessState(
  store: Store,
  options: { pollIntervalMs?: number; onError?: (error: unknown) => void } = {},
): Promise<AccessState> {
  const first = await store.loadAccessSnapshot();
  let revision = first.revision;
  let index = buildIndex(first);
  let loading: Promise<void> | undefined;
  const listeners = new Set<() => void>();

  const load = async (): Promise<void> => {
    const next = await store.loadAccessSnapshot();
    if (next.revision >= revision || next.revision === 0) {
      revision = next.revision;
      index = buildIndex(next);
      for (const listener of listeners) {
        try {
          listener();
        } catch (error) {
          options.onError?.(error);
        }
      }
    }
  };
  const refresh = (): Promise<void> => {
    // Coalesce concurrent refreshes, but a refresh asked for after a write must see that write: chain one more load.
    const run = (loading ?? Promise.resolve()).then(load, load);
    loading = run.finally(() => {
      if (loading === run) loading = undefined;
    });
    return run;
  };
  const applyTokenChange = async (change: TokenChange): Promise<void> => {
    // A write at revision+1 is the only change since the snapshot; a lower one is in it already (a reload that ran
    // after the write); a higher one means other writes came in between, which only a reload can see.
    if (change.revision <= revision) return;
    if (change.revision !== revision + 1) return refresh();
    for (const id of change.removed ?? []) {
      const token = index.tokensById.get(id);
      if (!token) continue;
      index.tokensById.delete(id);
      index.tokens.delete(token.tokenHash);
    }
    for (const token of change.added ?? []) {
      index.tokensById.set(token.id, token);
      index.tokens.set(token.tokenHash, token);
    }
    revision = change.revision;
  };

  const pollIntervalMs = options.pollIntervalMs ?? REVISION_POLL_MS[store.dialect];
  const timer =
    pollIntervalMs > 0
      ? setInterval(() => {
          store
            .revision()
            .then((current) => (current !== revision ? refresh() : undefined))
            .catch((error: unknown) => options.onError?.(error));
        }, pollIntervalMs)
      : undefined;
  timer?.unref();

  return {
    get revision() {
      return revision;
    },
    get policy() {
      return index.policy;
    },
    userByLogin: (login) => index.byLogin.get(login),
    userById: (id) => index.byId.get(id),
    serviceAccountByName: (name) => index.serviceAccounts.get(name),
    tokenByHash: (hash) => index.tokens.get(hash),
    tokenById: (id) => index.tokensById.get(id),
    principalOf: (user) => index.principals.get(user.id) ?? principalOf(user),
    principalOfServiceAccount: (account) => ({ kind: 'service-account', id: String(account.id), name: account.name }),
    refresh,
    users: () => index.byId.values(),
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    applyTokenChange,
    close: () => {
      if (timer) clearInterval(timer);
    },
  };
}

function principalOf(user: SnapshotUser): Principal {
  return {
    kind: 'user',
    id: String(user.id),
    name: user.login,
    groups: user.groups.map(String),
    admin: user.role === 'admin',
  };
}

function buildIndex(snapshot: AccessSnapshot) {
  const byLogin = new Map<string, SnapshotUser>();
  const byId = new Map<number, SnapshotUser>();
  const principals = new Map<number, Principal>();
  for (const user of snapshot.users) {
    byLogin.set(user.login, user);
    byId.set(user.id, user);
    principals.set(user.id, principalOf(user));
  }
  const serviceAccounts = new Map(snapshot.serviceAccounts.map((account) => [account.name, account]));
  const tokens = new Map(snapshot.tokens.map((token) => [token.tokenHash, token]));
  const tokensById = new Map(snapshot.tokens.map((token) => [token.id, token]));
  return {
    byLogin,
    byId,
    principals,
    serviceAccounts,
    tokens,
    tokensById,
    policy: compilePolicy(snapshot.rules.map(toAclRule)),
  };
}
