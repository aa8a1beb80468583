import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as fc from 'fast-check';
import { ACCESS_LEVELS, AccessLevel, levelsIncludedBy } from '../src/domain/access-level';
import { checkCommand, CheckResult, DENIAL_REASONS, renderCommand } from '../src/policy/command-checker';
import { CheckedCommand, COMMAND_TABLE, CommandEntry, ParameterValue, ValueRule } from '../src/policy/command-table';

/**
 * Property-based attacks on the checker. The oracle below reads the table
 * itself, never the checker: whatever the checker accepts must be a table
 * cmdlet the level includes, with table parameters whose values satisfy
 * their rules, from a line free of PowerShell's metacharacters.
 *
 * Runs are deterministic; set COMMAND_FUZZ_SEED to explore other inputs and
 * COMMAND_FUZZ_RUNS to run longer. A failure reports the seed to replay it.
 */
const SEED = Number(process.env.COMMAND_FUZZ_SEED ?? 20260511);
const RUNS = Number(process.env.COMMAND_FUZZ_RUNS ?? 4000);

function property<Ts extends [unknown, ...unknown[]]>(name: string, prop: fc.IProperty<Ts>, runs = RUNS): void {
  it(name, () => {
    try {
      fc.assert(prop, { seed: SEED, numRuns: runs });
    } catch (e) {
      throw new Error(`${(e as Error).message}\n(fuzz seed ${SEED}: replay with COMMAND_FUZZ_SEED=${SEED})`);
    }
  });
}

// ----------------------------------------------------------------- oracle

const METACHARACTERS = /[|;&$`{}<>@#\r\n]/;
const PATTERNS = new Map<string, RegExp>();
function patternOf(rule: Extract<ValueRule, { kind: 'pattern' }>): RegExp {
  let re = PATTERNS.get(rule.pattern);
  if (re === undefined) {
    // JEA's semantics: matched without case.
    re = new RegExp(rule.pattern, 'i');
    PATTERNS.set(rule.pattern, re);
  }
  return re;
}

function satisfies(rule: ValueRule, value: ParameterValue): boolean {
  if (rule.kind === 'switch') return value === true;
  let items: readonly unknown[];
  if (Array.isArray(value)) {
    if (!rule.list || value.length < 2) return false;
    items = value;
  } else {
    items = [value];
  }
  return items.every((item) => {
    if (typeof item !== 'string' || !/^[\x20-\x7e]*$/.test(item)) return false;
    return rule.kind === 'set' ? rule.values.includes(item) : patternOf(rule).test(item);
  });
}

function count(text: string, chars: RegExp): number {
  return (text.match(chars) ?? []).length;
}

/** Asserts what must hold for any line, accepted or not. */
function assertSafe(line: string, level: AccessLevel, result: CheckResult): void {
  if (!result.allowed) {
    assert.ok((DENIAL_REASONS as readonly string[]).includes(result.reason), `unknown reason ${result.reason}`);
    assert.equal(typeof result.message, 'string');
    assert.ok(result.message.length > 0 && result.message.length < 600, 'a short, non-empty message');
    return;
  }
  const command = result.command;
  const where = `${JSON.stringify(line)} at ${level} was accepted as ${JSON.stringify(command)}`;
  const entry = COMMAND_TABLE.find((c) => c.name === command.cmdlet);
  assert.ok(entry, `${where}: the cmdlet is in the table`);
  assert.ok(levelsIncludedBy(level).includes(entry.level), `${where}: the level includes the cmdlet`);
  assert.equal(command.level, entry.level, `${where}: the level is the table's`);
  for (const [name, value] of Object.entries(command.parameters)) {
    const spec = entry.parameters.find((p) => p.name === name);
    assert.ok(spec, `${where}: -${name} is a parameter of ${entry.name}`);
    assert.ok(satisfies(spec.rule, value), `${where}: -${name} satisfies its rule`);
  }
  assert.ok(!METACHARACTERS.test(line), `${where}: the line holds a PowerShell metacharacter`);
  assert.ok(/^[\x20-\x7e\t]*$/.test(line), `${where}: the line holds only printable ASCII, spaces and tabs`);
  // Parentheses may only come from inside quoted values (object names such
  // as "Cluster Virtual Disk (Volume1)"); every one in the line must be in a value.
  const inValues = Object.values(command.parameters).flatMap((v) => (typeof v === 'string' ? [v] : Array.isArray(v) ? v : [])).reduce((n, v) => n + count(v, /[()]/g), 0);
  assert.equal(count(line, /[()]/g), inValues, `${where}: every parenthesis is inside a value`);
  assert.equal(line.trim().split(/[ \t]/)[0].toLowerCase(), entry.name.toLowerCase(), `${where}: the line starts with the cmdlet's name`);
  // Written back canonically, it checks to the very same command.
  assert.deepEqual(checkCommand(renderCommand(command), level), result, `${where}: it renders back to the same command`);
}

