/**
 * @registry-admin/token-service — the registry token protocol: scope and request parsing, token signing, key ids.
 * Framework-free and without I/O: keys, clock and randomness come in as values.
 */
export { TokenServiceError, type TokenServiceErrorCode } from './internal/errors';
export { createJwks, jwkThumbprint, type KeyIdFormat, libtrustKeyId } from './internal/key-id';
export { formatScope, parseScope, parseScopes, type ResourceScope } from './internal/scope-parser';
export {
  createTokenIssuer,
  type IssuedToken,
  type SigningAlgorithm,
  type TokenAccess,
  type TokenIssuer,
  type TokenIssuerOptions,
} from './internal/token-issuer';
export { type Credentials, parseAuthorization, parseTokenRequest, type TokenRequest } from './internal/token-request';
