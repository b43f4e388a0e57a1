/**
 * Access decisions: the union of the actions of every matching rule of every subject the caller has, intersected
 * with what was asked, per scope. Rules are indexed by subject and their patterns compiled once in `compilePolicy`,
 * so a decision only tests the caller's own rules.
 */
import { AclError } from './errors';
import { type CompiledPattern, compilePattern } from './pattern';

/** Every action a rule may name, in a fixed order; `*` means pull, push and delete. */
export const ACTIONS = Object.freeze(['pull', 'push', 'delete', '*'] as const);
export type Action = (typeof ACTIONS)[number];

export type Subject =
  | { kind: 'user'; id: string }
  | { kind: 'group'; id: string }
  | { kind: 'service-account'; id: string }
  | { kind: 'registered' }
  | { kind: 'everyone' };

export interface Rule {
  id: string;
  subject: Subject;
  pattern: string;
  actions: readonly Action[];
}

export type Principal =
  | { kind: 'anonymous' }
  | { kind: 'user'; id: string; name: string; groups: readonly string[]; admin?: boolean }
  | { kind: 'service-account'; id: string; name: string };

export interface RequestedScope {
  type: string;
  name: string;
  actions: readonly string[];
}

export interface GrantedScope {
  type: string;
  name: string;
  actions: string[];
}

export interface ScopeExplanation {
  type: string;
  name: string;
  requested: string[];
  granted: string[];
  denied: string[];
  reasons: Array<
    { action: string; by: 'admin' } | { action: string; by: 'rule'; ruleId: string; subject: Subject; pattern: string }
  >;
}

export interface WhoCanEntry {
  subject: Subject;
  /** For rules with `{user}`: the caller the rule applies to. */
  ownName?: string;
  actions: Array<'pull' | 'push' | 'delete'>;
  ruleIds: string[];
}

interface CompiledRule {
  rule: Rule;
  pattern: CompiledPattern;
  mask: number;
}

interface PolicyInternals {
  readonly bySubject: ReadonlyMap<string, readonly CompiledRule[]>;
  readonly compiled: readonly CompiledRule[];
}

/** Only `compilePolicy` passes this to the constructor; `policy.constructor` cannot be used to forge a policy. */
const CONSTRUCT = Symbol('Policy.construct');
let createPolicy: (rules: readonly Rule[], internals: PolicyInternals) => Policy;
let internalsOf: (policy: unknown, caller: string) => PolicyInternals;

/**
 * Rules compiled by `compilePolicy`. Opaque: the compiled patterns and the subject index live in a private field,
 * so a plain object (`{ rules: [...] }`) is neither accepted by the type checker nor, at run time, by `evaluate`,
 * `explain` or `whoCan`, which throw `ERR_ACL_POLICY_INVALID` for it.
 */
export class Policy {
  /** The rules as given to `compilePolicy`, in order. */
  readonly rules: readonly Rule[];
  readonly #internals: PolicyInternals;

  private constructor(token: symbol, rules: readonly Rule[], internals: PolicyInternals) {
    if (token !== CONSTRUCT) throw new AclError('ERR_ACL_POLICY_INVALID', 'a Policy is made by compilePolicy only');
    this.rules = Object.freeze([...rules]);
    this.#internals = internals;
    Object.freeze(this);
  }

