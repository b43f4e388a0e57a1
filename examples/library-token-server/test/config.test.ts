/** The configuration file: a valid one in full, and each kind of mistake refused with the key it is about. */
import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../src/config';
import { createRuleAuthorizer } from '../src/rule-authorizer';

const HASH = '$2b$04$abcdefghijklmnopqrstuu5FvV4c1TQ8b2iY1o7.kaN/mCwWpIa8G';

describe('parseConfig', () => {
  it('reads users, rules and defaults, with paths relative to the file', () => {
    const config = parseConfig(
      `service: reg
users:
  alice: { passwordHash: "${HASH}", groups: [team], readOnly: true }
rules:
  - { subject: { user: alice }, pattern: "team/**", actions: [pull, push] }
  - { subject: everyone, pattern: "public/*", actions: [pull] }
`,
      '/etc/token-server',
    );
    expect(config).toMatchObject({
      host: '127.0.0.1',
      port: 5001,
      service: 'reg',
      issuer: 'library-token-server',
      tokenTtlSeconds: 300,
      certsDir: '/etc/token-server/certs',
    });
    expect(config.users.get('alice')).toEqual({ passwordHash: HASH, groups: ['team'], admin: false, readOnly: true });
    expect(config.rules).toEqual([
      { id: '1', subject: { kind: 'user', id: 'alice' }, pattern: 'team/**', actions: ['pull', 'push'] },
      { id: '2', subject: { kind: 'everyone' }, pattern: 'public/*', actions: ['pull'] },
    ]);
  });

  it.each([
    ['', 'expected a mapping at the top level'],
    ['service: reg\nlisten: 1', 'config: unknown key "listen"'],
    ['port: 80', 'service: expected a non-empty string'],
    ['service: reg\nport: 70000', 'port: expected an integer from 0 to 65535'],
    ['service: reg\ntokenTtlSeconds: 90.5', 'tokenTtlSeconds: expected an integer from 60 to 86400'],
    ['service: reg\nusers: { bob: { passwordHash: plain } }', 'users.bob.passwordHash: expected a bcrypt hash'],
    ['service: reg\nusers: { bob: { password: x } }', 'users.bob: unknown key "password"'],
    ['service: reg\nrules: [{ subject: { user: eve }, pattern: a, actions: [pull] }]', 'unknown user "eve"'],
    ['service: reg\nrules: [{ subject: admins, pattern: a, actions: [pull] }]', 'rules[0].subject: expected'],
    ['service: reg\nrules: [{ subject: everyone, pattern: a, actions: [] }]', 'rules[0].actions: expected at least'],
    ['service: [', 'not valid YAML'],
  ])('refuses %j', (source, message) => {
    expect(() => parseConfig(source, '/')).toThrow(ConfigError);
    expect(() => parseConfig(source, '/')).toThrow(message);
  });
});

describe('createRuleAuthorizer', () => {
  it('refuses a rule acl cannot compile as a configuration error', () => {
    const rules = parseConfig(
      'service: reg\nrules: [{ subject: everyone, pattern: "Bad Name", actions: [pull] }]',
      '/',
    ).rules;
    expect(() => createRuleAuthorizer(rules)).toThrow(ConfigError);
    const actions = parseConfig('service: reg\nrules: [{ subject: everyone, pattern: a, actions: [fly] }]', '/').rules;
    expect(() => createRuleAuthorizer(actions)).toThrow(/rules: .*fly/);
  });

  it('authorizes anonymous callers as acl anonymous', async () => {
    const { rules } = parseConfig(
      'service: reg\nrules: [{ subject: everyone, pattern: "public/*", actions: [pull] }]',
      '/',
    );
    const scopes = [{ type: 'repository', name: 'public/app', actions: ['pull', 'push'] }];
    expect(await createRuleAuthorizer(rules).authorize(undefined, scopes)).toEqual([
      { type: 'repository', name: 'public/app', actions: ['pull'] },
    ]);
  });
});
