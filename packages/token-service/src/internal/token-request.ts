/**
 * Token requests as clients send them: docker's GET (`service`, repeated `scope`, `account`, `offline_token`,
 * `client_id`, HTTP Basic) and the OAuth2 form POST (`grant_type=password|refresh_token`) used by containerd and by
 * docker once it holds a refresh token.
 */
import { TokenServiceError } from './errors';
import { parseScopes, type ResourceScope } from './scope-parser';

export type Credentials =
  | { kind: 'basic'; username: string; password: string }
  | { kind: 'refresh-token'; username?: string; token: string }
  | { kind: 'bearer'; token: string };

export interface TokenRequest {
  method: 'GET' | 'POST';
  service?: string;
  scopes: ResourceScope[];
  account?: string;
  clientId?: string;
  offlineToken: boolean;
  grantType?: 'password' | 'refresh_token';
  /** undefined: anonymous. */
  credentials?: Credentials;
}

type Params = Record<string, string | string[] | undefined>;

const MAX_FIELD = 4096;
const MAX_SCOPE_VALUES = 64;

const invalid = (message: string) => new TokenServiceError('ERR_REQUEST_INVALID', message);

function single(params: Params, key: string): string | undefined {
  const value = params[key];
  if (value === undefined) return undefined;
  if (Array.isArray(value)) {
    if (value.length !== 1) throw invalid(`parameter "${key}" must be given at most once`);
    return checkLength(key, value[0] as string);
  }
  if (typeof value !== 'string') throw invalid(`parameter "${key}" must be a string`);
  return checkLength(key, value);
}

function checkLength(key: string, value: string): string {
  if (value.length > MAX_FIELD) throw invalid(`parameter "${key}" is too long`);
  return value;
}

function many(params: Params, key: string): string[] {
  const value = params[key];
  if (value === undefined) return [];
  const list = Array.isArray(value) ? value : [value];
  if (list.length > MAX_SCOPE_VALUES) throw invalid(`too many "${key}" parameters`);
  for (const item of list) {
    if (typeof item !== 'string') throw invalid(`parameter "${key}" must be a string`);
    checkLength(key, item);
  }
  return list;
}

function isTrue(value: string | undefined): boolean {
  return value === 'true' || value === '1';
}

/** Splits an Authorization header into Basic or Bearer credentials. */
export function parseAuthorization(header: string | undefined): Credentials | undefined {
  if (header === undefined || header === '') return undefined;
  if (header.length > MAX_FIELD * 2) throw invalid('Authorization header is too long');
  const space = header.indexOf(' ');
  const scheme = (space < 0 ? header : header.slice(0, space)).toLowerCase();
  const value = space < 0 ? '' : header.slice(space + 1).trim();
  if (scheme === 'basic') {
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(value) || value.length % 4 === 1) {
      throw invalid('Authorization: Basic credentials are not valid base64');
    }
    const bytes = Buffer.from(value, 'base64');
    let decoded: string;
    try {
      decoded = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    } catch {
      throw invalid('Authorization: Basic credentials are not valid UTF-8');
    }
    const colon = decoded.indexOf(':');
    if (colon < 0) throw invalid('Authorization: Basic credentials must be user:password');
    return { kind: 'basic', username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
  }
  if (scheme === 'bearer') {
    if (value.length === 0) throw invalid('Authorization: Bearer token is empty');
    return { kind: 'bearer', token: value };
  }
  throw invalid(`Authorization scheme "${scheme.slice(0, 20)}" is not supported`);
}

/**
 * Parses a token request. Throws TokenServiceError (never with a secret in its message).
 *
 * @example
 * parseTokenRequest({ method: 'GET', query: { service: 'registry', scope: 'repository:a:pull' } });
 */
export function parseTokenRequest(input: {
  method: string;
  query: Params;
  body?: Params | undefined;
  authorization?: string | undefined;
}): TokenRequest {
  const method = input.method.toUpperCase();
  if (method === 'GET') {
    const query = input.query ?? {};
    const service = single(query, 'service');
    const account = single(query, 'account');
    const clientId = single(query, 'client_id');
    const credentials = parseAuthorization(input.authorization);
    return {
      method: 'GET',
      ...(service !== undefined ? { service } : {}),
      scopes: parseScopes(many(query, 'scope')),
      ...(account !== undefined ? { account } : {}),
      ...(clientId !== undefined ? { clientId } : {}),
      offlineToken: isTrue(single(query, 'offline_token')),
      ...(credentials ? { credentials } : {}),
    };
  }
  if (method !== 'POST') throw invalid(`method ${method.slice(0, 10)} is not supported`);
  const body = input.body;
  if (!body || typeof body !== 'object') throw invalid('a form body is required');
  const grantType = single(body, 'grant_type');
  const service = single(body, 'service');
  const clientId = single(body, 'client_id');
  const accessType = single(body, 'access_type');
  const scopes = parseScopes(many(body, 'scope'));
  const common = {
    method: 'POST' as const,
    ...(service !== undefined ? { service } : {}),
    scopes,
    ...(clientId !== undefined ? { clientId } : {}),
    offlineToken: accessType === 'offline',
  };
  if (grantType === 'password') {
    const username = single(body, 'username');
    const password = single(body, 'password');
    if (username === undefined || password === undefined) {
      throw invalid('grant_type=password needs username and password');
    }
    return { ...common, grantType, account: username, credentials: { kind: 'basic', username, password } };
  }
  if (grantType === 'refresh_token') {
    const token = single(body, 'refresh_token');
    if (!token) throw invalid('grant_type=refresh_token needs refresh_token');
    const username = single(body, 'username');
    return {
      ...common,
      grantType,
      credentials: { kind: 'refresh-token', token, ...(username !== undefined ? { username } : {}) },
    };
  }
  if (grantType === undefined) throw invalid('grant_type is required');
  throw new TokenServiceError('ERR_UNSUPPORTED_GRANT', `grant_type "${grantType.slice(0, 40)}" is not supported`);
}
