/**
 * The one description of every registry-admin option: its type, default and validation.
 * Flags (`--registry.token-ttl`), `RA_*` environment variables and the config file are all derived from this schema;
 * option names in errors are the flag names (dotted, kebab-case).
 */
import { isIP } from 'node:net';
import { z } from 'zod';

/** Durations in seconds, from a bare number in `unit`, or a string with a unit (`90s`, `5m`, `12h`, `7d`). */
function duration(unit: 's' | 'm') {
  const factors = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86400 } as const;
  return z.union([z.number(), z.string()]).transform((value, ctx) => {
    const match = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?$/.exec(String(value).trim());
    const seconds = match ? Number(match[1]) * factors[(match[2] ?? unit) as keyof typeof factors] : Number.NaN;
    if (!(seconds > 0) || !Number.isFinite(seconds)) {
      ctx.addIssue({
        code: 'custom',
        message: `"${value}" is not a positive duration (use e.g. 300, 90s, 5m, 12h, 7d)`,
      });
      return z.NEVER;
    }
    return seconds;
  });
}

/** Durations: a number of seconds, or a string with a unit. */
export const durationSeconds = duration('s');

const port = z.coerce.number().int().min(0).max(65535);
const stringList = z.union([z.string(), z.array(z.string())]).transform((value) =>
  (Array.isArray(value) ? value : value.split(','))
    .flatMap((item) => item.split(','))
    .map((item) => item.trim())
    .filter((item) => item.length > 0),
);
const booleanish = z
  .union([z.boolean(), z.enum(['true', 'false', '1', '0', 'yes', 'no'])])
  .transform((value) => (typeof value === 'boolean' ? value : ['true', '1', 'yes'].includes(value)));

