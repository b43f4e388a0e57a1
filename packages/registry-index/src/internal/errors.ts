/** The one error class of the index library; `code` is stable for callers to branch on, `cause` keeps the original. */
export type RegistryIndexErrorCode =
  /** Reading the registry failed (a manifest, a config, the catalog or a tag list). */
  | 'ERR_INDEX_REGISTRY_READ'
  /** Writing to the store failed; the transaction was rolled back (an event is then neither recorded nor applied). */
  | 'ERR_INDEX_STORE_WRITE'
  /** An option out of range (a concurrency below 1). */
  | 'ERR_INDEX_INVALID_OPTION';

export class RegistryIndexError extends Error {
  readonly code: RegistryIndexErrorCode;
  constructor(code: RegistryIndexErrorCode, message: string, options: { cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'RegistryIndexError';
    this.code = code;
  }
}

/** The message of whatever was thrown, for reports. */
export const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));
