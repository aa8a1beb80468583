import type { ParameterValue } from '../policy/command-table';

/**
 * PowerShell's name matching for the simulated cmdlets: `*` and `?`
 * wildcards, compared without case; a name without wildcards must match
 * exactly (still without case) and, when nothing matches it, the cmdlet
 * reports an error for that name.
 */

export function hasWildcard(pattern: string): boolean {
  return /[*?]/.test(pattern);
}

/** Whether `text` matches a PowerShell wildcard pattern, without case. */
export function wildcardMatch(pattern: string, text: string): boolean {
  const source = pattern
    .split('')
    .map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|[\]\\]/g, '\\$&')))
    .join('');
  return new RegExp(`^${source}$`, 'is').test(text);
}

/** A string-or-list parameter value as a list; undefined when the parameter is absent. */
export function valueList(value: ParameterValue | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  if (Array.isArray(value)) return [...(value as readonly string[])];
  return [String(value)];
}

/**
 * Keeps the items whose name matches any of the patterns (all items when
 * `patterns` is undefined), in the items' order, and lists the patterns
 * without wildcards that matched nothing.
 */
export function filterByName<T>(items: readonly T[], nameOf: (item: T) => string | null | undefined, patterns: readonly string[] | undefined): { items: T[]; missing: string[] } {
  if (!patterns) return { items: [...items], missing: [] };
  const kept = items.filter((item) => {
    const name = nameOf(item);
    return name != null && patterns.some((p) => wildcardMatch(p, name));
  });
  const missing = patterns.filter((p) => !hasWildcard(p) && !kept.some((item) => wildcardMatch(p, nameOf(item) ?? '')));
  return { items: kept, missing };
}

/** Compares enum-like values the way their parameter and display forms differ: `AutoSelect` equals `Auto-Select`. */
export function sameEnumValue(a: string, b: string): boolean {
  const norm = (s: string) => s.replace(/[^A-Za-z0-9]/g, '').toLowerCase();
  return norm(a) === norm(b);
}
