import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FlagTable, readFlags } from '../src/cli-kit/flag-reader';

const TABLE: FlagTable = {
  '--node': { value: 'NAME', repeatable: true, description: '' },
  '--case': { value: 'CASE', description: '' },
  '--json': { description: '' },
  '--help': { description: '' },
};
const read = (...argv: string[]) => readFlags(argv, (name) => TABLE[name]);

describe('the shared flag reader (node:util parseArgs underneath)', () => {
  it('reads --flag value, --flag=value, switches, repeats and -h', () => {
    const { values, problems, positionals } = read('--case', '123', '--node=a', '--node', '-b', '--json', '-h', 'word');
    assert.equal(values.value('--case'), '123');
    assert.deepEqual(values.all('--node'), ['a', '-b'], 'a value may start with one dash');
    assert.ok(values.has('--json') && values.has('--help'));
    assert.deepEqual(positionals, ['word']);
    assert.deepEqual(problems, [{ kind: 'positional', arg: 'word' }]);
  });

  it('reports each mistake in order: a missing value, a switch with a value, a repeat, unknown flags as typed', () => {
    const { problems } = read('--case', '--json=yes', '--case=1', '--case=2', '-xyz', '--bogus', '--', '--json');
    assert.deepEqual(problems.map((p) => [p.kind, 'name' in p ? p.name : '']), [
      ['missing-value', '--case'],
      ['switch-value', '--json'],
      ['repeated', '--case'],
      ['unknown', '-xyz'],
      ['unknown', '--bogus'],
      ['unknown', '--'],
    ]);
    assert.ok(read('--', '--json').values.has('--json'), 'flags after -- are still flags');
  });
});
