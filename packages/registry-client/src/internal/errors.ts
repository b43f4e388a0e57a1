/** The one error class of the registry client; `code` is stable for callers to branch on. */
export type RegistryErrorCode =
  | 'ERR_REGISTRY_NOT_FOUND'
  | 'ERR_REGISTRY_UNAUTHORIZED'
  | 'ERR_REGISTRY_DENIED'
  | 'ERR_REGISTRY_DELETE_DISABLED'
  | 'ERR_REGISTRY_UNAVAILABLE'
  | 'ERR_REGISTRY_TIMEOUT'
  | 'ERR_REGISTRY_PROTOCOL'
  | 'ERR_REGISTRY_TOO_LARGE'
  | 'ERR_REGISTRY_INVALID';

export class RegistryError extends Error {
  readonly code: RegistryErrorCode;
  readonly status: number | undefined;
  constructor(code: RegistryErrorCode, message: string, options: { status?: number; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'RegistryError';
    this.code = code;
    this.status = options.status;
  }
}
