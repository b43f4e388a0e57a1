/**
 * The configured rules as a `TokenAuthorizer`: compiled once with `@registry-admin/acl`, then every request is one
 * `evaluate` (requested ∩ allowed, per scope). Anonymous callers are acl's anonymous principal.
 */
import { compilePolicy, evaluate, type Principal, type Rule } from '@registry-admin/acl';
import type { TokenAuthorizer } from '@registry-admin/token-service';

const ANONYMOUS: Principal = { kind: 'anonymous' };

export function createRuleAuthorizer(rules: readonly Rule[]): TokenAuthorizer<Principal> {
  const policy = compilePolicy(rules);
  return { authorize: (principal, scopes) => evaluate(policy, principal ?? ANONYMOUS, scopes) };
}
