/** The one error class of token-service; `code` is stable for callers to branch on. */
export type TokenServiceErrorCode =
  | 'ERR_SCOPE_INVALID'
  | 'ERR_REQUEST_INVALID'
  | 'ERR_UNSUPPORTED_GRANT'
  | 'ERR_KEY_INVALID';

export class TokenServiceError extends Error {
  readonly code: TokenServiceErrorCode;
  constructor(code: TokenServiceErrorCode, message: string) {
    super(message);
    this.name = 'TokenServiceError';
    this.code = code;
  }
}
