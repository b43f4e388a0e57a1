/**
 * The registry's resource scope grammar (`type:name:action,action`, several separated by spaces). The name may carry
 * a `host:port/` prefix, so the type is split off the front and the actions off the back, never on the first colons.
 */
import { TokenServiceError } from './errors';

export interface ResourceScope {
  type: string;
  name: string;
  actions: string[];
}

const TYPE = /^[a-z0-9]+(?:\([a-z0-9]+\))?$/;
const HOST_COMPONENT = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const COMPONENT = '[a-z0-9]+(?:(?:[._]|__|[-]*)[a-z0-9]+)*';
const NAME = new RegExp(`^(?:${HOST_COMPONENT}(?:\\.${HOST_COMPONENT})*(?::[0-9]+)?/)?${COMPONENT}(?:/${COMPONENT})*$`);
const ACTION = /^(?:[a-z]*|\*)$/;
const MAX_NAME_LENGTH = 255;
const MAX_SCOPE_LENGTH = 1024;

const quote = (text: string) => JSON.stringify(text.length > 300 ? `${text.slice(0, 300)}…` : text);

function invalid(scope: string, reason: string): TokenServiceError {
  return new TokenServiceError('ERR_SCOPE_INVALID', `invalid scope ${quote(scope)}: ${reason}`);
}

function parseResourceScope(scope: string): ResourceScope {
  if (scope.length > MAX_SCOPE_LENGTH) throw invalid(scope, `longer than ${MAX_SCOPE_LENGTH} characters`);
  const first = scope.indexOf(':');
  const last = scope.lastIndexOf(':');
  if (first <= 0 || last === first) throw invalid(scope, 'expected type:name:actions');
  const type = scope.slice(0, first);
  const name = scope.slice(first + 1, last);
  const actionList = scope.slice(last + 1);
  if (!TYPE.test(type)) throw invalid(scope, `resource type ${quote(type)} is invalid`);
  if (name.length === 0) throw invalid(scope, 'resource name is empty');
  if (name.length > MAX_NAME_LENGTH) throw invalid(scope, `resource name is longer than ${MAX_NAME_LENGTH} characters`);
  if (!NAME.test(name)) throw invalid(scope, `resource name ${quote(name)} is invalid`);
  const actions: string[] = [];
  if (actionList.length > 0) {
    for (const action of actionList.split(',')) {
      if (!ACTION.test(action) || action.length > 32) throw invalid(scope, `action ${quote(action)} is invalid`);
      if (action.length > 0 && !actions.includes(action)) actions.push(action);
    }
  }
  return { type, name, actions };
}

/**
 * Parses one `scope` value, which may hold several space-separated scopes.
 *
 * @example
 * parseScope('repository:localhost:5000/team/app:pull,push');
 * // → [{ type: 'repository', name: 'localhost:5000/team/app', actions: ['pull', 'push'] }]
 */
export function parseScope(value: string): ResourceScope[] {
  return value
    .split(' ')
    .filter((part) => part.length > 0)
    .map(parseResourceScope);
}

/**
 * Parses every `scope` parameter of a request (repeated or not) and merges scopes naming the same resource.
 *
 * @example
 * parseScopes(['repository:a:pull', 'repository:a:push repository:b:pull']);
 * // → [{ type: 'repository', name: 'a', actions: ['pull', 'push'] }, { type: 'repository', name: 'b', actions: ['pull'] }]
 */
export function parseScopes(values: readonly string[] | string | undefined): ResourceScope[] {
  if (values === undefined) return [];
  const list = typeof values === 'string' ? [values] : values;
  const merged: ResourceScope[] = [];
  const byKey = new Map<string, ResourceScope>();
  for (const value of list) {
    for (const scope of parseScope(value)) {
      const key = `${scope.type}\0${scope.name}`;
      const existing = byKey.get(key);
      if (existing) {
        for (const action of scope.actions) if (!existing.actions.includes(action)) existing.actions.push(action);
      } else {
        byKey.set(key, scope);
        merged.push(scope);
      }
    }
  }
  return merged;
}

/**
 * @example
 * formatScope({ type: 'repository', name: 'a/b', actions: ['pull', 'push'] }); // → 'repository:a/b:pull,push'
 */
export function formatScope(scope: { type: string; name: string; actions: readonly string[] }): string {
  return `${scope.type}:${scope.name}:${scope.actions.join(',')}`;
}
