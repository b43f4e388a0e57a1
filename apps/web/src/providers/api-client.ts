/**
 * The one place the app speaks HTTP to the server: same-origin JSON requests with the session cookie, the session's
 * CSRF token in `X-CSRF-Token` on every write, and the server's error body `{"error":{"code","message","field"}}`
 * turned into react-admin's `HttpError` — with the message on top and, when the server names a field, the message
 * on that field so a form shows it where it belongs.
 */
import { HttpError } from 'react-admin';

export const API_PREFIX = '/api/v1';
export const CSRF_HEADER = 'X-CSRF-Token';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** The server's error body. */
export interface ApiErrorBody {
  error: { code: string; message: string; field?: string };
}

/** What an `HttpError` from this client carries as its body. */
export interface ApiErrorDetails {
  code: string;
  errors?: Record<string, string>;
}

/**
 * Where the CSRF token lives between requests: memory only (not storage another script could read), filled by the
 * sign-in answer and by `GET /auth/me`, which react-admin calls on every page load through `checkAuth`.
 */
export interface CsrfSource {
  get(): string | undefined;
  set(token: string | undefined): void;
}

export function memoryCsrfSource(): CsrfSource {
  let token: string | undefined;
  return {
    get: () => token,
    set: (next) => {
      token = next;
    },
  };
}

export interface ApiResponse<T> {
  status: number;
  headers: Headers;
  json: T;
}

export interface RequestOptions {
  method?: string;
  body?: unknown;
  signal?: AbortSignal;
  /** False for the sign-in request, the one write made before there is a session (and so a token). */
  csrf?: boolean;
}

export interface ApiClient {
  request<T = unknown>(path: string, init?: RequestOptions): Promise<ApiResponse<T>>;
  readonly csrf: CsrfSource;
}

function isApiErrorBody(value: unknown): value is ApiErrorBody {
  if (typeof value !== 'object' || value === null || !('error' in value)) return false;
  const error = (value as { error: unknown }).error;
  return typeof error === 'object' && error !== null && typeof (error as { message?: unknown }).message === 'string';
}

/** A failed answer as react-admin expects it: a message for the notification, field errors for the form. */
export function toHttpError(status: number, statusText: string, body: unknown): HttpError {
  if (!isApiErrorBody(body)) return new HttpError(statusText || `request failed (${status})`, status, body);
  const { code, message, field } = body.error;
  // The server prefixes a field's message with its path ("login: must be…"); the form shows it under the field.
  const fieldMessage = field && message.startsWith(`${field}: `) ? message.slice(field.length + 2) : message;
  const details: ApiErrorDetails = { code, ...(field ? { errors: { [field]: fieldMessage } } : {}) };
  return new HttpError(message, status, details);
}

export function createApiClient(
  options: { fetch?: typeof fetch; csrf?: CsrfSource; refreshCsrf?: () => Promise<void> } = {},
): ApiClient {
  const fetchImpl = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  const csrf = options.csrf ?? memoryCsrfSource();
  const client: ApiClient = {
    csrf,
    async request<T>(path: string, init: RequestOptions = {}) {
      const method = (init.method ?? 'GET').toUpperCase();
      const headers = new Headers({ Accept: 'application/json' });
      if (init.body !== undefined) headers.set('Content-Type', 'application/json');
      if (!SAFE_METHODS.has(method) && init.csrf !== false) {
        // A reload keeps the cookie but not the token: ask the server for it once before the first write. Without a
        // session that fails, and the write goes without a token, to be refused by the server with its own answer.
        if (csrf.get() === undefined && options.refreshCsrf) await options.refreshCsrf().catch(() => undefined);
        const token = csrf.get();
        if (token) headers.set(CSRF_HEADER, token);
      }
      const response = await fetchImpl(`${API_PREFIX}${path}`, {
        method,
        headers,
        credentials: 'same-origin',
        ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
        ...(init.signal ? { signal: init.signal } : {}),
      });
      const text = await response.text();
      let json: unknown;
      try {
        json = text ? JSON.parse(text) : undefined;
      } catch {
        json = text;
      }
      if (!response.ok) throw toHttpError(response.status, response.statusText, json);
      return { status: response.status, headers: response.headers, json: json as T };
    },
  };
  return client;
}
