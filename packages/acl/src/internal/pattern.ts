/**
 * Repository name patterns: exact names, `*` within one path segment, `**` across segments, and `{user}` for the
 * caller's own name. Each pattern is compiled once to a RegExp (or to a plain string when it has no wildcard).
 */
import { AclError } from './errors';

export const OWN_NAME_PLACEHOLDER = '{user}';

export interface CompiledPattern {
  readonly source: string;
  /** True when `name` matches; `ownName` replaces `{user}` (patterns with `{user}` never match without it). */
  matches(name: string, ownName?: string): boolean;
  /**
   * True when `name` matches for some own name: `{user}` stands for any non-empty text without `/` (a login), the
   * same text at every `{user}`. Without `{user}` it is `matches(name)`. For previews of a rule over many callers.
   */
  matchesSomeOwnName(name: string): boolean;
}

const SEGMENT_CHARS = /^[a-z0-9._*-]+$/;

/** undefined when the pattern is valid, otherwise a message naming what is wrong. */
export function validatePattern(pattern: string): string | undefined {
  if (typeof pattern !== 'string' || pattern.length === 0) return 'pattern must not be empty';
  if (pattern.length > 255) return 'pattern must be at most 255 characters';
  if (pattern.includes('***')) return `pattern "${pattern}" contains "***"; use "*" or "**"`;
  const withoutPlaceholder = pattern.split(OWN_NAME_PLACEHOLDER).join('x');
  if (/[{}]/.test(withoutPlaceholder)) return `pattern "${pattern}": the only placeholder is ${OWN_NAME_PLACEHOLDER}`;
  const segments = withoutPlaceholder.split('/');
  for (const segment of segments) {
    if (segment.length === 0) return `pattern "${pattern}" has an empty path segment`;
    if (!SEGMENT_CHARS.test(segment)) {
      const bad = [...segment].find((c) => !/[a-z0-9._*-]/.test(c));
      return `pattern "${pattern}" contains "${bad}"; allowed are a-z 0-9 . _ - / * ** and ${OWN_NAME_PLACEHOLDER}`;
    }
  }
  return undefined;
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

function toRegExpSource(pattern: string): string {
  let out = '';
  for (let i = 0; i < pattern.length; ) {
    if (pattern.startsWith('**', i)) {
      out += '.*';
      i += 2;
    } else if (pattern[i] === '*') {
      out += '[^/]*';
      i += 1;
    } else {
      out += escapeRegExp(pattern[i] as string);
      i += 1;
    }
  }
  return out;
}

export function compilePattern(pattern: string): CompiledPattern {
  const problem = validatePattern(pattern);
  if (problem) throw new AclError('ERR_ACL_PATTERN_INVALID', problem);
  const hasWildcard = pattern.includes('*');
  const hasPlaceholder = pattern.includes(OWN_NAME_PLACEHOLDER);
  if (!hasWildcard && !hasPlaceholder) {
    const matches = (name: string) => name === pattern;
    return { source: pattern, matches, matchesSomeOwnName: matches };
  }
  if (!hasPlaceholder) {
    const regexp = new RegExp(`^${toRegExpSource(pattern)}$`);
    const matches = (name: string) => regexp.test(name);
    return { source: pattern, matches, matchesSomeOwnName: matches };
  }
  // The own name is substituted literally; one RegExp per distinct own name is cached.
  const parts = pattern.split(OWN_NAME_PLACEHOLDER).map(toRegExpSource);
  const cache = new Map<string, RegExp>();
  // Any own name: the first `{user}` captures it, every later one must repeat it (a backreference).
  const [first, ...rest] = parts;
  const anyOwnName = new RegExp(`^${first ?? ''}(?<own>[^/]+)${rest.join('\\k<own>')}$`);
  return {
    source: pattern,
    matchesSomeOwnName: (name) => anyOwnName.test(name),
    matches(name, ownName) {
      if (!ownName) return false;
      let regexp = cache.get(ownName);
      if (!regexp) {
        regexp = new RegExp(`^${parts.join(escapeRegExp(ownName))}$`);
        if (cache.size > 10_000) cache.clear();
        cache.set(ownName, regexp);
      }
      return regexp.test(name);
    },
  };
}
