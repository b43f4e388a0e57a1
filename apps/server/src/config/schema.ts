/**
 * The one description of every registry-admin option: its type, default and validation.
 * Flags (`--registry.token-ttl`), `RA_*` environment variables and the config file are all derived from this schema;
 * option names in errors are the flag names (dotted, kebab-case).
 */
import { isIP } from 'node:net';
import { z } from 'zod';
import { type ListenAddress, parseListenAddress } from './listen-address';

/**
 * The accepted range of a numeric option. Kept with the option's schema (see `numericRangeOf`) so the help text and
 * the tests that run every numeric option's extremes through start-up find each one without a second list.
 */
export interface NumericRange {
  min: number;
  max: number;
  /** `count`: a whole number; `s` / `m`: a duration in whole seconds whose bare numbers are seconds / minutes. */
  unit: 'count' | 's' | 'm';
}

const numericRanges = new WeakMap<z.ZodType, NumericRange>();

/** The range of a numeric option's input schema (as `inputType` in load.ts finds it), or undefined. */
export function numericRangeOf(schema: z.ZodType): NumericRange | undefined {
  return numericRanges.get(schema);
}

/**
 * What a numeric option reads: a number (from a config file; YAML's `.nan` and `.inf` included, so they get the
 * range message too) or a string (flags, the environment).
 */
const numberOrString = () =>
  z.custom<number | string>((value) => typeof value === 'number' || typeof value === 'string', {
    message: 'must be a number',
  });

const DURATION_FACTORS = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86400 } as const;

/** `86400` → `24h`: how ranges of durations read in messages and help. */
export function formatSeconds(seconds: number): string {
  for (const [unit, factor] of [
    ['d', 86400],
    ['h', 3600],
    ['m', 60],
  ] as const) {
    if (seconds >= factor && seconds % factor === 0) return `${seconds / factor}${unit}`;
  }
  return `${seconds}s`;
}

/** A number of the input (JSON/YAML numbers or strings from flags and the environment) as written, or NaN. */
function numberOf(value: number | string): number {
  if (typeof value === 'number') return value;
  return /^[+-]?\d+(?:\.\d+)?$/.test(value.trim()) ? Number(value.trim()) : Number.NaN;
}

/** A whole number from `min` to `max`, from a number or a decimal string; anything else names the range. */
function integer(min: number, max: number) {
  const input = numberOrString();
  numericRanges.set(input, { min, max, unit: 'count' });
  return input.transform((value, ctx) => {
    const number = numberOf(value);
    if (!Number.isSafeInteger(number) || number < min || number > max) {
      ctx.addIssue({ code: 'custom', message: `"${value}" is not a whole number from ${min} to ${max}` });
      return z.NEVER;
    }
    return number;
  });
}

/**
 * A duration in whole seconds from `min` to `max`: a bare number in `unit`, or a string with a unit (`90s`, `5m`,
 * `12h`, `7d`). Fractions are accepted when they make whole seconds (`1.5m`); `90.5` seconds is refused, since the
 * token lifetime, cookie ages and timers all count whole seconds.
 */
function duration(unit: 's' | 'm', min: number, max: number) {
  const input = numberOrString();
  numericRanges.set(input, { min, max, unit });
  return input.transform((value, ctx) => {
    const match = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?$/.exec(String(value).trim());
    // Rounded to milliseconds so that `1.1m` is 66 seconds, not 66.00000000000001.
    const seconds = match
      ? Math.round(Number(match[1]) * DURATION_FACTORS[(match[2] ?? unit) as keyof typeof DURATION_FACTORS] * 1000) /
        1000
      : Number.NaN;
    if (!Number.isSafeInteger(seconds) || seconds < min || seconds > max) {
      ctx.addIssue({
        code: 'custom',
        message:
          `"${value}" is not a duration of whole seconds from ${formatSeconds(min)} to ${formatSeconds(max)} ` +
          `(a bare number is in ${unit === 's' ? 'seconds' : 'minutes'}; or e.g. 90s, 5m, 12h, 7d)`,
      });
      return z.NEVER;
    }
    return seconds;
  });
}

const SIZE_FACTORS = { b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 } as const;

