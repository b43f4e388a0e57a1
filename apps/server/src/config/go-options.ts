/**
 * The options of the Go registry-admin (the tool this server replaces), by their `RA_*` environment names, and what
 * each means here: the same option under another name, no meaning here (accepted, with the reason), or not supported
 * yet (ignored, with the reason). Its names that are also ours (`RA_PORT`, `RA_REGISTRY_HOST`, …) mean the same and
 * are not listed. Start-up reports every one of these it finds, so a config written for that tool never changes
 * behaviour without a word.
 */

/**
 * One option of the Go registry-admin: its `RA_*` name, its flag (without dashes) and what it means here. `boolean`
 * marks a flag that takes no value (so `--logger.stdout serve` does not read `serve` as its value).
 */
export type GoOption =
  | { env: string; flag: string; kind: 'renamed'; ours: string; boolean?: true }
  | { env: string; flag: string; kind: 'no-effect' | 'unsupported'; reason: string; boolean?: true };

const UI_SESSIONS = 'UI sessions here are kept by the server, not signed tokens';

export const GO_OPTIONS: readonly GoOption[] = [
  { env: 'RA_HOST_NAME', flag: 'hostname', kind: 'renamed', ours: 'hostname' },
  { env: 'RA_STORE_DB_TYPE', flag: 'store.type', kind: 'renamed', ours: 'store.type' },
  { env: 'RA_REGISTRY_CERTS_CERT_PATH', flag: 'registry.certs.path', kind: 'renamed', ours: 'registry.certs.path' },
  { env: 'RA_REGISTRY_CERTS_KEY_PATH', flag: 'registry.certs.key', kind: 'renamed', ours: 'registry.certs.key' },
  {
    env: 'RA_REGISTRY_CERTS_PUBLIC_KEY_PATH',
    flag: 'registry.certs.public-key',
    kind: 'renamed',
    ours: 'registry.certs.public-key',
  },
  {
    env: 'RA_REGISTRY_CERTS_CA_ROOT_PATH',
    flag: 'registry.certs.ca-root',
    kind: 'renamed',
    ours: 'registry.certs.ca-root',
  },
  { env: 'RA_AUTH_COOKIE_TTL', flag: 'auth.cookie-ttl', kind: 'renamed', ours: 'auth.session-ttl' },
  // Its database file is refused at start (its tables are another application's): `registry-admin import` reads it.
  { env: 'RA_STORE_EMBED_DB_PATH', flag: 'store.embed.path', kind: 'renamed', ours: 'store.embed.path' },
  { env: 'RA_REGISTRY_HTTPS_CERT', flag: 'registry.https-certs', kind: 'renamed', ours: 'registry.https-certs' },
  // The same option as its source names it (its README documents the line above).
  {
    env: 'RA_REGISTRY_CERTS_CERT_HTTPS',
    flag: 'registry.certs.https-cert',
    kind: 'renamed',
    ours: 'registry.https-certs',
  },
  { env: 'RA_AUTH_TOKEN_SECRET', flag: 'auth.token-secret', kind: 'no-effect', reason: UI_SESSIONS },
  {
    env: 'RA_AUTH_ISSUER_NAME',
    flag: 'auth.jwt-issuer',
    kind: 'no-effect',
    reason: `${UI_SESSIONS} (the registry token issuer is --registry.issuer)`,
  },
  {
    env: 'RA_AUTH_JWT_TTL',
    flag: 'auth.jwt-ttl',
    kind: 'no-effect',
    reason: `${UI_SESSIONS}; see --auth.session-idle and --auth.session-ttl`,
  },
  {
    env: 'RA_LOGGER_STDOUT',
    flag: 'logger.stdout',
    kind: 'no-effect',
    reason: 'logs always go to stdout',
    boolean: true,
  },
  { env: 'RA_LOGGER_SIZE', flag: 'logger.max-size', kind: 'renamed', ours: 'logger.max-size' },
  { env: 'RA_LOGGER_BACKUPS', flag: 'logger.max-backups', kind: 'renamed', ours: 'logger.max-backups' },
  { env: 'RA_SSL_ACME_HTTP_PORT', flag: 'ssl.http-port', kind: 'renamed', ours: 'ssl.http-port' },
  { env: 'RA_SSL_ACME_FQDN', flag: 'ssl.fqdn', kind: 'renamed', ours: 'ssl.fqdn' },
  {
    env: 'RA_DEV_HOST',
    flag: 'RA_DEV_HOST',
    kind: 'no-effect',
    reason: 'it is a development setting of the Go tool’s own web UI',
  },
];

/**
 * Keys of its config file (YAML or JSON, written in snake_case; kebab-case is read too) whose path differs from its
 * flag, by the flag they set. Every other key of its file is its flag's path, as ours are.
 */
export const GO_FILE_KEYS: Readonly<Record<string, string>> = {
  'auth.issuer-name': 'auth.jwt-issuer',
  'logger.filename': 'logger.file',
  'ssl.redir-http-port': 'ssl.http-port',
  'ssl.acme-fqdns': 'ssl.fqdn',
  'registry.certs.fqdns': 'registry.certs.fqdn',
  // Its README names the CA bundle `registry.certs.ca`; its source reads `ca_root`.
  'registry.certs.ca': 'registry.certs.ca-root',
};

const BY_FLAG = new Map(GO_OPTIONS.map((option) => [option.flag, option]));

/** The Go registry-admin's option with this flag, when its meaning here differs from ours of the same name. */
export function goOptionByFlag(flag: string): GoOption | undefined {
  return BY_FLAG.get(flag);
}
