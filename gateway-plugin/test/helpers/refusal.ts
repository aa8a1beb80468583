import assert from 'node:assert/strict';
import { isRemoteSupportError, RemoteSupportError } from '../../src/domain/errors';

/** The catalog error `fn` throws; fails the test when it throws nothing or something else. */
export function refusal(fn: () => unknown): RemoteSupportError {
  try {
    fn();
  } catch (e) {
    if (isRemoteSupportError(e)) return e;
    throw e;
  }
  assert.fail('expected a refusal');
}
