/**
 * The whole token exchange of the registry protocol: a raw request in (GET or OAuth2 form POST), an answer out
 * (status, headers, JSON body). Parsing, the service check, authentication through a plug-in, the `account` check,
 * authorization through a plug-in, the read-only limit, signing and the optional refresh token all happen here, so
 * an HTTP framework only has to copy the request in and the answer out. No I/O of its own: everything that reaches
 * a user store, a policy or a database comes in through the interfaces below.
 */
import { TokenServiceError } from './errors';
import { formatScope, type ResourceScope } from './scope-parser';
import type { IssuedToken, TokenAccess } from './token-issuer';
import { type Credentials, parseTokenRequest, type TokenRequest } from './token-request';

type Params = Record<string, string | string[] | undefined>;

/** The request as any HTTP server sees it; values as a query-string or form parser leaves them. */
export interface TokenExchangeRequest {
  method: string;
  query: Params;
  /** The parsed `application/x-www-form-urlencoded` body of a POST; ignored for GET. */
  body?: Params | undefined;
  headers: { authorization?: string | undefined };
  /** The client's address, handed to the authenticator (for throttling) and the refresh-token issuer. */
  address?: string | undefined;
}

/** What a plug-in learns about the request it authenticates or issues a refresh token for. */
export interface TokenExchangeContext {
  address?: string | undefined;
  clientId?: string | undefined;
  /** The OAuth2 grant of a POST; undefined for GET. */
  grantType?: 'password' | 'refresh_token' | undefined;
}

/** A caller the authenticator recognised. */
export interface Authenticated<P> {
  /** The token's `sub`: a user or account name, what `account` must match. */
  subject: string;
  /** Whatever the authorizer needs to decide; opaque to the exchange. */
  principal: P;
  /** Limits every granted scope to `pull` (e.g. a read-only access token). */
  readOnly?: boolean;
}

export type AuthenticationResult<P> =
  | ({ outcome: 'authenticated' } & Authenticated<P>)
  | { outcome: 'denied' }
  /** Too many failed attempts: answered with 429 and `Retry-After`. */
  | { outcome: 'throttled'; retryAfterSeconds: number; message?: string };

/**
 * Checks credentials: a password from HTTP Basic or the OAuth2 password grant, a bearer token, or a refresh token
 * from the refresh grant. Answers `denied` for anything it does not accept; throwing is for failures of its own
 * (a directory that is down), which the exchange passes on.
 *
 * @example
 * const authenticator: TokenAuthenticator<string> = {
 *   async authenticate(credentials) {
 *     if (credentials.kind === 'basic' && (await checkPassword(credentials.username, credentials.password))) {
 *       return { outcome: 'authenticated', subject: credentials.username, principal: credentials.username };
 *     }
 *     return { outcome: 'denied' };
 *   },
 * };
 */
export interface TokenAuthenticator<P> {
  authenticate(credentials: Credentials, context: TokenExchangeContext): Promise<AuthenticationResult<P>>;
}

/**
 * Decides what a caller gets out of what it asked for, per scope. `principal` is undefined for an anonymous request.
 * Answer every requested scope, with fewer (or no) actions where rights are missing: a denied scope is not an error
 * in this protocol, the registry refuses the operation itself.
 *
 * @example
 * // with @registry-admin/acl
 * const policy = compilePolicy(rules);
 * const authorizer: TokenAuthorizer<Principal> = {
 *   authorize: (principal, scopes) => evaluate(policy, principal ?? { kind: 'anonymous' }, scopes),
 * };
 */
export interface TokenAuthorizer<P> {
  authorize(
    principal: P | undefined,
    requested: readonly ResourceScope[],
  ): readonly TokenAccess[] | Promise<readonly TokenAccess[]>;
}

/**
 * Issues a refresh token when a client asks for one (`offline_token=true`, `access_type=offline`). Returning
 * undefined issues none: only a real password should earn one, never a token that would turn into a lasting login.
 */
