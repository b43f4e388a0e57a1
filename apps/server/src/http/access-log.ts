/**
 * The access log file (`--logger.enabled`): one Apache combined-format line per request, as the Go registry-admin
 * writes and as fail2ban, GoAccess and log shippers read it, rotated by size (`--logger.max-size`,
 * `--logger.max-backups`, optionally gzipped). Lines go through a buffered stream, so a request never waits for the
 * disk; a disk slower than the traffic drops lines (counted) instead of growing memory without bound.
 *
 * Secrets never reach it: only the method, the path and a query string whose secret-looking values are replaced,
 * the status, the size, Referer (its query likewise) and User-Agent; never a header that carries credentials, never a body.
 */
import { mkdir } from 'node:fs/promises';
import { basename, dirname, extname } from 'node:path';
import type { FastifyReply, FastifyRequest } from 'fastify';

export interface AccessLogEntry {
  /** The client address after trusted-proxy resolution. */
  address: string;
  /** The authenticated login, or undefined. */
  user: string | undefined;
  time: Date;
  method: string;
  url: string;
  httpVersion: string;
  status: number;
  /** Bytes of the response body, or undefined when unknown. */
  bytes: number | undefined;
  referer: string | undefined;
  userAgent: string | undefined;
}

/** Query parameters whose value is kept: everything else whose name looks like a credential is replaced. */
const SAFE_PARAMETERS = new Set(['offline_token']);
const SECRET_PARAMETER = /pass|pwd|secret|token|key|auth|code|sig|credential|session|cookie/i;
export const REDACTED_VALUE = '[redacted]';

/** The path and query as logged: values of secret-looking parameters replaced, the rest as received. */
export function redactUrl(url: string): string {
  const question = url.indexOf('?');
  if (question < 0) return url;
  const query = url
    .slice(question + 1)
    .split('&')
    .map((pair) => {
      const equals = pair.indexOf('=');
      const name = equals < 0 ? pair : pair.slice(0, equals);
      let decoded = name;
      try {
        decoded = decodeURIComponent(name.replace(/\+/g, ' '));
      } catch {
        // Undecodable: judged as written.
      }
      return equals >= 0 && !SAFE_PARAMETERS.has(decoded) && SECRET_PARAMETER.test(decoded)
        ? `${name}=${REDACTED_VALUE}`
        : pair;
    })
    .join('&');
  return `${url.slice(0, question)}?${query}`;
}

/**
 * Apache's escaping of logged request fields: `"` and `\` are escaped and control or non-ASCII bytes become `\xhh`,
 * so no client can end a field early or start a line of its own (which fail2ban would believe).
 */
function escapeField(value: string): string {
  let out = '';
  for (const byte of Buffer.from(value, 'utf8')) {
    if (byte === 0x22) out += '\\"';
    else if (byte === 0x5c) out += '\\\\';
    else if (byte < 0x20 || byte >= 0x7f) out += `\\x${byte.toString(16).padStart(2, '0')}`;
    else out += String.fromCharCode(byte);
  }
  return out;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const two = (n: number) => String(n).padStart(2, '0');

/** `[10/Oct/2000:13:55:36 -0700]`'s inside, in the process's local time zone (UTC in the container image). */
export function formatApacheTime(time: Date): string {
  const offset = -time.getTimezoneOffset();
  const sign = offset >= 0 ? '+' : '-';
  const zone = `${sign}${two(Math.floor(Math.abs(offset) / 60))}${two(Math.abs(offset) % 60)}`;
  return (
    `${two(time.getDate())}/${MONTHS[time.getMonth()]}/${time.getFullYear()}:` +
    `${two(time.getHours())}:${two(time.getMinutes())}:${two(time.getSeconds())} ${zone}`
  );
}

/** `host ident user [time] "request" status bytes "referer" "user-agent"` (Apache combined), with a newline. */
export function formatAccessLogLine(entry: AccessLogEntry): string {
  const user = entry.user ? escapeField(entry.user).replace(/ /g, '\\x20') : '-';
  const request = `${escapeField(entry.method)} ${escapeField(redactUrl(entry.url))} HTTP/${escapeField(entry.httpVersion)}`;
  const referer = entry.referer ? escapeField(redactUrl(entry.referer)) : '-';
  const agent = entry.userAgent ? escapeField(entry.userAgent) : '-';
  const bytes = entry.bytes === undefined || entry.bytes === 0 ? '-' : String(entry.bytes);
  return `${entry.address} - ${user} [${formatApacheTime(entry.time)}] "${request}" ${entry.status} ${bytes} "${referer}" "${agent}"\n`;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Who a request without a session or API credentials signed in as (token endpoint, login), for the access log. */
    authenticatedLogin: string | undefined;
  }
}

