/**
 * The options of the Go registry-admin (the tool this server replaces), by their `RA_*` environment names, and what
 * each means here: the same option under another name, no meaning here (accepted, with the reason), or not supported
 * yet (ignored, with the reason). Its names that are also ours (`RA_PORT`, `RA_REGISTRY_HOST`, …) mean the same and
 * are not listed. Start-up reports every one of these it finds, so a config written for that tool never changes
 * behaviour without a word.
 */

export type GoOption =
  | { env: string; flag: string; kind: 'renamed'; ours: string }
  | { env: string; flag: string; kind: 'no-effect' | 'unsupported'; reason: string };

const ACME = 'Let’s Encrypt is not built in: use --ssl.type static with a certificate, or a TLS proxy in front';
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
  {
    env: 'RA_STORE_EMBED_DB_PATH',
    flag: 'store.embed.path',
    kind: 'unsupported',
    // Opening that file would run this server's migrations in the other tool's database.
    reason:
      'it names the Go registry-admin’s database, whose tables differ: this server keeps its own ' +
      '(--store.embed.path, RA_STORE_EMBED_PATH; default <data-dir>/registry-admin.db), and importing users from ' +
      'that file is not supported yet',
  },
  { env: 'RA_REGISTRY_HTTPS_CERT', flag: 'registry.https-certs', kind: 'renamed', ours: 'registry.https-certs' },
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
  { env: 'RA_LOGGER_STDOUT', flag: 'logger.stdout', kind: 'no-effect', reason: 'logs always go to stdout' },
  { env: 'RA_LOGGER_SIZE', flag: 'logger.max-size', kind: 'renamed', ours: 'logger.max-size' },
  { env: 'RA_LOGGER_BACKUPS', flag: 'logger.max-backups', kind: 'renamed', ours: 'logger.max-backups' },
  {
    env: 'RA_SSL_PORT',
    flag: 'ssl.port',
    kind: 'unsupported',
    reason: 'this server listens on one port, HTTPS when --ssl.type is static: set --port',
  },
  { env: 'RA_SSL_ACME_HTTP_PORT', flag: 'ssl.http-port', kind: 'unsupported', reason: ACME },
  { env: 'RA_SSL_ACME_LOCATION', flag: 'ssl.acme-location', kind: 'unsupported', reason: ACME },
  { env: 'RA_SSL_ACME_EMAIL', flag: 'ssl.acme-email', kind: 'unsupported', reason: ACME },
  { env: 'RA_SSL_ACME_FQDN', flag: 'ssl.fqdn', kind: 'unsupported', reason: ACME },
  {
    env: 'RA_DEV_HOST',
    flag: 'RA_DEV_HOST',
    kind: 'no-effect',
    reason: 'it is a development setting of the Go tool’s own web UI',
  },
];
