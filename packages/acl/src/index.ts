/**
 * @registry-admin/acl — access rules for container repositories: patterns, decisions, explanations. No I/O.
 */
export { AclError, type AclErrorCode } from './internal/errors';
export { type CompiledPattern, compilePattern, OWN_NAME_PLACEHOLDER, validatePattern } from './internal/pattern';
export {
  ACTIONS,
  type Action,
  compilePolicy,
  evaluate,
  explain,
  type GrantedScope,
  type Policy,
  type Principal,
  type RequestedScope,
  type Rule,
  type ScopeExplanation,
  type Subject,
  subjectKey,
  type WhoCanEntry,
  whoCan,
} from './internal/policy';
