/**
 * The tables, as Kysely sees them. Timestamps are ISO-8601 UTC strings (they sort as text on both dialects);
 * booleans are 0/1 integers (SQLite cannot bind booleans).
 */
import type { Generated, Insertable, Kysely, Selectable, Transaction, Updateable } from 'kysely';

export interface MetaTable {
  key: string;
  value: number;
}

export interface UsersTable {
  id: Generated<number>;
  login: string;
  name: string;
  email: string | null;
  role: string;
  disabled: number;
  password_hash: string;
  /** bcrypt, for the registry's htpasswd file; null when unknown or not wanted. */
  registry_password_hash: string | null;
  created_at: string;
  updated_at: string;
  password_changed_at: string;
}

export interface GroupsTable {
  id: Generated<number>;
  name: string;
  description: string;
  created_at: string;
  updated_at: string;
}

export interface GroupMembersTable {
  group_id: number;
  user_id: number;
}

export interface AccessRulesTable {
  id: Generated<number>;
  subject_type: string;
  subject_id: number | null;
  pattern: string;
  /** Comma-separated, de-duplicated. */
  actions: string;
  description: string;
  created_at: string;
  updated_at: string;
}

export interface SessionsTable {
  id: string;
  user_id: number;
  created_at: string;
  expires_at: string;
  last_seen_at: string;
  address: string | null;
  user_agent: string | null;
}

export interface SettingsTable {
  key: string;
  /** JSON. */
  value: string;
}

export interface ServiceAccountsTable {
  id: Generated<number>;
  name: string;
  description: string;
  disabled: number;
  /** SHA-256 (hex) of the secret: secrets are random, so a fast hash is right. */
  secret_hash: string;
  expires_at: string | null;
  last_used_at: string | null;
  created_at: string;
  updated_at: string;
}

export interface ApiTokensTable {
  id: Generated<number>;
  /** 'pat' (personal access token) or 'refresh' (a signed-in client's refresh token). */
  kind: string;
  user_id: number;
  name: string;
  /** SHA-256 (hex) of the token. */
  token_hash: string;
  /** The first characters of the token, to recognise it in lists. */
  prefix: string;
  read_only: number;
  client_id: string | null;
  address: string | null;
  expires_at: string | null;
  last_used_at: string | null;
  created_at: string;
}

export interface LoginFailuresTable {
  /** 'address:<ip>' or 'account:<login>@<ip>'. */
  key: string;
  failures: number;
  window_start: string;
  locked_until: string | null;
  /** Lockouts so far in this window: each one lasts twice as long as the one before. */
  lockouts: number;
}

export interface AuditEventsTable {
  id: Generated<number>;
  at: string;
  actor_id: number | null;
  actor_name: string;
  action: string;
  target_type: string;
  target_id: string | null;
  target_name: string;
  address: string | null;
  /** JSON; never holds a secret. */
  details: string;
}

export interface PasswordResetsTable {
  id: Generated<number>;
  user_id: number;
  /** SHA-256 (hex) of the link's token. */
  token_hash: string;
  created_at: string;
  expires_at: string;
  used_at: string | null;
}

export interface RegistryEventsTable {
  /** The registry's event id. */
  id: string;
  received_at: string;
  timestamp: string;
  action: string;
  repository: string;
  tag: string | null;
  digest: string | null;
  media_type: string | null;
  size: number | string | null;
  actor: string;
  address: string | null;
  user_agent: string | null;
}

export interface IndexRepositoriesTable {
  id: Generated<number>;
  name: string;
  tag_count: number;
  /** Bytes, each distinct blob counted once. */
  size: number | string;
  last_push_at: string | null;
  pulls: number | string;
  last_pull_at: string | null;
  synced_at: string | null;
}

export interface IndexManifestsTable {
  repository_id: number;
  digest: string;
  media_type: string;
  /** Config + compressed layers (for an index: of its platform images). */
  size: number | string;
  created: string | null;
  /** JSON list of platforms. */
  platforms: string;
  /** JSON list of [digest, size] of every blob the manifest needs, for per-repository sizes. */
  blobs: string;
  /** JSON: children of an index, attestation flags, artifact type. */
  details: string;
  /** Digest of the image config still to be read for `created` and `platforms`; null when there is none. */
  pending_config: string | null;
}

export interface IndexTagsTable {
  repository_id: number;
  /** The repository's name, copied so lists across repositories need no join. */
  repository: string;
  name: string;
  /** See version-key.ts. */
  version_key: string;
  digest: string;
  media_type: string;
  size: number | string;
  created: string | null;
  platforms: string;
  pushed_at: string | null;
  last_pulled_at: string | null;
  pull_count: number | string;
}

export interface Database {
  index_repositories: IndexRepositoriesTable;
  index_manifests: IndexManifestsTable;
  index_tags: IndexTagsTable;
  registry_events: RegistryEventsTable;
  password_resets: PasswordResetsTable;
  audit_events: AuditEventsTable;
  login_failures: LoginFailuresTable;
  service_accounts: ServiceAccountsTable;
  api_tokens: ApiTokensTable;
  meta: MetaTable;
  users: UsersTable;
  groups: GroupsTable;
  group_members: GroupMembersTable;
  access_rules: AccessRulesTable;
  sessions: SessionsTable;
  settings: SettingsTable;
}

export type UserRow = Selectable<UsersTable>;
export type NewUserRow = Insertable<UsersTable>;
export type UserRowUpdate = Updateable<UsersTable>;
export type GroupRow = Selectable<GroupsTable>;
export type AccessRuleRow = Selectable<AccessRulesTable>;
export type SessionRow = Selectable<SessionsTable>;
export type ServiceAccountRow = Selectable<ServiceAccountsTable>;
export type ApiTokenRow = Selectable<ApiTokensTable>;
export type AuditEventRow = Selectable<AuditEventsTable>;
export type RegistryEventRow = Selectable<RegistryEventsTable>;

export type Executor = Kysely<Database> | Transaction<Database>;
export type Dialect = 'sqlite' | 'postgres';
