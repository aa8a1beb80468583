import { RemoteSupportError } from '../domain/errors';

/**
 * Parses a JSON request body like JSON.parse, but refuses a body that names
 * the same field twice in one object (JSON.parse quietly keeps the last
 * one, so a proxy or log and the gateway could read different values).
 * Throws InvalidBody naming the field, or saying the body is not JSON.
 */
export function parseJsonBody(text: string): unknown {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new RemoteSupportError('InvalidBody', 'The request body is not valid JSON');
  }
  const duplicate = duplicateKey(text);
  if (duplicate !== null) {
    throw new RemoteSupportError('InvalidBody', `The request body names the field ${duplicate.path} more than once; send each field once`, duplicate.key);
  }
  return value;
}

interface Level {
  /** The keys seen so far in an object; null for an array. */
  keys: Set<string> | null;
  expectKey: boolean;
  /** Where this level is, as a JSON pointer-ish path, for the message. */
  path: string;
  /** The key whose value is being read (objects only). */
  lastKey: string;
}

/**
 * The first key named twice in one object of `text`, which JSON.parse
 * already accepted, with its path (`a.b`); null when every key is named
 * once. Keys are compared decoded, so "a" and "\u0061" are the same key.
 */
export function duplicateKey(text: string): { key: string; path: string } | null {
  const stack: Level[] = [];
  const here = () => stack[stack.length - 1];
  const childPath = () => {
    const top = here();
    if (!top) return '';
    return top.keys ? `${top.path}${top.path ? '.' : ''}${top.lastKey}` : `${top.path}[]`;
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      const start = i;
      for (i++; text[i] !== '"'; i++) if (text[i] === '\\') i++;
      const top = here();
      if (top?.keys && top.expectKey) {
        const key = JSON.parse(text.slice(start, i + 1)) as string;
        const path = `${top.path}${top.path ? '.' : ''}${key}`;
        if (top.keys.has(key)) return { key, path };
        top.keys.add(key);
        top.lastKey = key;
        top.expectKey = false;
      }
    } else if (c === '{') {
      stack.push({ keys: new Set(), expectKey: true, path: childPath(), lastKey: '' });
    } else if (c === '[') {
      stack.push({ keys: null, expectKey: false, path: childPath(), lastKey: '' });
    } else if (c === '}' || c === ']') {
      stack.pop();
    } else if (c === ',') {
      const top = here();
      if (top?.keys) top.expectKey = true;
    }
  }
  return null;
}