export const configSchema = z
  .object({
    listen: z.string().min(1).default('0.0.0.0').describe('address to listen on'),
    hostname: z.string().min(1).default('localhost').describe('host name clients use to reach this server'),
    port: port.default(8080).describe('HTTP(S) port (0 picks a free port)'),
    'public-url': z
      .url({ protocol: /^https?$/ })
      .optional()
      .describe(
        'base URL docker clients use to reach this server (the token realm); default from ssl.type, hostname and port',
      ),
    'trusted-proxies': stringList
      .default([])
      .refine(
        (entries) =>
          entries.every((entry) => {
            const [address = '', bits, ...rest] = entry.split('/');
            const version = isIP(address);
            const max = version === 4 ? 32 : 128;
            return (
              version !== 0 &&
              rest.length === 0 &&
              (bits === undefined || (/^\d{1,3}$/.test(bits) && Number(bits) <= max))
            );
          }),
        { message: 'must be IP addresses or CIDR ranges' },
      )
      .describe('addresses or CIDR ranges of reverse proxies whose X-Forwarded-For is believed (comma-separated)'),
    'data-dir': z
      .string()
      .min(1)
      .default('./data')
      .describe('directory for the embedded database, certificates and the initial admin password'),
    debug: booleanish.default(false).describe('debug logging'),
    registry: z
      .object({
        host: z
          .url({ protocol: /^https?$/ })
          .optional()
          .describe(
            'the registry as this server reaches it, with scheme (e.g. http://127.0.0.1); unset: no index sync',
          ),
        port: port.default(5000).describe('registry port'),
        'storage-path': z
          .string()
          .min(1)
          .optional()
          .describe(
            "the registry's storage.filesystem.rootdirectory, when this process can read it: sync reads it directly (much faster) instead of over HTTP",
          ),
        sync: booleanish
          .default(true)
          .describe('sync the index at start and every gc-interval (false: only notifications and on demand)'),
        'gc-interval': duration('m')
          .pipe(z.number().min(10))
          .default(3600)
          .describe('how often the index is re-synced with the registry (bare numbers are minutes: 60, or 30m, 2h)'),
        service: z
          .string()
          .min(1)
          .default('container_registry')
          .describe('service name (registry auth.token.service, token aud)'),
        issuer: z.string().min(1).default('registry-admin').describe('token issuer (registry auth.token.issuer)'),
        'token-ttl': durationSeconds
          .pipe(z.number().min(60).max(86400))
          .default(300)
          .describe('lifetime of registry tokens in seconds (60..86400)'),
        'key-id': z
          .enum(['libtrust', 'thumbprint'])
          .default('libtrust')
          .describe('token header kid: libtrust (registry 2.x) or thumbprint (RFC 7638, registry 3.x jwks)'),
        x5c: booleanish.default(true).describe('send the signing certificate in the token header (x5c)'),
        certs: z
          .object({
            path: z
              .string()
              .optional()
              .describe(
                'directory for registry_auth.key, registry_auth.pub, registry_auth_ca.crt (default <data-dir>/certs)',
              ),
            key: z.string().optional().describe('path of the private key (default <certs.path>/registry_auth.key)'),
            'public-key': z
              .string()
              .optional()
              .describe('path of the public key (default <certs.path>/registry_auth.pub)'),
            'ca-root': z
              .string()
              .optional()
              .describe('path of the CA bundle (default <certs.path>/registry_auth_ca.crt)'),
            fqdn: stringList.default([]).describe('DNS names for the certificate SANs (comma-separated or repeated)'),
            ip: stringList
              .default([])
              .refine((ips) => ips.every((ip) => isIP(ip) !== 0), { message: 'must be IPv4 or IPv6 addresses' })
              .describe('IP addresses for the certificate SANs (comma-separated or repeated)'),
            algorithm: z
              .enum(['ec-p256', 'rsa-2048', 'rsa-4096'])
              .default('ec-p256')
              .describe('key type of generated certificates: ec-p256 signs ES256, rsa-* sign RS256'),
          })
          .strict()
          .prefault({}),
      })
      .strict()
      .prefault({}),
    store: z
      .object({
        type: z.enum(['embed', 'sqlite', 'postgres']).default('embed').describe('embed (= sqlite) or postgres'),
        embed: z
          .object({
            path: z.string().optional().describe('SQLite database file (default <data-dir>/registry-admin.db)'),
          })
          .strict()
          .prefault({}),
        postgres: z
          .object({
            url: z.string().optional().describe('PostgreSQL connection URL, e.g. postgres://user@host:5432/db'),
            schema: z
              .string()
              .regex(/^[a-z_][a-z0-9_]{0,62}$/)
              .optional()
              .describe('PostgreSQL schema (default public)'),
          })
          .strict()
          .prefault({}),
        'admin-password': z
          .string()
          .min(8)
          .optional()
          .describe('password of the first admin when the store is created (default: generated and printed once)'),
      })
      .strict()
      .prefault({}),
    auth: z
      .object({
        'session-ttl': durationSeconds.default(86400).describe('absolute lifetime of a UI session'),
        'session-idle': durationSeconds.default(7200).describe('a UI session ends after this long without requests'),
        'max-sessions': z.coerce
          .number()
          .int()
          .min(1)
          .max(1000)
          .default(20)
          .describe('UI sessions one user may hold at once; signing in past it ends the oldest'),
        'max-failures': z.coerce
          .number()
          .int()
          .min(1)
          .max(1000)
          .default(5)
          .describe('failed sign-ins of one account from one address before it is locked out there'),
        'max-failures-address': z.coerce
          .number()
          .int()
          .min(1)
          .max(10000)
          .default(20)
          .describe('failed sign-ins from one address, over all accounts, before the address is locked out'),
        lockout: durationSeconds
          .pipe(z.number().max(86400))
          .default(60)
          .describe('first lockout; each further one within 15 minutes lasts twice as long (at most 1 hour)'),
        'max-refresh-tokens': z.coerce
          .number()
          .int()
          .min(1)
          .max(10000)
          .default(50)
          .describe('signed-in registry clients (docker login refresh tokens) per user; a new login ends the oldest'),
        'max-personal-tokens': z.coerce
          .number()
          .int()
          .min(1)
          .max(10000)
          .default(100)
          .describe('personal access tokens per user; creating one more is refused until one is revoked'),
        'password-min-length': z.coerce
          .number()
          .int()
          .min(8)
          .max(128)
          .default(8)
          .describe('shortest password accepted for new and changed passwords'),
        'argon2-memory': z.coerce
          .number()
          .int()
          .min(8192)
          .max(4 * 1024 * 1024)
          .default(19456)
          .describe('argon2id memory in KiB; raising it re-hashes each password at its next sign-in'),
        'argon2-time': z.coerce
          .number()
          .int()
          .min(1)
          .max(20)
          .default(2)
          .describe('argon2id passes; raising it re-hashes each password at its next sign-in'),
        'cache-ttl': durationSeconds
          .pipe(z.number().max(3600))
          .default(60)
          .describe('how long a successful password check is remembered for token requests'),
      })
      .strict()
      .prefault({}),
    logger: z
      .object({
        level: z
          .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
          .default('info')
          .describe('log level'),
      })
      .strict()
      .prefault({}),
    smtp: z
      .object({
        host: z.string().optional().describe('SMTP server for password reset mails (unset: reset by e-mail is off)'),
        port: port.default(587).describe('SMTP port'),
        secure: booleanish
          .default(false)
          .describe('connect with TLS from the start (port 465); otherwise STARTTLS when offered'),
        'require-tls': booleanish.default(false).describe('refuse to send unless STARTTLS succeeds'),
        user: z.string().optional().describe('SMTP user name'),
        password: z.string().optional().describe('SMTP password'),
        from: z.string().default('registry-admin <registry-admin@localhost>').describe('sender of the mails'),
      })
      .strict()
      .prefault({}),
    ssl: z
      .object({
        type: z
          .enum(['none', 'static'])
          .default('none')
          .describe('none, or static (serve HTTPS with ssl.cert and ssl.key)'),
        cert: z.string().optional().describe('PEM certificate (chain) for HTTPS'),
        key: z.string().optional().describe('PEM private key for HTTPS'),
      })
      .strict()
      .prefault({}),
  })
  .strict()
  .superRefine((config, ctx) => {
    if (config.store.type === 'postgres' && !config.store.postgres.url) {
      ctx.addIssue({
        code: 'custom',
        path: ['store', 'postgres', 'url'],
        message: 'is required when store.type is postgres',
      });
    }
    if (config.ssl.type === 'static') {
      for (const key of ['cert', 'key'] as const) {
        if (!config.ssl[key])
          ctx.addIssue({ code: 'custom', path: ['ssl', key], message: 'is required when ssl.type is static' });
      }
    }
  });

/** The validated configuration. Keys are the option names (kebab-case), nested at the dots. */
export type Config = z.output<typeof configSchema>;
/** What a config file, the environment or the flags may contain before validation. */
export type ConfigInput = z.input<typeof configSchema>;