// ----------------------------------------------------------------- generators

const levelAtOrAbove = (entry: CommandEntry): fc.Arbitrary<AccessLevel> => fc.constantFrom(...ACCESS_LEVELS.slice(ACCESS_LEVELS.indexOf(entry.level)));
const anyLevel: fc.Arbitrary<AccessLevel> = fc.constantFrom(...ACCESS_LEVELS);

/** A value a rule accepts, as text, and the value the checker should return for it. */
function validValue(rule: ValueRule): fc.Arbitrary<{ texts: string[]; expected: ParameterValue }> {
  switch (rule.kind) {
    case 'switch':
      return fc.constant({ texts: [], expected: true as const });
    case 'set': {
      const one = fc.constantFrom(...rule.values).chain((v) => fc.mixedCase(fc.constant(v)).map((typed) => ({ typed, canonical: v })));
      return fc.array(one, { minLength: 1, maxLength: rule.list ? 3 : 1 }).map((xs) => ({
        texts: xs.map((x) => x.typed),
        expected: xs.length === 1 ? xs[0].canonical : xs.map((x) => x.canonical),
      }));
    }
    case 'pattern': {
      // Paths with "." or ".." segments are refused on purpose (path-traversal), so they are not "valid".
      const one = fc.stringMatching(new RegExp(rule.pattern)).filter((v) => !/(^|\\)[. ]*\.[. ]*(\\|$)/.test(v));
      return fc.array(one, { minLength: 1, maxLength: rule.list ? 3 : 1 }).map((xs) => ({ texts: xs, expected: xs.length === 1 ? xs[0] : xs }));
    }
  }
}

