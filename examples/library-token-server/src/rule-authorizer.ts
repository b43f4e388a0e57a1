/**
 * The configured rules as a `TokenAuthorizer`: compiled once with `@registry-admin/acl`, then every request is one
 * `evaluate` (requested ∩ allowed, per scope). Anonymous callers are acl's anonymous principal.
 */
import { compilePolicy, evaluate, type Policy, type Principal, type Rule } from '@registry-admin/acl';
import type { TokenAuthorizer } from '@registry-admin/token-service';
import { ConfigError } from './config';

const ANONYMOUS: Principal = { kind: 'anonymous' };

/** Throws ConfigError for a rule acl refuses (a bad pattern or action); rule ids are their 1-based positions. */
export function createRuleAuthorizer(rules: readonly Rule[]): TokenAuthorizer<Principal> {
  let policy: Policy;
  try {
    policy = compilePolicy(rules);
  } catch (error) {
    throw new ConfigError(`rules: ${(error as Error).message}`, { cause: error });
  }
  return { authorize: (principal, scopes) => evaluate(policy, principal ?? ANONYMOUS, scopes) };
}