export interface RefreshTokenIssuer<P> {
  issue(authenticated: Authenticated<P>, context: TokenExchangeContext): Promise<string | undefined>;
}

export interface TokenExchangeOptions<P> {
  /** The registry's `auth.token.service`; a request naming another service is refused. */
  service: string;
  authenticator: TokenAuthenticator<P>;
  authorizer: TokenAuthorizer<P>;
  /** Signs the token (see `createTokenIssuer`). */
  issuer: { issue(claims: { subject: string; access: readonly TokenAccess[] }): Promise<IssuedToken> };
  refreshTokens?: RefreshTokenIssuer<P> | undefined;
  /** The realm of the `WWW-Authenticate: Basic` challenge on 401 answers. Default `registry`. */
  realm?: string | undefined;
}

/** The OAuth2 error codes of the answers (RFC 6749 §5.2, plus `too_many_attempts` for throttling). */
export type TokenExchangeErrorCode =
  | 'invalid_request'
  | 'unsupported_grant_type'
  | 'invalid_grant'
  | 'too_many_attempts';

/** docker's GET answer; the OAuth2 POST answer drops `token` and adds `scope`. */
export interface TokenResponseBody {
  token?: string;
  access_token: string;
  expires_in: number;
  issued_at: string;
  refresh_token?: string;
  scope?: string;
}

export type TokenErrorBody =
  | { errors: Array<{ code: 'UNAUTHORIZED' | 'TOOMANYREQUESTS' | 'INVALID_REQUEST'; message: string }> }
  | { error: TokenExchangeErrorCode; error_description: string };

export type TokenExchangeResult<P> =
  | {
      ok: true;
      status: 200;
      headers: Record<string, string>;
      body: TokenResponseBody;
      /** Who the token was issued to; undefined for an anonymous request. */
      authenticated: Authenticated<P> | undefined;
      granted: readonly TokenAccess[];
    }
  | {
      ok: false;
      status: 400 | 401 | 429;
      headers: Record<string, string>;
      body: TokenErrorBody;
      /** Why, for the caller's log; never holds a secret. */
      error: { code: TokenExchangeErrorCode; message: string };
    };

type Refusal = Extract<TokenExchangeResult<unknown>, { ok: false }>;

/**
 * Errors in the shapes clients parse: docker's `errors` list for GET, OAuth2's `error` for POST. A 401 carries a
 * Basic challenge so clients know to send credentials.
 */
function refuse(
  post: boolean,
  status: 400 | 401 | 429,
  code: TokenExchangeErrorCode,
  message: string,
  realm: string,
  retryAfterSeconds?: number,
): Refusal {
  const headers: Record<string, string> = { 'cache-control': 'no-store' };
  if (status === 401) headers['www-authenticate'] = `Basic realm="${realm}", charset="UTF-8"`;
  if (retryAfterSeconds !== undefined) headers['retry-after'] = String(retryAfterSeconds);
  const body: TokenErrorBody = post
    ? { error: code, error_description: message }
    : {
        errors: [
          { code: status === 401 ? 'UNAUTHORIZED' : status === 429 ? 'TOOMANYREQUESTS' : 'INVALID_REQUEST', message },
        ],
      };
  return { ok: false, status, headers, body, error: { code, message } };
}

const pullOnly = (access: readonly TokenAccess[]): TokenAccess[] =>
  access.map((scope) => ({ ...scope, actions: scope.actions.filter((action) => action === 'pull') }));

/**
 * Answers one token request. Never throws for anything a client can send: malformed input, unknown services, bad
 * credentials and throttling all become 4xx answers. It rejects only when a plug-in or the issuer fails.
 *
 * @example
 * const answer = await exchangeToken(
 *   { method: 'GET', query: { service: 'registry', scope: 'repository:team/app:pull' }, headers: { authorization } },
 *   { service: 'registry', authenticator, authorizer, issuer },
 * );
 * // → { ok: true, status: 200, headers: { 'cache-control': 'no-store' }, body: { token, access_token, expires_in, issued_at }, … }
 */
