import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ACTIONS,
  AclError,
  type Action,
  compilePattern,
  compilePolicy,
  evaluate,
  explain,
  type Policy,
  type Principal,
  type RequestedScope,
  type Rule,
  validatePattern,
  whoCan,
} from './index';

const component = fc.stringMatching(/^[a-z0-9]{1,6}([._-][a-z0-9]{1,4})?$/);
const repoName = fc.array(component, { minLength: 1, maxLength: 4 }).map((parts) => parts.join('/'));
const actionList = fc.subarray(['pull', 'push', 'delete', '*'] as const, { minLength: 1 });
const anonymous: Principal = { kind: 'anonymous' };
const alice: Principal = { kind: 'user', id: '1', name: 'alice', groups: ['10'] };
const repo = (name: string, ...actions: string[]): RequestedScope => ({ type: 'repository', name, actions });

describe('patterns', () => {
  it('matches exact names only', () => {
    const pattern = compilePattern('team/app');
    expect(pattern.matches('team/app')).toBe(true);
    expect(pattern.matches('team/app2')).toBe(false);
    expect(pattern.matches('team')).toBe(false);
  });

  it('matches * within one segment and ** across segments', () => {
    expect(compilePattern('team/*').matches('team/app')).toBe(true);
    expect(compilePattern('team/*').matches('team/a/b')).toBe(false);
    expect(compilePattern('team/app-*').matches('team/app-web')).toBe(true);
    expect(compilePattern('team/**').matches('team/a/b/c')).toBe(true);
    expect(compilePattern('team/**').matches('team')).toBe(false);
    expect(compilePattern('**').matches('any/thing/at/all')).toBe(true);
    expect(compilePattern('*/base').matches('x/base')).toBe(true);
  });

  it('substitutes the own name literally and never matches without one', () => {
    const pattern = compilePattern('{user}/**');
    expect(pattern.matches('alice/tools', 'alice')).toBe(true);
    expect(pattern.matches('bob/tools', 'alice')).toBe(false);
    expect(pattern.matches('alice/tools')).toBe(false);
    expect(compilePattern('home/{user}').matches('home/a.b', 'a.b')).toBe(true);
    expect(compilePattern('home/{user}').matches('home/axb', 'a.b')).toBe(false);
  });

  it('matches for some own name: {user} is one non-empty name without "/", the same at every place', () => {
    const home = compilePattern('{user}/**');
    expect(home.matchesSomeOwnName('alice/tools')).toBe(true);
    expect(home.matchesSomeOwnName('a.b-c/x/y')).toBe(true);
    expect(home.matchesSomeOwnName('alice')).toBe(false);
    expect(home.matchesSomeOwnName('/tools')).toBe(false);
    const twice = compilePattern('home/{user}/{user}-*');
    expect(twice.matchesSomeOwnName('home/bob/bob-cache')).toBe(true);
    expect(twice.matchesSomeOwnName('home/bob/eve-cache')).toBe(false);
    // Backtracking finds the own name that fits, not only the longest one.
    expect(compilePattern('{user}-*/{user}').matchesSomeOwnName('a-b-c/a')).toBe(true);
    expect(compilePattern('{user}-*/{user}').matchesSomeOwnName('a-b-c/a-b')).toBe(true);
    // Without a placeholder it is plain matching.
    expect(compilePattern('team/*').matchesSomeOwnName('team/app')).toBe(true);
    expect(compilePattern('team/*').matchesSomeOwnName('team/a/b')).toBe(false);
    expect(compilePattern('team/app').matchesSomeOwnName('team/app')).toBe(true);
  });

  it('agrees with matches() for every own name that fits', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('{user}/**', 'x/{user}', '{user}-*/{user}', 'a/{user}/*'),
        fc.stringMatching(/^[a-z][a-z0-9.-]{0,6}$/),
        fc.stringMatching(/^[a-z0-9.-]{1,6}(\/[a-z0-9.-]{1,6}){0,3}$/),
        (source, own, other) => {
          const pattern = compilePattern(source);
          // A name made from the pattern with this own name matches both ways.
          const made = source.replaceAll('{user}', own).replaceAll('**', 'q/r').replaceAll('*', 'z');
          expect(pattern.matches(made, own)).toBe(true);
          expect(pattern.matchesSomeOwnName(made)).toBe(true);
          if (pattern.matches(other, own)) expect(pattern.matchesSomeOwnName(other)).toBe(true);
        },
      ),
    );
  });

  it('rejects invalid patterns with a message naming the problem', () => {
    expect(validatePattern('Team/app')).toContain('"T"');
    expect(validatePattern('a//b')).toMatch(/empty path segment/);
    expect(validatePattern('/a')).toMatch(/empty path segment/);
    expect(validatePattern('a/***')).toMatch(/\*\*\*/);
    expect(validatePattern('{admin}/x')).toMatch(/placeholder/);
    expect(validatePattern('x'.repeat(256))).toMatch(/255/);
    expect(validatePattern('')).toMatch(/empty/);
    expect(() => compilePattern('a b')).toThrow(AclError);
    try {
      compilePattern('a b');
    } catch (error) {
      expect((error as AclError).code).toBe('ERR_ACL_PATTERN_INVALID');
    }
  });

  it('property: an exact pattern matches only its own name', () => {
    fc.assert(
      fc.property(repoName, repoName, (a, b) => {
        expect(compilePattern(a).matches(b)).toBe(a === b);
      }),
    );
  });

  it('property: a segment replaced by * matches the name, and * never crosses /', () => {
    fc.assert(
      fc.property(fc.array(component, { minLength: 1, maxLength: 4 }), fc.nat(), component, (parts, index, extra) => {
        const i = index % parts.length;
        const pattern = parts.map((part, j) => (j === i ? '*' : part)).join('/');
        expect(compilePattern(pattern).matches(parts.join('/'))).toBe(true);
        const deeper = parts.map((part, j) => (j === i ? `${part}/${extra}` : part)).join('/');
        expect(compilePattern(pattern).matches(deeper)).toBe(false);
      }),
    );
  });

  it('property: prefix/** matches every name below the prefix and nothing else', () => {
    fc.assert(
      fc.property(repoName, repoName, repoName, (prefix, rest, other) => {
        const pattern = compilePattern(`${prefix}/**`);
        expect(pattern.matches(`${prefix}/${rest}`)).toBe(true);
        expect(pattern.matches(other)).toBe(other.startsWith(`${prefix}/`));
      }),
    );
  });
});

