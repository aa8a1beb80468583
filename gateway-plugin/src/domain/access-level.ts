/** The two access levels a grant can give, from least to most. */
export const ACCESS_LEVELS = ['Diagnostics', 'DiagnosticsRepair'] as const;
export type AccessLevel = (typeof ACCESS_LEVELS)[number];

export function isAccessLevel(value: unknown): value is AccessLevel {
  return typeof value === 'string' && (ACCESS_LEVELS as readonly string[]).includes(value);
}

/** Levels that `level` includes: DiagnosticsRepair includes Diagnostics. */
export function levelsIncludedBy(level: AccessLevel): AccessLevel[] {
  return ACCESS_LEVELS.slice(0, ACCESS_LEVELS.indexOf(level) + 1);
}