export async function exchangeToken<P>(
  request: TokenExchangeRequest,
  options: TokenExchangeOptions<P>,
): Promise<TokenExchangeResult<P>> {
  const post = request.method.toUpperCase() === 'POST';
  const realm = options.realm ?? 'registry';
  let tokenRequest: TokenRequest;
  try {
    tokenRequest = parseTokenRequest({
      method: request.method,
      query: request.query,
      body: post ? request.body : undefined,
      authorization: request.headers.authorization,
    });
  } catch (error) {
    if (!(error instanceof TokenServiceError)) throw error;
    const code = error.code === 'ERR_UNSUPPORTED_GRANT' ? 'unsupported_grant_type' : 'invalid_request';
    return refuse(post, 400, code, error.message, realm);
  }
  if (tokenRequest.service !== undefined && tokenRequest.service !== options.service) {
    return refuse(post, 400, 'invalid_request', `unknown service "${tokenRequest.service.slice(0, 100)}"`, realm);
  }

  const context: TokenExchangeContext = {
    address: request.address,
    clientId: tokenRequest.clientId,
    grantType: tokenRequest.grantType,
  };
  let authenticated: Authenticated<P> | undefined;
  const credentials = tokenRequest.credentials;
  if (credentials) {
    const result = await options.authenticator.authenticate(credentials, context);
    if (result.outcome === 'throttled') {
      const message = result.message ?? `too many failed sign-in attempts; try again in ${result.retryAfterSeconds} s`;
      return refuse(post, 429, 'too_many_attempts', message, realm, result.retryAfterSeconds);
    }
    if (result.outcome !== 'authenticated') return refuse(post, 401, 'invalid_grant', 'invalid credentials', realm);
    authenticated = {
      subject: result.subject,
      principal: result.principal,
      ...(result.readOnly ? { readOnly: true } : {}),
    };
    // `account` names whom the client believes it signed in as; a token for anyone else than the owner of the
    // credentials would let alice's password buy a token for mallory.
    const account = tokenRequest.account ?? (credentials.kind === 'refresh-token' ? credentials.username : undefined);
    if (account !== undefined && account !== '' && account !== authenticated.subject) {
      return refuse(post, 400, 'invalid_request', 'account does not match the credentials', realm);
    }
  } else if (tokenRequest.account !== undefined && tokenRequest.account !== '') {
    // An account without credentials would let anyone choose the token's subject.
    return refuse(post, 401, 'invalid_request', 'account given without credentials', realm);
  }

  let granted = await options.authorizer.authorize(authenticated?.principal, tokenRequest.scopes);
  if (authenticated?.readOnly) granted = pullOnly(granted);
  const issued = await options.issuer.issue({ subject: authenticated?.subject ?? '', access: granted });
  const refreshToken =
    tokenRequest.offlineToken && authenticated && options.refreshTokens
      ? await options.refreshTokens.issue(authenticated, context)
      : undefined;
  const headers = { 'cache-control': 'no-store' };
  if (!post) {
    const body: TokenResponseBody = refreshToken ? { ...issued, refresh_token: refreshToken } : issued;
    return { ok: true, status: 200, headers, body, authenticated, granted };
  }
  // The OAuth2 answer: access_token (not docker's GET-only `token`, which would double the response) and the scope
  // actually granted.
  const scope = granted
    .filter((entry) => entry.actions.length > 0)
    .map(formatScope)
    .join(' ');
  const body: TokenResponseBody = {
    access_token: issued.access_token,
    expires_in: issued.expires_in,
    issued_at: issued.issued_at,
    ...(refreshToken ? { refresh_token: refreshToken } : {}),
    scope,
  };
  return { ok: true, status: 200, headers, body, authenticated, granted };
}
