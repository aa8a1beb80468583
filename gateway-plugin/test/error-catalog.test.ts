import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ERROR_STATUS } from '../src/api/error-status';
import { ERROR_CATALOG, ErrorCode } from '../src/domain/errors';

const SRC = join(__dirname, '..', '..', 'src');
const DOC = join(__dirname, '..', '..', '..', 'docs', 'errors.md');

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sources(path) : path.endsWith('.ts') ? [path] : [];
  });
}

describe('error catalog', () => {
  const code = sources(SRC)
    .filter((p) => !p.endsWith(join('domain', 'errors.ts')))
    .map((p) => readFileSync(p, 'utf8'))
    .join('\n');
  const doc = readFileSync(DOC, 'utf8');

  for (const name of Object.keys(ERROR_CATALOG) as ErrorCode[]) {
    it(`documents and uses ${name}`, () => {
      assert.ok(doc.includes(`| \`${name}\` | ${ERROR_STATUS[name]} |`), `docs/errors.md lists ${name} with status ${ERROR_STATUS[name]}`);
      assert.ok(code.includes(`'${name}'`), `some source file raises ${name}`);
    });
  }

  it('gives every code an HTTP status in the API, and the domain none', () => {
    assert.deepEqual(Object.keys(ERROR_STATUS).sort(), Object.keys(ERROR_CATALOG).sort());
    for (const entry of Object.values(ERROR_CATALOG)) assert.deepEqual(Object.keys(entry), ['summary']);
  });

  it('uses only 4xx and 5xx statuses', () => {
    for (const status of Object.values(ERROR_STATUS)) assert.ok(status >= 400 && status < 600);
  });
});