describe('decisions', () => {
  const rules: Rule[] = [
    { id: '1', subject: { kind: 'everyone' }, pattern: 'public/*', actions: ['pull'] },
    { id: '2', subject: { kind: 'registered' }, pattern: 'internal/**', actions: ['pull'] },
    { id: '3', subject: { kind: 'user', id: '1' }, pattern: 'team/app', actions: ['pull'] },
    { id: '4', subject: { kind: 'group', id: '10' }, pattern: 'team/*', actions: ['push'] },
    { id: '5', subject: { kind: 'registered' }, pattern: '{user}/**', actions: ['*'] },
    { id: '6', subject: { kind: 'service-account', id: '7' }, pattern: 'ci/**', actions: ['pull', 'push'] },
  ];
  const policy = compilePolicy(rules);

  it('intersects every requested action with the union of matching rules', () => {
    expect(evaluate(policy, alice, [repo('team/app', 'pull', 'push', 'delete')])).toEqual([
      { type: 'repository', name: 'team/app', actions: ['pull', 'push'] },
    ]);
  });

  it('never grants push on pull-only rights, whatever the order of the requested actions', () => {
    const bob: Principal = { kind: 'user', id: '2', name: 'bob', groups: [] };
    expect(evaluate(policy, bob, [repo('public/x', 'push', 'pull')])[0]?.actions).toEqual(['pull']);
    expect(evaluate(policy, bob, [repo('public/x', 'push')])[0]?.actions).toEqual([]);
  });

  it('decides every scope separately and keeps denied scopes with no actions', () => {
    expect(
      evaluate(policy, anonymous, [repo('public/a', 'pull'), repo('internal/a', 'pull'), repo('x/y', 'pull')]),
    ).toEqual([
      { type: 'repository', name: 'public/a', actions: ['pull'] },
      { type: 'repository', name: 'internal/a', actions: [] },
      { type: 'repository', name: 'x/y', actions: [] },
    ]);
  });

  it('gives registered subjects to users and service accounts, and public repositories to everybody', () => {
    const ci: Principal = { kind: 'service-account', id: '7', name: 'ci' };
    expect(evaluate(policy, ci, [repo('internal/a', 'pull')])[0]?.actions).toEqual(['pull']);
    expect(evaluate(policy, ci, [repo('ci/build', 'push')])[0]?.actions).toEqual(['push']);
    expect(evaluate(policy, alice, [repo('public/a', 'pull')])[0]?.actions).toEqual(['pull']);
  });

  it('expands {user} for users only: a service account gets nothing from a {user} rule, even named like a user', () => {
    const namedLikeAlice: Principal = { kind: 'service-account', id: '7', name: 'alice' };
    expect(evaluate(policy, alice, [repo('alice/app', 'pull', 'push')])[0]?.actions).toEqual(['pull', 'push']);
    expect(evaluate(policy, namedLikeAlice, [repo('alice/app', 'pull', 'push', 'delete')])[0]?.actions).toEqual([]);
    expect(explain(policy, namedLikeAlice, [repo('alice/app', 'pull')])[0]?.reasons).toEqual([]);
    // A {user} rule naming the service account itself as subject grants nothing either.
    const own = compilePolicy([
      { id: '1', subject: { kind: 'service-account', id: '7' }, pattern: '{user}/**', actions: ['pull'] },
    ]);
    expect(evaluate(own, namedLikeAlice, [repo('alice/app', 'pull')])[0]?.actions).toEqual([]);
    // Its own rules without {user} still apply.
    expect(evaluate(policy, namedLikeAlice, [repo('ci/build', 'push')])[0]?.actions).toEqual(['push']);
  });

  it('grants * only when pull, push and delete are all allowed', () => {
    expect(evaluate(policy, alice, [repo('alice/x', '*')])[0]?.actions).toEqual(['*']);
    expect(evaluate(policy, alice, [repo('team/app', '*')])[0]?.actions).toEqual([]);
  });

  it('handles repository(plugin) like repository, other types only for admins', () => {
    expect(
      evaluate(policy, anonymous, [{ type: 'repository(plugin)', name: 'public/p', actions: ['pull'] }])[0]?.actions,
    ).toEqual(['pull']);
    expect(evaluate(policy, alice, [{ type: 'registry', name: 'catalog', actions: ['*'] }])[0]?.actions).toEqual([]);
    const admin: Principal = { ...alice, admin: true };
    expect(evaluate(policy, admin, [{ type: 'registry', name: 'catalog', actions: ['*'] }])[0]?.actions).toEqual(['*']);
    expect(evaluate(policy, admin, [repo('any/thing', 'pull', 'push', 'delete', 'pull')])[0]?.actions).toEqual([
      'pull',
      'push',
      'delete',
    ]);
  });

  it('explains which rule granted which action', () => {
    const [explanation] = explain(policy, alice, [repo('team/app', 'pull', 'push', 'delete')]);
    expect(explanation?.granted).toEqual(['pull', 'push']);
    expect(explanation?.denied).toEqual(['delete']);
    expect(explanation?.reasons).toEqual([
      { action: 'pull', by: 'rule', ruleId: '3', subject: { kind: 'user', id: '1' }, pattern: 'team/app' },
      { action: 'push', by: 'rule', ruleId: '4', subject: { kind: 'group', id: '10' }, pattern: 'team/*' },
    ]);
  });

  it('lists who can access a repository', () => {
    expect(whoCan(policy, 'team/app')).toEqual([
      { subject: { kind: 'user', id: '1' }, actions: ['pull'], ruleIds: ['3'] },
      { subject: { kind: 'group', id: '10' }, actions: ['push'], ruleIds: ['4'] },
    ]);
    expect(whoCan(policy, 'alice/tools', { ownNames: ['alice', 'bob'] })).toEqual([
      { subject: { kind: 'registered' }, ownName: 'alice', actions: ['pull', 'push', 'delete'], ruleIds: ['5'] },
    ]);
    expect(whoCan(policy, 'public/x')).toEqual([{ subject: { kind: 'everyone' }, actions: ['pull'], ruleIds: ['1'] }]);
  });

  it('names the rule of an invalid pattern', () => {
    expect(() =>
      compilePolicy([{ id: '9', subject: { kind: 'everyone' }, pattern: 'BAD', actions: ['pull'] }]),
    ).toThrow(/rule 9/);
  });

  const ruleArb = fc.record({
    id: fc.uuid(),
    subject: fc.constantFrom<Rule['subject']>(
      { kind: 'everyone' },
      { kind: 'registered' },
      { kind: 'user', id: '1' },
      { kind: 'group', id: '10' },
      { kind: 'user', id: '2' },
    ),
    pattern: fc.oneof(
      repoName,
      repoName.map((n) => `${n}/*`),
      repoName.map((n) => `${n.split('/')[0]}/**`),
      fc.constant('**'),
    ),
    actions: actionList,
  });
  const scopeArb = fc.record({
    type: fc.constant('repository'),
    name: repoName,
    actions: fc.subarray(['pull', 'push', 'delete', '*', 'bogus']),
  });
  const principalArb = fc.constantFrom<Principal>(anonymous, alice, { kind: 'user', id: '2', name: 'bob', groups: [] });

  it('property: grants are a subset of the request, explain agrees with evaluate, and adding a rule never removes a grant', () => {
    fc.assert(
      fc.property(
        fc.array(ruleArb, { maxLength: 8 }),
        ruleArb,
        fc.array(scopeArb, { maxLength: 4 }),
        principalArb,
        (base, extra, scopes, principal) => {
          const before = evaluate(compilePolicy(base), principal, scopes);
          const explained = explain(compilePolicy(base), principal, scopes);
          const after = evaluate(compilePolicy([...base, extra]), principal, scopes);
          before.forEach((granted, i) => {
            const requested = scopes[i]?.actions ?? [];
            for (const action of granted.actions) expect(requested).toContain(action);
            expect(explained[i]?.granted).toEqual(granted.actions);
            for (const action of granted.actions) expect(after[i]?.actions).toContain(action);
          });
        },
      ),
    );
  });
});

