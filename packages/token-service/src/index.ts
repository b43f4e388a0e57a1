/**
 * @registry-admin/token-service — the registry token protocol: scope and request parsing, token signing, key ids,
 * and the whole exchange (request in, answer out) behind authenticator and authorizer plug-ins.
 * Framework-free and without I/O: keys, clock and randomness come in as values.
 */
export { TokenServiceError, type TokenServiceErrorCode } from './internal/errors';
export { createJwks, jwkThumbprint, type KeyIdFormat, libtrustKeyId } from './internal/key-id';
export { formatScope, parseScope, parseScopes, type ResourceScope } from './internal/scope-parser';
export {
  type Authenticated,
  type AuthenticationResult,
  exchangeToken,
  type RefreshTokenIssuer,
  type TokenAuthenticator,
  type TokenAuthorizer,
  type TokenErrorBody,
  type TokenExchangeContext,
  type TokenExchangeErrorCode,
  type TokenExchangeOptions,
  type TokenExchangeRequest,
  type TokenExchangeResult,
  type TokenResponseBody,
} from './internal/token-exchange';
export {
  createTokenIssuer,
  type IssuedToken,
  type SigningAlgorithm,
  type TokenAccess,
  type TokenIssuer,
  type TokenIssuerOptions,
} from './internal/token-issuer';
export { type Credentials, parseAuthorization, parseTokenRequest, type TokenRequest } from './internal/token-request';