/** Writes a value the way an engineer might: bare when that is unambiguous, else in single or double quotes. */
function writtenValue(text: string): fc.Arbitrary<string> {
  const styles: fc.Arbitrary<string>[] = [fc.constant(`'${text.replace(/'/g, "''")}'`)];
  if (!/["$`]/.test(text)) styles.push(fc.constant(`"${text}"`));
  if (/^[A-Za-z][A-Za-z0-9_*-]*$/.test(text)) styles.push(fc.constant(text));
  return fc.oneof(...styles);
}

interface ValidCase {
  line: string;
  level: AccessLevel;
  expected: CheckedCommand;
}

const spacing = fc.constantFrom(' ', '  ', '\t', ' \t ');

/** A command the table allows, written in any accepted style, with the command the checker must return. */
const validCase: fc.Arbitrary<ValidCase> = fc.constantFrom(...COMMAND_TABLE).chain((entry) =>
  fc.record({
    level: levelAtOrAbove(entry),
    name: fc.mixedCase(fc.constant(entry.name)),
    parameters: fc.shuffledSubarray([...entry.parameters]).chain((specs) =>
      fc.tuple(...specs.map((spec) => fc.record({
        spec: fc.constant(spec),
        value: validValue(spec.rule),
        name: fc.mixedCase(fc.constant(spec.name)),
        positional: fc.boolean(),
      }))),
    ),
    sep: spacing,
    lead: fc.constantFrom('', ' ', '\t'),
  }).chain(({ level, name, parameters, sep, lead }) => {
    const parts = parameters.map((p, index) => {
      const values = fc.tuple(...p.value.texts.map(writtenValue)).chain((written) =>
        fc.constantFrom(',', ', ', ' , ').map((comma) => written.join(comma)),
      );
      const usePositional = index === 0 && p.positional && p.spec.position === 0;
      if (p.spec.rule.kind === 'switch') return fc.constant(`-${p.name}`);
      return values.map((v) => (usePositional ? v : `-${p.name}${sep}${v}`));
    });
    const expectedParameters: Record<string, ParameterValue> = {};
    for (const spec of entry.parameters) {
      const p = parameters.find((x) => x.spec === spec);
      if (p) expectedParameters[spec.name] = p.value.expected;
    }
    return fc.tuple(...parts).map((written) => ({
      line: `${lead}${[name, ...written].join(sep)}`,
      level,
      expected: { cmdlet: entry.name, parameters: expectedParameters, level: entry.level },
    }));
  }),
);

/** Things an attacker would slip into a line. */
const HOSTILE_SNIPPETS = [
  '|', '||', ';', '&', '&&', '$', '$(', '$x', '${x}', '$env:PATH', '@', '@(', '@{', '@x', "@'", '@"', '{', '}', '(', ')', '<', '>', '>>', '2>&1',
  '#', '<#', '#>', '`', '`n', '[', ']', '[int]', '::', '.', ',', "'", '"', "''", '""', '\n', '\r', '\r\n', '\u0000', '\u001b', '\u007f', '\u0085',
  '\u2013', '\u2014', '\u2015', '\u2010', '\u2212', '\u2018', '\u2019', '\u201a', '\u201b', '\u201c', '\u201d', '\u201e', '\u00a0', '\u2002', '\u3000',
  '\u200b', '\u200c', '\u200d', '\ufeff', '\u202e', '\u00ad', '\u0435', '\u043c', '\u0430', '\u0441', '\uff27', '\uff0d', '\u212a', '\u0131', '\u0130',
  ' -ComputerName node2', ' -CimSession x', ' -Credential x', ' -AsJob', ' -EncodedCommand ZQBj', ' -enc x', ' -Force', ' -Name', ' -Name x', ' -Name:x',
  '; Remove-Item -Recurse C:\\', ' | Stop-VM', ' && calc', ' 2>&1', ' > C:\\x', '\\..\\..\\', '..', '\\\\server\\share', 'D:\\', '^', '%', '!', '=', '+', '~', '/',
  ' iex', 'Hyper-V\\', '*', '?', ' --', ' -', '0x10', '007', '1kb', ' ',
];
const hostileSnippet = fc.constantFrom(...HOSTILE_SNIPPETS);

/** A valid line changed by an attacker: text inserted, characters swapped, names bent. */
const edit = fc.tuple(fc.nat(), fc.oneof(hostileSnippet, fc.string({ maxLength: 4 })), fc.constantFrom('insert', 'replace', 'append', 'prepend'));
const mutatedLine: fc.Arbitrary<{ line: string; level: AccessLevel }> = fc.tuple(validCase, fc.array(edit, { minLength: 1, maxLength: 3 }), fc.boolean(), anyLevel)
  .map(([c, edits, sameLevel, otherLevel]) => {
    let line = c.line;
    for (const [at, snippet, how] of edits) {
      const i = line.length === 0 ? 0 : at % (line.length + 1);
      if (how === 'insert') line = line.slice(0, i) + snippet + line.slice(i);
      else if (how === 'replace') line = line.slice(0, i) + snippet + line.slice(i + 1);
      else if (how === 'append') line += snippet;
      else line = snippet + line;
    }
    return { line, level: sameLevel ? c.level : otherLevel };
  });

/** Parameter names bent the ways PowerShell tolerates and the checker refuses: shortened, lengthened, remoting ones. */
const bentParameter: fc.Arbitrary<{ line: string; level: AccessLevel }> = fc.tuple(
  fc.constantFrom(...COMMAND_TABLE),
  fc.oneof(
    fc.constantFrom('ComputerName', 'CimSession', 'Credential', 'AsJob', 'ThrottleLimit', 'EncodedCommand', 'enc', 'ec', 'Verbose', 'ErrorAction', 'OutVariable', 'WhatIf', 'Confirm', 'PassThru', 'InputObject', 'Id'),
    fc.stringMatching(/^[A-Za-z]{1,14}$/),
  ),
  fc.oneof(fc.constant(''), fc.constant(' x'), fc.constant(' ClusSvc'), fc.constant(' web01')),
  fc.nat(20),
  anyLevel,
).map(([entry, extra, value, cut, level]) => {
  const real = entry.parameters.length > 0 ? entry.parameters[cut % entry.parameters.length].name : extra;
  const bent = cut % 3 === 0 ? real.slice(0, Math.max(1, real.length - 1 - (cut % 4))) : cut % 3 === 1 ? `${real}${extra}` : extra;
  return { line: `${entry.name} -${bent}${value}`, level };
});

/** Cmdlet-ish names: verb-noun shapes, table names bent, aliases and module qualifiers. */
const cmdletish: fc.Arbitrary<string> = fc.oneof(
  fc.stringMatching(/^[A-Za-z]{2,8}-[A-Za-z]{2,16}$/),
  fc.constantFrom(...COMMAND_TABLE.map((c) => c.name)).chain((n) => fc.oneof(
    fc.mixedCase(fc.constant(n)),
    fc.constant(`${n}s`),
    fc.constant(n.replace('-', '')),
    fc.constant(`Mod\\${n}`),
    fc.constant(`${n.slice(0, -1)}*`),
    fc.nat(n.length).map((i) => n.slice(0, i) + n.slice(i + 1)),
  )),
  fc.constantFrom('gsv', 'sasv', 'spsv', 'gci', 'ls', 'iex', 'icm', '%', '?', 'gcm', 'Invoke-Expression', 'Invoke-Command', 'Remove-Item', 'Stop-VM'),
);

/** Soup of tokens the grammar knows and does not know. */
const tokenSoup: fc.Arbitrary<{ line: string; level: AccessLevel }> = fc.tuple(
  cmdletish,
  fc.array(fc.oneof(
    fc.constantFrom(...[...new Set(COMMAND_TABLE.flatMap((c) => c.parameters.map((p) => `-${p.name}`)))]),
    fc.constantFrom('ClusSvc', 'WinRM', 'vmms', 'web01', "'web 01'", '"web01"', '*', 'Warning', 'External', 'C', 'C:\\ClusterStorage\\Volume1\\a.vhdx', "'Cluster Virtual Disk (Volume1)'", '1', '-1', '0x1'),
    fc.constantFrom(',', ', '),
    hostileSnippet,
    fc.string({ maxLength: 6 }),
  ), { maxLength: 8 }),
  anyLevel,
).map(([name, rest, level]) => ({ line: [name, ...rest].join(' '), level }));

const ASCII_AND_FRIENDS = [...'abcXYZ019 -_.,:;*?\'"`$@#&|(){}[]<>\\/=+%^!~\t'].concat(['\n', '\r', '\u0000', '\u2013', '\u2019', '\u201c', '\u00a0', '\u200b', '\u0435']);

// ----------------------------------------------------------------- properties

describe('the command checker under fuzzing', () => {
  property('accepts every table command written in any accepted style, with exactly its parameters', fc.property(validCase, ({ line, level, expected }) => {
    const result = checkCommand(line, level);
    assert.ok(result.allowed, `${JSON.stringify(line)} at ${level} was refused: ${result.allowed ? '' : `${result.reason}: ${result.message}`}`);
    assert.deepEqual(result.command, expected);
    assertSafe(line, level, result);
  }));

  property('refuses every table command at a level below its own', fc.property(validCase, ({ line, expected }) => {
    const below = ACCESS_LEVELS.slice(0, ACCESS_LEVELS.indexOf(expected.level));
    for (const level of below) {
      const result = checkCommand(line, level);
      assert.equal(result.allowed ? 'allow' : result.reason, 'level-too-low', `${JSON.stringify(line)} at ${level}`);
    }
  }));

  property('accepts a mutated command only when it is still a safe table command', fc.property(mutatedLine, ({ line, level }) => {
    assertSafe(line, level, checkCommand(line, level));
  }), RUNS * 2);

  property('accepts bent parameter names only when they are exactly a table parameter', fc.property(bentParameter, ({ line, level }) => {
    const result = checkCommand(line, level);
    assertSafe(line, level, result);
    if (result.allowed) {
      const typed = line.split(' ')[1].slice(1).toLowerCase();
      assert.ok(Object.keys(result.command.parameters).some((p) => p.toLowerCase() === typed), `${JSON.stringify(line)}: -${typed} is a table name, written in full`);
    }
  }));

  property('keeps a soup of known and unknown tokens safe', fc.property(tokenSoup, ({ line, level }) => {
    assertSafe(line, level, checkCommand(line, level));
  }), RUNS * 2);

  property('keeps fully random text safe, whatever its characters', fc.property(
    fc.oneof(fc.string({ unit: 'binary', maxLength: 120 }), fc.string({ unit: fc.constantFrom(...ASCII_AND_FRIENDS), maxLength: 60 })),
    anyLevel,
    (line, level) => {
      assertSafe(line, level, checkCommand(line, level));
    },
  ), RUNS * 2);

  property('refuses any line with a metacharacter outside quotes or any character outside ASCII', fc.property(
    validCase,
    fc.constantFrom('|', ';', '&', '$', '`', '{', '}', '<', '>', '@', '#', '\n', '\r', '\u2013', '\u2018', '\u00a0', '\u200b', '\u0435', '\u0000'),
    fc.boolean(),
    ({ line, level }, bad, atEnd) => {
      const hostile = atEnd ? `${line} ${bad}` : `${bad}${line}`;
      const result = checkCommand(hostile, level);
      assert.equal(result.allowed, false, `${JSON.stringify(hostile)} was accepted`);
    },
  ));

  property('renders every accepted command back to a line that checks to the same structure', fc.property(validCase, ({ line, level }) => {
    const result = checkCommand(line, level);
    assert.ok(result.allowed);
    const again = checkCommand(renderCommand(result.command), level);
    assert.deepEqual(again, result);
    assert.equal(renderCommand((again as { command: CheckedCommand }).command), renderCommand(result.command));
  }));
});