describe('the compiled policy is opaque', () => {
  const rules: Rule[] = [{ id: '1', subject: { kind: 'everyone' }, pattern: 'public/*', actions: ['pull'] }];
  const codeOf = (fn: () => unknown) => {
    try {
      fn();
    } catch (error) {
      return error instanceof AclError ? error.code : `not an AclError: ${String(error)}`;
    }
    return 'no error';
  };

  it('evaluate, explain and whoCan refuse anything compilePolicy did not make, with ERR_ACL_POLICY_INVALID', () => {
    const forged = [
      { rules: [] },
      { rules },
      { rules, bySubject: new Map(), compiled: [] },
      Object.create(Object.getPrototypeOf(compilePolicy(rules))),
      null,
      undefined,
      'policy',
    ] as unknown as Policy[];
    for (const policy of forged) {
      expect(codeOf(() => evaluate(policy, anonymous, [repo('public/app', 'pull')]))).toBe('ERR_ACL_POLICY_INVALID');
      // The admin short-cut does not skip the check.
      expect(codeOf(() => evaluate(policy, { ...alice, admin: true }, []))).toBe('ERR_ACL_POLICY_INVALID');
      expect(codeOf(() => explain(policy, anonymous, [repo('public/app', 'pull')]))).toBe('ERR_ACL_POLICY_INVALID');
      expect(codeOf(() => whoCan(policy, 'public/app'))).toBe('ERR_ACL_POLICY_INVALID');
    }
    // biome-ignore lint/suspicious/noExplicitAny: the untyped caller the check exists for
    expect(() => evaluate({ rules: [] } as any, anonymous, [])).toThrow(
      /evaluate: expected a Policy made by compilePolicy/,
    );
  });

  it('a plain object is not a Policy for the type checker', () => {
    // @ts-expect-error a structurally similar object lacks the private field
    const plain: Policy = { rules };
    expect(codeOf(() => evaluate(plain, anonymous, []))).toBe('ERR_ACL_POLICY_INVALID');
  });

  it('the constructor cannot be reached to forge one', () => {
    const Constructor = compilePolicy(rules).constructor as new (...args: unknown[]) => Policy;
    expect(codeOf(() => new Constructor(Symbol('Policy.construct'), rules, {}))).toBe('ERR_ACL_POLICY_INVALID');
  });

  it('a compiled policy keeps a frozen copy of its rules', () => {
    const input = [...rules];
    const policy = compilePolicy(input);
    input.push({ id: '2', subject: { kind: 'everyone' }, pattern: 'x', actions: ['push'] });
    expect(policy.rules.map((rule) => rule.id)).toEqual(['1']);
    expect(Object.isFrozen(policy.rules)).toBe(true);
    expect(evaluate(policy, anonymous, [repo('public/app', 'pull')])[0]?.actions).toEqual(['pull']);
  });
});