/** The login the access log names for a request: set by the token endpoint and the login route, or the API caller. */
export function accessLogUser(request: FastifyRequest): string | undefined {
  if (request.authenticatedLogin) return request.authenticatedLogin;
  const caller = (request as { caller?: { kind: string; user?: { login: string } } }).caller;
  return caller?.kind === 'user' ? caller.user?.login : undefined;
}

export function accessLogEntry(request: FastifyRequest, reply: FastifyReply): AccessLogEntry {
  const length = Number(reply.getHeader('content-length'));
  const referer = request.headers.referer;
  const userAgent = request.headers['user-agent'];
  return {
    address: request.ip,
    user: accessLogUser(request),
    time: new Date(),
    method: request.method,
    url: request.url,
    httpVersion: request.raw.httpVersion,
    status: reply.statusCode,
    bytes: Number.isFinite(length) ? length : undefined,
    referer: typeof referer === 'string' ? referer : undefined,
    userAgent: typeof userAgent === 'string' ? userAgent : undefined,
  };
}

export interface AccessLog {
  write(line: string): void;
  /** Lines dropped because the disk did not keep up. */
  readonly dropped: number;
  /** Flushes what is buffered and closes the file. */
  close(): Promise<void>;
}

export interface AccessLogOptions {
  file: string;
  /** Rotate when the file would pass this many bytes. */
  maxSize: number;
  /** Rotated files kept. */
  maxBackups: number;
  /** gzip rotated files. */
  compress: boolean;
}

/** Past this much unwritten output, lines are dropped rather than buffered. */
const MAX_BUFFERED_BYTES = 8 * 1024 * 1024;

/**
 * Rotated files are named like the Go tool's: `access-2026-11-23T19-25-46.000.log` (`.gz` added when compressed),
 * beside the live file, oldest removed past `maxBackups`.
 */
export function rotatedName(file: string, time: Date, index: number, compress: boolean): string {
  const ext = extname(file);
  const stem = basename(file, ext);
  const stamp = time.toISOString().replace(/:/g, '-').replace('Z', '');
  return `${stem}-${stamp}${index > 1 ? `-${index}` : ''}${ext}${compress ? '.gz' : ''}`;
}

export async function openAccessLog(options: AccessLogOptions): Promise<AccessLog> {
  const { createStream } = await import('rotating-file-stream');
  const directory = dirname(options.file);
  await mkdir(directory, { recursive: true });
  const live = basename(options.file);
  const stream = createStream(
    (time, index) => (time ? rotatedName(options.file, time as Date, index ?? 1, options.compress) : live),
    {
      path: directory,
      size: `${Math.max(1, Math.floor(options.maxSize / 1024))}K`,
      // 0 keeps every rotated file, as the Go tool's does.
      ...(options.maxBackups > 0 ? { maxFiles: options.maxBackups, history: `.${live}.history` } : {}),
      ...(options.compress ? { compress: 'gzip' as const } : {}),
      mode: 0o640,
    },
  );
  let dropped = 0;
  let failure: Error | undefined;
  stream.on('error', (error: Error) => {
    failure = error;
  });
  const closed = new Promise<void>((resolve) => stream.once('close', () => resolve()));
  return {
    write(line) {
      if (failure || stream.writableLength > MAX_BUFFERED_BYTES) {
        dropped++;
        return;
      }
      stream.write(line);
    },
    get dropped() {
      return dropped;
    },
    async close() {
      stream.end();
      await closed;
      if (failure) throw failure;
    },
  };
}
