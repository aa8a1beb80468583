import { createError, fieldError, RemoteSupportError } from './errors';

/**
 * Small, strict readers for request input. Each names the field it rejects
 * and what the field accepts, and never coerces silently.
 */

/** Checks that `body` is a plain object whose keys are all in `allowed`. */
export function readObject(body: unknown, allowed: readonly string[]): Record<string, unknown> {
  if (body === undefined || body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw createError('InvalidBody', `The request body must be a JSON object with the fields ${allowed.join(', ')}`);
  }
  for (const key of Object.keys(body)) {
    if (!allowed.includes(key)) {
      throw new RemoteSupportError(
        'UnknownField',
        `${key} is not a field of this request; the fields are ${allowed.join(', ')}`,
        key,
        allowed.join(', '),
      );
    }
  }
  return body as Record<string, unknown>;
}

/** A boolean from JSON (true/false) or a query string ("true"/"false"). */
export function readBoolean(value: unknown, field: string, fallback: boolean): boolean {
  if (value === undefined || value === '') return fallback;
  if (value === true || value === 'true') return true;
  if (value === false || value === 'false') return false;
  throw fieldError('InvalidBoolean', field, 'true or false', value);
}

const ISO_DATE = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/;

/**
 * An ISO 8601 date (`2026-11-18`, read as midnight UTC) or date-time
 * (`2026-11-18T09:30:00Z`). Anything else, including impossible dates such as
 * 2026-02-30, is refused.
 */
export function readDate(value: unknown, field: string): number {
  const allowed = 'an ISO 8601 date such as 2026-11-18 or date-time such as 2026-11-18T09:30:00Z';
  if (typeof value !== 'string' || !ISO_DATE.test(value)) throw fieldError('InvalidDate', field, allowed, value);
  const dateOnly = value.length === 10;
  const ms = Date.parse(dateOnly ? `${value}T00:00:00Z` : value.replace(' ', 'T'));
  if (Number.isNaN(ms)) throw fieldError('InvalidDate', field, allowed, value);
  // Date.parse rolls 2026-02-30 over to March; compare the calendar day back.
  const [y, m, d] = value.slice(0, 10).split('-').map(Number) as [number, number, number];
  const check = new Date(Date.UTC(y, m - 1, d));
  if (check.getUTCFullYear() !== y || check.getUTCMonth() !== m - 1 || check.getUTCDate() !== d) {
    throw fieldError('InvalidDate', field, allowed, value);
  }
  return ms;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;

export function isUuid(value: unknown): value is string {
  return typeof value === 'string' && UUID.test(value);
}

/** A whole number within [min, max] from JSON or a query string. */
export function readInteger(value: unknown, field: string, min: number, max: number, fallback: number): number {
  if (value === undefined || value === '') return fallback;
  const n = typeof value === 'string' && /^-?\d{1,10}$/.test(value) ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < min || n > max) {
    throw fieldError('InvalidPaging', field, `an integer from ${min} to ${max}`, value);
  }
  return n;
}