  static {
    createPolicy = (rules, internals) => new Policy(CONSTRUCT, rules, internals);
    internalsOf = (policy, caller) => {
      if (typeof policy !== 'object' || policy === null || !(#internals in policy)) {
        throw new AclError('ERR_ACL_POLICY_INVALID', `${caller}: expected a Policy made by compilePolicy`);
      }
      return policy.#internals;
    };
  }
}

const PULL = 1;
const PUSH = 2;
const DELETE = 4;
const ALL = PULL | PUSH | DELETE;
const BIT: Readonly<Record<string, number>> = { pull: PULL, push: PUSH, delete: DELETE, '*': ALL };
const BASIC_ACTIONS = [
  ['pull', PULL],
  ['push', PUSH],
  ['delete', DELETE],
] as const;

export function subjectKey(subject: Subject): string {
  return subject.kind === 'registered' || subject.kind === 'everyone' ? subject.kind : `${subject.kind}:${subject.id}`;
}

function principalKeys(principal: Principal): string[] {
  switch (principal.kind) {
    case 'anonymous':
      return ['everyone'];
    case 'user':
      return ['everyone', 'registered', `user:${principal.id}`, ...principal.groups.map((group) => `group:${group}`)];
    case 'service-account':
      return ['everyone', 'registered', `service-account:${principal.id}`];
  }
}

/**
 * `{user}` stands for a user's own login, and only a user's: a service account's name is not a personal namespace
 * (were it ever the same as a login, the account would get that user's repositories).
 */
function ownName(principal: Principal): string | undefined {
  return principal.kind === 'user' ? principal.name : undefined;
}

/** Repository scopes (`repository`, `repository(plugin)`) are decided by rules; other types only by the admin role. */
function isRepositoryType(type: string): boolean {
  return type === 'repository' || (type.startsWith('repository(') && type.endsWith(')'));
}

function isAdmin(principal: Principal): boolean {
  return principal.kind === 'user' && principal.admin === true;
}

/**
 * Compiles rules once: validates and compiles every pattern and indexes rules by subject.
 *
 * @example
 * const policy = compilePolicy([{ id: '1', subject: { kind: 'everyone' }, pattern: 'public/*', actions: ['pull'] }]);
 */
export function compilePolicy(rules: readonly Rule[]): Policy {
  const bySubject = new Map<string, CompiledRule[]>();
  const compiled: CompiledRule[] = [];
  for (const rule of rules) {
    let pattern: CompiledPattern;
    try {
      pattern = compilePattern(rule.pattern);
    } catch (error) {
      throw new AclError('ERR_ACL_PATTERN_INVALID', `rule ${rule.id}: ${(error as Error).message}`, { cause: error });
    }
    let mask = 0;
    for (const action of rule.actions) {
      const bit = BIT[action];
      if (bit === undefined) throw new AclError('ERR_ACL_RULE_INVALID', `rule ${rule.id}: unknown action "${action}"`);
      mask |= bit;
    }
    const entry = { rule, pattern, mask };
    compiled.push(entry);
    const key = subjectKey(rule.subject);
    const list = bySubject.get(key);
    if (list) list.push(entry);
    else bySubject.set(key, [entry]);
  }
  return createPolicy(rules, { bySubject, compiled });
}

function allowedMask(policy: PolicyInternals, keys: readonly string[], name: string, own: string | undefined): number {
  let mask = 0;
  for (const key of keys) {
    const rules = policy.bySubject.get(key);
    if (!rules) continue;
    for (const entry of rules) {
      if ((mask | entry.mask) !== mask && entry.pattern.matches(name, own)) {
        mask |= entry.mask;
        if (mask === ALL) return mask;
      }
    }
  }
  return mask;
}

function grantedActions(requested: readonly string[], mask: number): string[] {
  const granted: string[] = [];
  for (const action of requested) {
    const bit = BIT[action];
    if (bit !== undefined && (mask & bit) === bit && !granted.includes(action)) granted.push(action);
  }
  return granted;
}

function unique(actions: readonly string[]): string[] {
  return [...new Set(actions)];
}

/**
 * What each requested scope is granted: requested ∩ allowed, in the requested order. Denied scopes are kept with
 * no actions (the registry then refuses), never dropped.
 *
 * @example
 * evaluate(policy, { kind: 'anonymous' }, [{ type: 'repository', name: 'public/app', actions: ['pull', 'push'] }]);
 * // → [{ type: 'repository', name: 'public/app', actions: ['pull'] }]
 */
export function evaluate(policy: Policy, principal: Principal, requested: readonly RequestedScope[]): GrantedScope[] {
  const compiled = internalsOf(policy, 'evaluate');
  if (isAdmin(principal)) {
    return requested.map((scope) => ({ type: scope.type, name: scope.name, actions: unique(scope.actions) }));
  }
  const keys = principalKeys(principal);
  const own = ownName(principal);
  return requested.map((scope) => ({
    type: scope.type,
    name: scope.name,
    actions: isRepositoryType(scope.type)
      ? grantedActions(scope.actions, allowedMask(compiled, keys, scope.name, own))
      : [],
  }));
}

/**
 * The same decision as `evaluate`, with the rule (or the admin role) behind every granted action.
 *
 * @example
 * explain(policy, { kind: 'anonymous' }, [{ type: 'repository', name: 'public/app', actions: ['pull'] }])[0].reasons;
 */
export function explain(
  policy: Policy,
  principal: Principal,
  requested: readonly RequestedScope[],
): ScopeExplanation[] {
  const compiled = internalsOf(policy, 'explain');
  const admin = isAdmin(principal);
  const keys = principalKeys(principal);
  const own = ownName(principal);
  return requested.map((scope) => {
    const requestedActions = unique(scope.actions);
    const reasons: ScopeExplanation['reasons'] = [];
    let granted: string[];
    if (admin) {
      granted = requestedActions;
      for (const action of granted) reasons.push({ action, by: 'admin' });
    } else if (isRepositoryType(scope.type)) {
      let mask = 0;
      const matching: CompiledRule[] = [];
      for (const key of keys) {
        for (const entry of compiled.bySubject.get(key) ?? []) {
          if (entry.pattern.matches(scope.name, own)) {
            matching.push(entry);
            mask |= entry.mask;
          }
        }
      }
      granted = grantedActions(requestedActions, mask);
      for (const action of granted) {
        const bit = BIT[action] as number;
        for (const entry of matching) {
          if ((entry.mask & bit) === bit) {
            reasons.push({
              action,
              by: 'rule',
              ruleId: entry.rule.id,
              subject: entry.rule.subject,
              pattern: entry.rule.pattern,
            });
          }
        }
      }
    } else {
      granted = [];
    }
    return {
      type: scope.type,
      name: scope.name,
      requested: requestedActions,
      granted,
      denied: requestedActions.filter((action) => !granted.includes(action)),
      reasons,
    };
  });
}

/**
 * Every subject with rules matching `repository`, with the merged actions. Rules naming `{user}` apply per caller:
 * they are listed once for each of `ownNames` (the callers to consider, e.g. all user names) they match, with
 * `ownName` set. Admins are implicit.
 *
 * @example
 * whoCan(policy, 'public/app'); // → [{ subject: { kind: 'everyone' }, actions: ['pull'], ruleIds: ['1'] }]
 */
export function whoCan(
  policy: Policy,
  repository: string,
  options: { ownNames?: Iterable<string> } = {},
): WhoCanEntry[] {
  const compiled = internalsOf(policy, 'whoCan');
  const ownNames = [...(options.ownNames ?? [])];
  const entries = new Map<string, { subject: Subject; ownName?: string; mask: number; ruleIds: string[] }>();
  const add = (entry: CompiledRule, ownName?: string) => {
    const key = `${subjectKey(entry.rule.subject)}${ownName === undefined ? '' : `\0${ownName}`}`;
    const existing = entries.get(key);
    if (existing) {
      existing.mask |= entry.mask;
      existing.ruleIds.push(entry.rule.id);
    } else {
      entries.set(key, {
        subject: entry.rule.subject,
        ...(ownName === undefined ? {} : { ownName }),
        mask: entry.mask,
        ruleIds: [entry.rule.id],
      });
    }
  };
  for (const entry of compiled.compiled) {
    if (entry.pattern.source.includes('{user}')) {
      for (const name of ownNames) if (entry.pattern.matches(repository, name)) add(entry, name);
    } else if (entry.pattern.matches(repository)) {
      add(entry);
    }
  }
  return [...entries.values()].map(({ mask, ...rest }) => ({
    ...rest,
    actions: BASIC_ACTIONS.filter(([, bit]) => (mask & bit) === bit).map(([action]) => action),
  }));
}
