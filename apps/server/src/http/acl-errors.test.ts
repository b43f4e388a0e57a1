/** How acl errors leave the API: a caller's bad rule is a 400, a policy not made by compilePolicy is our own 500. */
import { AclError } from '@registry-admin/acl';
import { describe, expect, it } from 'vitest';
import { toErrorResponse } from './errors';

describe('acl errors', () => {
  it('maps a bad pattern to 400 with its code', () => {
    const response = toErrorResponse(new AclError('ERR_ACL_PATTERN_INVALID', 'pattern "A" contains "A"'));
    expect(response.status).toBe(400);
    expect(response.body.error.code).toBe('ERR_ACL_PATTERN_INVALID');
    expect(response.internal).toBe(false);
  });

  it('treats a policy not made by compilePolicy as an internal error, without its message', () => {
    const response = toErrorResponse(new AclError('ERR_ACL_POLICY_INVALID', 'evaluate: expected a Policy'));
    expect(response.status).toBe(500);
    expect(response.body.error.code).toBe('ERR_INTERNAL');
    expect(response.internal).toBe(true);
  });
});