/** `10M` → `10M`: how byte sizes read in messages and help. */
export function formatBytes(bytes: number): string {
  for (const [unit, factor] of [
    ['G', SIZE_FACTORS.g],
    ['M', SIZE_FACTORS.m],
    ['K', SIZE_FACTORS.k],
  ] as const) {
    if (bytes >= factor && bytes % factor === 0) return `${bytes / factor}${unit}`;
  }
  return `${bytes}B`;
}

/**
 * A size in bytes from `min` to `max`, written with a unit as the Go tool's `--logger.max-size` is (`10M`, `100K`,
 * `1G`, `512KB`, `2MiB`; powers of 1024). A bare number is refused: that tool's sizes were megabytes, ours would be
 * bytes, and a silent factor of a million helps nobody.
 */
function byteSize(min: number, max: number) {
  return z.union([z.string(), z.number()]).transform((value, ctx) => {
    const match = /^(\d+(?:\.\d+)?)\s*([bkmg])(?:i?b)?$/i.exec(String(value).trim());
    const bytes = match
      ? Math.round(Number(match[1]) * SIZE_FACTORS[(match[2] as string).toLowerCase() as keyof typeof SIZE_FACTORS])
      : Number.NaN;
    if (!Number.isSafeInteger(bytes) || bytes < min || bytes > max) {
      ctx.addIssue({
        code: 'custom',
        message: `"${value}" is not a size from ${formatBytes(min)} to ${formatBytes(max)} with a unit (e.g. 100K, 10M, 1G)`,
      });
      return z.NEVER;
    }
    return bytes;
  });
}

const DAY = 86400;

/** A DNS name an http-01 challenge can prove: letters, digits and hyphens in dotted labels (no IP, no wildcard). */
function isAcmeName(name: string): boolean {
  return (
    name.length <= 253 &&
    !/^[\d.]+$/.test(name) &&
    name.split('.').every((label) => /^[a-z\d](?:[a-z\d-]{0,61}[a-z\d])?$/i.test(label))
  );
}
const DEFAULT_PORT = 8080;
/** setInterval takes at most 2^31-1 ms (about 24.8 days); a longer interval would fire at once, over and over. */
export const MAX_TIMER_SECONDS = Math.floor((2 ** 31 - 1) / 1000);

