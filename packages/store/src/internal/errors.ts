/** The one error class of the store; `code` is stable, `field` names the input at fault when there is one. */
export type StoreErrorCode =
  | 'ERR_STORE_NOT_FOUND'
  | 'ERR_STORE_CONFLICT'
  | 'ERR_STORE_LAST_ADMIN'
  | 'ERR_STORE_REFERENCE'
  | 'ERR_STORE_QUERY_INVALID'
  | 'ERR_STORE_INVALID'
  | 'ERR_STORE_DRIVER_MISSING'
  | 'ERR_STORE_FOREIGN_DATABASE';

export class StoreError extends Error {
  readonly code: StoreErrorCode;
  readonly field: string | undefined;
  constructor(code: StoreErrorCode, message: string, field?: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'StoreError';
    this.code = code;
    this.field = field;
  }
}
