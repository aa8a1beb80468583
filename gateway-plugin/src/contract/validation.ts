import { FormatRegistry, TSchema } from '@sinclair/typebox';
import { TypeCompiler, TypeCheck } from '@sinclair/typebox/compiler';
import { ValueError, ValueErrorType } from '@sinclair/typebox/errors';
import { createError, ErrorCode, fieldError, RemoteSupportError } from '../domain/errors';
import { ALLOWED, ERROR_CODE, FORMATS } from './field';

for (const [name, check] of Object.entries(FORMATS)) if (!FormatRegistry.Has(name)) FormatRegistry.Set(name, check);

/** Where a validated value comes from: it decides the error for a value that is not an object at all, and whether strings are read as numbers. */
export type InputPart = 'body' | 'querystring' | 'params' | 'channel';

/** How a part reports problems that its schema does not name a code for. */
const PART_CODES: Record<InputPart, { whole: ErrorCode; required: ErrorCode; other: ErrorCode }> = {
  body: { whole: 'InvalidBody', required: 'FieldRequired', other: 'InvalidBody' },
  querystring: { whole: 'InvalidBody', required: 'FieldRequired', other: 'InvalidBody' },
  params: { whole: 'InvalidBody', required: 'FieldRequired', other: 'InvalidBody' },
  channel: { whole: 'InvalidChannelMessage', required: 'InvalidChannelMessage', other: 'InvalidChannelMessage' },
};

/** A compiled schema: returns the value (query strings read as numbers and booleans) or throws a catalog error naming the field. */
export type Validator<T> = (value: unknown) => T;

const cache = new WeakMap<TSchema, TypeCheck<TSchema>>();

function compiled(schema: TSchema): TypeCheck<TSchema> {
  let check = cache.get(schema);
  if (!check) cache.set(schema, (check = TypeCompiler.Compile(schema)));
  return check;
}

/** Compiles `schema` for input from `part`. */
export function validator<T>(schema: TSchema, part: InputPart): Validator<T> {
  const check = compiled(schema);
  return (input) => {
    const value = part === 'querystring' ? readQueryValues(schema, input) : input;
    if (check.Check(value)) return value as T;
    throw toCatalogError(schema, part, input, check.Errors(value).First());
  };
}

/** Query strings carry text: whole numbers and true/false become numbers and booleans where the schema wants them. */
function readQueryValues(schema: TSchema, input: unknown): unknown {
  if (input === null || typeof input !== 'object') return input;
  const properties = (schema['properties'] ?? {}) as Record<string, TSchema>;
  const out: Record<string, unknown> = {};
  for (const [key, raw] of Object.entries(input)) {
    const type = properties[key]?.['type'];
    if ((type === 'integer' || type === 'number') && typeof raw === 'string' && /^-?\d{1,15}$/.test(raw)) out[key] = Number(raw);
    else if (type === 'boolean' && (raw === 'true' || raw === 'false')) out[key] = raw === 'true';
    else out[key] = raw;
  }
  return out;
}

function toCatalogError(schema: TSchema, part: InputPart, input: unknown, error: ValueError | undefined): RemoteSupportError {
  const codes = PART_CODES[part];
  const properties = (schema['properties'] ?? {}) as Record<string, TSchema>;
  const names = Object.keys(properties);
  const segment = error?.path.split('/')[1];
  if (!error || segment === undefined || input === null || typeof input !== 'object' || Array.isArray(input)) {
    const what = part === 'channel' ? 'A channel message' : 'The request body';
    return createError(codes.whole, `${what} must be a JSON object with the fields ${names.join(', ')}`);
  }
  const field = segment.replace(/~1/g, '/').replace(/~0/g, '~');
  if (error.type === ValueErrorType.ObjectAdditionalProperties) {
    return new RemoteSupportError('UnknownField', `${field} is not a field of this ${part === 'channel' ? 'message' : 'request'}; the fields are ${names.join(', ')}`, field, names.join(', '));
  }
  const property = properties[field];
  const allowed = (property?.[ALLOWED] as string | undefined) ?? property?.['description'] ?? 'a valid value';
  if (error.type === ValueErrorType.ObjectRequiredProperty) return fieldError(codes.required, field, allowed);
  const code = (property?.[ERROR_CODE] as ErrorCode | undefined) ?? codes.other;
  const value = (input as Record<string, unknown>)[field];
  // A long command line is not echoed back.
  return fieldError(code, field, allowed, typeof value === 'string' && value.length > 200 ? undefined : value);
}
