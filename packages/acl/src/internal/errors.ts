/** The one error class of the acl package; `code` is stable for callers to branch on. */
export type AclErrorCode = 'ERR_ACL_PATTERN_INVALID' | 'ERR_ACL_RULE_INVALID';

export class AclError extends Error {
  readonly code: AclErrorCode;
  constructor(code: AclErrorCode, message: string) {
    super(message);
    this.name = 'AclError';
    this.code = code;
  }
}