/** A port to connect to. */
const port = integer(1, 65535);

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
    listen: z
      .string()
      .min(1)
      .default('0.0.0.0')
      .transform((value, ctx): ListenAddress => {
        const address = parseListenAddress(value);
        if (address) return address;
        ctx.addIssue({
          code: 'custom',
          message: `"${value}" is not host, host:port, * (every interface), *:port, [IPv6] or [IPv6]:port`,
        });
        return z.NEVER;
      })
      .describe('address to listen on: host, host:port, * (every interface), [IPv6]:port'),
    hostname: z.string().min(1).default('localhost').describe('host name clients use to reach this server'),
    port: integer(0, 65535)
      .optional()
      .describe(`HTTP(S) port (default ${DEFAULT_PORT}; 0 picks a free port; --listen host:port sets it too)`),
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
        'auth-type': z
          .enum(['token', 'basic'])
          .default('token')
          .describe(
            "token: the registry trusts this server's tokens (per-repository rules); basic: it reads an htpasswd file this server keeps (registry.htpasswd)",
          ),
        htpasswd: z
          .string()
          .min(1)
          .optional()
          .describe('with auth-type basic: the htpasswd file this server writes for the registry (bcrypt entries)'),
        login: z
          .string()
          .min(1)
          .max(64)
          .regex(/^[^:\s]+$/, 'must not contain ":" or spaces')
          .optional()
          .describe('with auth-type basic: the login this server uses at the registry (written to the htpasswd file)'),
        password: z
          .string()
          .min(8)
          .max(72)
          .optional()
          .describe('with auth-type basic: the password of registry.login (bcrypt reads at most 72 bytes)'),
        'https-certs': z
          .string()
          .min(1)
          .optional()
          .describe('PEM CA bundle trusted for an https registry, besides the system CAs (a private CA)'),
        'https-insecure': booleanish
          .default(false)
          .describe("do not verify the https registry's certificate (not recommended: use https-certs)"),
        sync: booleanish
          .default(true)
          .describe('sync the index at start and every gc-interval (false: only notifications and on demand)'),
        'gc-interval': duration('m', 60, 7 * DAY)
          .default(3600)
          .describe('how often the index is re-synced with the registry (bare numbers are minutes: 60, or 30m, 2h)'),
        service: z
          .string()
          .min(1)
          .default('container_registry')
          .describe('service name (registry auth.token.service, token aud)'),
        issuer: z.string().min(1).default('registry-admin').describe('token issuer (registry auth.token.issuer)'),
        'token-ttl': duration('s', 60, DAY).default(300).describe('lifetime of registry tokens in seconds'),
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
          // The Go registry-admin's default: its configs may still carry it.
          .refine((value) => value.trim().toLowerCase() !== 'admin', {
            message:
              'is the well-known default "admin" and is refused: choose a password of at least 8 characters, or ' +
              'leave the option unset and the first start generates one and prints it once',
            abort: true,
          })
          .min(8)
          .optional()
          .describe('password of the first admin when the store is created (default: generated and printed once)'),
      })
      .strict()
      .prefault({}),
    auth: z
      .object({
        'session-ttl': duration('s', 60, 365 * DAY)
          .default(86400)
          .describe('absolute lifetime of a UI session'),
        'session-idle': duration('s', 60, 365 * DAY)
          .default(7200)
          .describe('a UI session ends after this long without requests'),
        'max-sessions': integer(1, 1000)
          .default(20)
          .describe('UI sessions one user may hold at once; signing in past it ends the oldest'),
        'max-failures': integer(1, 1000)
          .default(5)
          .describe('failed sign-ins of one account from one address before it is locked out there'),
        'max-failures-address': integer(1, 10000)
          .default(20)
          .describe('failed sign-ins from one address, over all accounts, before the address is locked out'),
        lockout: duration('s', 1, DAY)
          .default(60)
          .describe('first lockout; each further one within 15 minutes lasts twice as long (at most 1 hour)'),
        'max-refresh-tokens': integer(1, 10000)
          .default(50)
          .describe('signed-in registry clients (docker login refresh tokens) per user; a new login ends the oldest'),
        'max-personal-tokens': integer(1, 10000)
          .default(100)
          .describe('personal access tokens per user; creating one more is refused until one is revoked'),
        'password-min-length': integer(8, 128)
          .default(8)
          .describe('shortest password accepted for new and changed passwords'),
        'argon2-memory': integer(8192, 256 * 1024)
          .default(19456)
          .describe('argon2id memory in KiB; raising it re-hashes each password at its next sign-in'),
        'argon2-time': integer(1, 20)
          .default(2)
          .describe('argon2id passes; raising it re-hashes each password at its next sign-in'),
        'cache-ttl': duration('s', 1, 3600)
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
        enabled: booleanish
          .default(false)
          .describe('write an access log file in Apache combined format (for fail2ban, log analysers)'),
        file: z.string().min(1).optional().describe('the access log file (default <data-dir>/access.log)'),
        'max-size': byteSize(SIZE_FACTORS.k, 100 * SIZE_FACTORS.g)
          .default(10 * SIZE_FACTORS.m)
          .describe('size at which the access log is rotated (10M, 100K, 1G)'),
        'max-backups': integer(0, 1000).default(10).describe('rotated access log files kept (0: all)'),
        compress: booleanish.default(false).describe('gzip rotated access log files'),
      })
      .strict()
      .prefault({}),
    metrics: z
      .object({
        enabled: booleanish
          .default(false)
          .describe('serve Prometheus metrics at /metrics (on the main port, or on metrics.listen)'),
        listen: z
          .string()
          .min(1)
          .optional()
          .transform((value, ctx): ListenAddress | undefined => {
            if (value === undefined) return undefined;
            const address = parseListenAddress(value);
            if (address?.port !== undefined) return address;
            ctx.addIssue({ code: 'custom', message: `"${value}" is not host:port, *:port or [IPv6]:port` });
            return z.NEVER;
          })
          .describe('serve /metrics on this address only (e.g. 127.0.0.1:9100), not on the main port; implies enabled'),
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
          .enum(['none', 'static', 'auto'])
          .default('none')
          .describe(
            "none; static (HTTPS with ssl.cert and ssl.key, reloaded when the files change); auto (a certificate from Let's Encrypt or another ACME server, renewed without a restart)",
          ),
        cert: z.string().optional().describe('PEM certificate (chain) for HTTPS (ssl.type static)'),
        key: z.string().optional().describe('PEM private key for HTTPS (ssl.type static)'),
        port: integer(0, 65535).optional().describe('HTTPS port when ssl.type is static or auto (default: --port)'),
        'http-port': integer(0, 65535)
          .optional()
          .describe(
            'plain-HTTP port that redirects to HTTPS and answers ACME http-01 challenges (default 80 with ssl.type auto, off with static)',
          ),
        fqdn: stringList
          .default([])
          .describe('DNS names of the ACME certificate (comma-separated or repeated; default --hostname)'),
        'acme-email': z.string().optional().describe('contact e-mail of the ACME account (expiry notices)'),
        'acme-location': z
          .string()
          .optional()
          .describe('directory for the ACME account key and certificates (default <data-dir>/acme)'),
        'acme-directory': z
          .string()
          .url()
          .default('https://acme-v02.api.letsencrypt.org/directory')
          .describe("ACME directory URL (default Let's Encrypt; e.g. its staging directory, or a private ACME server)"),
        'acme-ca': z
          .string()
          .optional()
          .describe('PEM CA bundle trusted for the ACME directory (a private ACME server); default the system CAs'),
        'acme-renew-before': duration('s', 60, 365 * DAY)
          .default(30 * DAY)
          .describe('renew the ACME certificate when it expires within this long (checked twice a day)'),
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
    if (config.ssl.type === 'auto' && config.ssl.fqdn.some((name) => !isAcmeName(name))) {
      ctx.addIssue({
        code: 'custom',
        path: ['ssl', 'fqdn'],
        message: 'must be DNS names (ACME http-01 cannot certify IP addresses or wildcards)',
      });
    }
    const httpsPort = config.ssl.port ?? config.listen.port ?? config.port ?? DEFAULT_PORT;
    if (config.ssl.type !== 'none' && config.ssl['http-port'] === httpsPort && httpsPort !== 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['ssl', 'http-port'],
        message: `${httpsPort} is also the HTTPS port: the plain-HTTP redirect needs a port of its own`,
      });
    }
    if (config.registry['auth-type'] === 'basic') {
      if (!config.registry.htpasswd) {
        ctx.addIssue({
          code: 'custom',
          path: ['registry', 'htpasswd'],
          message: 'is required when registry.auth-type is basic (the file the registry reads)',
        });
      }
      if (config.registry.host) {
        for (const key of ['login', 'password'] as const) {
          if (!config.registry[key])
            ctx.addIssue({
              code: 'custom',
              path: ['registry', key],
              message: 'is required when registry.auth-type is basic and registry.host is set (for sync and deletes)',
            });
        }
      }
    }
    if (config.ssl.type === 'static') {
      for (const key of ['cert', 'key'] as const) {
        if (!config.ssl[key])
          ctx.addIssue({ code: 'custom', path: ['ssl', key], message: 'is required when ssl.type is static' });
      }
    }
    const listenPort = config.listen.port;
    if (listenPort !== undefined && config.port !== undefined && listenPort !== config.port) {
      ctx.addIssue({
        code: 'custom',
        path: ['port'],
        message:
          `${config.port} clashes with --listen (RA_LISTEN), which sets port ${listenPort}: ` +
          'give the port in one of the two',
      });
    }
  })
  // `--listen host:port` sets the port; `listen` is then the host alone (`*`: every interface).
  .transform(({ listen, port, ...rest }) => ({
    ...rest,
    listen: listen.host,
    port: listen.port ?? port ?? DEFAULT_PORT,
  }));

/** The validated configuration. Keys are the option names (kebab-case), nested at the dots. */
export type Config = z.output<typeof configSchema>;
/** What a config file, the environment or the flags may contain before validation. */
export type ConfigInput = z.input<typeof configSchema>;
