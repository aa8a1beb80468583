import { Kind, SchemaOptions, TSchema, Type, TypeRegistry } from '@sinclair/typebox';
import { parseIsoDate } from '../domain/dates';
import { ErrorCode } from '../domain/errors';
import { decodeCursor } from '../domain/list-page';

/** The schema keyword naming the catalog error a bad value of a field raises (an OpenAPI extension). */
export const ERROR_CODE = 'x-error-code';
/** The schema keyword saying, in words, what a field accepts: error messages quote it. */
export const ALLOWED = 'x-allowed';

/**
 * A field of a request or a channel message: its schema, the catalog error a
 * bad value raises, and what it accepts in words, so a validation error reads
 * like the catalog's hand-written ones.
 */
export function field<T extends TSchema>(schema: T, code: ErrorCode, allowed: string): T {
  return { ...schema, [ERROR_CODE]: code, [ALLOWED]: allowed };
}

/** String formats the contract defines beyond JSON Schema's own. */
export const FORMATS: Record<string, (value: string) => boolean> = {
  /** Text with at least one letter, digit or underscore: something a full-text search can match. */
  'search-text': (value) => /[\p{L}\p{N}_]/u.test(value),
  /** An ISO 8601 date or date-time that exists on the calendar (the domain's rule). */
  'iso-date': (value) => parseIsoDate(value) !== null,
  /** A list's nextCursor, as the gateway wrote it. */
  'page-cursor': (value) => decodeCursor(value) !== null,
};

if (!TypeRegistry.Has('StringEnum')) {
  TypeRegistry.Set<{ enum: readonly string[] }>('StringEnum', (schema, value) => typeof value === 'string' && schema.enum.includes(value));
}

/** One of a fixed list of strings: a plain JSON Schema `enum`, so OpenAPI and the generated types show it as one. */
export function StringEnum<T extends string>(values: readonly T[], options: SchemaOptions = {}) {
  return Type.Unsafe<T>({ [Kind]: 'StringEnum', type: 'string', enum: [...values], ...options });
}
