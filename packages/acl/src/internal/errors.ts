/** The one error class of the acl package; `code` is stable for callers to branch on. */
export type AclErrorCode = 'ERR_ACL_PATTERN_INVALID' | 'ERR_ACL_RULE_INVALID' | 'ERR_ACL_POLICY_INVALID';

export class AclError extends Error {
  readonly code: AclErrorCode;
  /** `options.cause` is kept as the standard `Error.cause` (e.g. the pattern error behind a rule's error). */
  constructor(code: AclErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'AclError';
    this.code = code;
  }
}
