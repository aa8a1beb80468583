import { fieldError } from './errors';

/** The dates the API and the CLIs take, in words. */
export const ISO_DATE_ALLOWED = 'an ISO 8601 date such as 2026-11-18 or date-time such as 2026-11-18T09:30:00Z';

const ISO_DATE = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/;

/**
 * An ISO 8601 date (`2026-11-18`, read as midnight UTC) or date-time
 * (`2026-11-18T09:30:00Z`) as epoch milliseconds, or null for anything else,
 * including impossible dates such as 2026-02-30.
 */
export function parseIsoDate(value: unknown): number | null {
  if (typeof value !== 'string' || !ISO_DATE.test(value)) return null;
  const dateOnly = value.length === 10;
  const ms = Date.parse(dateOnly ? `${value}T00:00:00Z` : value.replace(' ', 'T'));
  if (Number.isNaN(ms)) return null;
  // Date.parse rolls 2026-02-30 over to March; compare the calendar day back.
  const [y, m, d] = value.slice(0, 10).split('-').map(Number) as [number, number, number];
  // Date.UTC reads years 0-99 as 1900-1999; setUTCFullYear takes the year as written (0001 is year 1).
  const check = new Date(0);
  check.setUTCFullYear(y, m - 1, d);
  if (check.getUTCFullYear() !== y || check.getUTCMonth() !== m - 1 || check.getUTCDate() !== d) return null;
  return ms;
}

/** Like parseIsoDate, but refuses anything else with InvalidDate naming `field`. */
export function readDate(value: unknown, field: string): number {
  const ms = parseIsoDate(value);
  if (ms === null) throw fieldError('InvalidDate', field, ISO_DATE_ALLOWED, value);
  return ms;
}
