/** The one error class of cert-builder; `code` is stable for callers to branch on. */
export type CertErrorCode =
  | 'ERR_CERT_PARTIAL_SET'
  | 'ERR_CERT_KEY_MISMATCH'
  | 'ERR_CERT_EXPIRED'
  | 'ERR_CERT_NOT_YET_VALID'
  | 'ERR_CERT_PARSE'
  | 'ERR_CERT_OPTION_INVALID'
  | 'ERR_CERT_IO';

export class CertError extends Error {
  readonly code: CertErrorCode;
  constructor(code: CertErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CertError';
    this.code = code;
  }
}