describe('errors', () => {
  it('a rule with a bad pattern names the rule and keeps the pattern error as its cause', () => {
    let caught: unknown;
    try {
      compilePolicy([{ id: 'r9', subject: { kind: 'everyone' }, pattern: 'Bad Pattern', actions: ['pull'] }]);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(AclError);
    const error = caught as AclError;
    expect(error.code).toBe('ERR_ACL_PATTERN_INVALID');
    expect(error.message).toMatch(/^rule r9: /);
    expect(error.cause).toBeInstanceOf(AclError);
    expect((error.cause as AclError).code).toBe('ERR_ACL_PATTERN_INVALID');
  });

  it('passes ErrorOptions through', () => {
    const cause = new Error('root');
    expect(new AclError('ERR_ACL_RULE_INVALID', 'x', { cause }).cause).toBe(cause);
    expect(new AclError('ERR_ACL_RULE_INVALID', 'x').cause).toBeUndefined();
  });
});

describe('actions', () => {
  it('are a frozen readonly tuple that Action is derived from', () => {
    const tuple: readonly ['pull', 'push', 'delete', '*'] = ACTIONS;
    const first: Action = ACTIONS[0];
    expect(tuple).toEqual(['pull', 'push', 'delete', '*']);
    expect(first).toBe('pull');
    expect(Object.isFrozen(ACTIONS)).toBe(true);
    // @ts-expect-error not an action
    const bogus: Action = 'steal';
    expect(ACTIONS).not.toContain(bogus);
    // @ts-expect-error the tuple is readonly
    expect(() => ACTIONS.push('steal')).toThrow(TypeError);
  });
});
