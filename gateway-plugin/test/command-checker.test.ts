import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ACCESS_LEVELS, AccessLevel, isAccessLevel } from '../src/domain/access-level';
import { checkCommand, CheckResult, createCommandChecker, DENIAL_REASONS, DenialReason, describeDenial, renderCommand } from '../src/policy/command-checker';
import { COMMAND_TABLE, CommandEntry } from '../src/policy/command-table';
import { MAX_COMMAND_LINE as MAX_LINE_LENGTH } from '../src/domain/identifiers';
import { tokenize } from '../src/policy/tokenizer';

const REPO = join(__dirname, '..', '..', '..');
const CORPUS = join(REPO, 'test', 'command-corpus.tsv');
const POLICY_DOC = join(REPO, 'docs', 'command-policy.md');

interface CorpusCase {
  fileLine: number;
  section: string;
  expect: 'allow' | DenialReason;
  level: AccessLevel;
  line: string;
}

/** Reads the corpus; `\u{HEX}` stands for one code point (see the file's header). */
function readCorpus(): CorpusCase[] {
  const cases: CorpusCase[] = [];
  let section = '(before the first section)';
  readFileSync(CORPUS, 'utf8').split('\n').forEach((text, index) => {
    const fileLine = index + 1;
    if (text.startsWith('# --- ')) section = text.slice(6);
    if (text.trim() === '' || text.startsWith('#')) return;
    const first = text.indexOf('\t');
    const second = text.indexOf('\t', first + 1);
    assert.ok(first > 0 && second > first, `corpus line ${fileLine} has expect, level and line separated by tabs`);
    const expect = text.slice(0, first);
    const level = text.slice(first + 1, second);
    assert.ok(expect === 'allow' || (DENIAL_REASONS as readonly string[]).includes(expect), `corpus line ${fileLine}: "${expect}" is allow or a denial reason`);
    assert.ok(isAccessLevel(level), `corpus line ${fileLine}: "${level}" is an access level`);
    const line = text.slice(second + 1).replace(/\\u\{([0-9A-Fa-f]{1,6})\}/g, (_, hex: string) => String.fromCodePoint(parseInt(hex, 16)));
    cases.push({ fileLine, section, expect: expect as CorpusCase['expect'], level, line });
  });
  return cases;
}

function outcome(result: CheckResult): string {
  return result.allowed ? 'allow' : result.reason;
}

function denialOf(line: string, level: AccessLevel) {
  const result = checkCommand(line, level);
  assert.equal(result.allowed, false, `${JSON.stringify(line)} is refused`);
  return result as Extract<CheckResult, { allowed: false }>;
}

function commandOf(line: string, level: AccessLevel = 'Diagnostics') {
  const result = checkCommand(line, level);
  assert.ok(result.allowed, `${JSON.stringify(line)} is accepted, but got ${result.allowed ? '' : `${result.reason}: ${result.message}`}`);
  return result.command;
}

describe('the adversarial corpus', () => {
  const cases = readCorpus();

  it('holds at least 500 cases', () => {
    assert.ok(cases.length >= 500, `the corpus holds ${cases.length} cases`);
  });

  it('accepts at least one line for every cmdlet of the table, with every one of its parameters', () => {
    const seen = new Map<string, Set<string>>();
    for (const c of cases.filter((x) => x.expect === 'allow')) {
      const result = checkCommand(c.line, c.level);
      if (!result.allowed) continue;
      const params = seen.get(result.command.cmdlet) ?? new Set<string>();
      Object.keys(result.command.parameters).forEach((p) => params.add(p));
      seen.set(result.command.cmdlet, params);
    }
    for (const entry of COMMAND_TABLE) {
      assert.ok(seen.has(entry.name), `an allow line runs ${entry.name}`);
      for (const p of entry.parameters) assert.ok(seen.get(entry.name)?.has(p.name), `an allow line runs ${entry.name} -${p.name}`);
    }
  });

  it('expects every denial reason somewhere', () => {
    const expected = new Set(cases.map((c) => c.expect));
    for (const reason of DENIAL_REASONS) assert.ok(expected.has(reason), `the corpus has a case for ${reason}`);
  });

  const sections = [...new Set(cases.map((c) => c.section))];
  for (const section of sections) {
    it(`gives the expected outcome for every case of: ${section}`, () => {
      const wrong = cases
        .filter((c) => c.section === section)
        .map((c) => ({ c, result: checkCommand(c.line, c.level) }))
        .filter(({ c, result }) => outcome(result) !== c.expect)
        .map(({ c, result }) => `line ${c.fileLine} (${c.level}) ${JSON.stringify(c.line.length > 80 ? `${c.line.slice(0, 80)}…` : c.line)}: expected ${c.expect}, got ${outcome(result)}${result.allowed ? '' : ` (${result.message})`}`);
      assert.deepEqual(wrong, []);
    });
  }
});

describe('accepted commands', () => {
  it('come out with the table spelling of the cmdlet and parameter names', () => {
    assert.deepEqual(commandOf('gEt-vM -nAmE web01'), { cmdlet: 'Get-VM', parameters: { Name: 'web01' }, level: 'Diagnostics' });
  });

  it('take the canonical spelling of a set value, whatever case was typed', () => {
    assert.deepEqual(commandOf('restart-service -name CLUSSVC,networkatc', 'DiagnosticsRepair'), {
      cmdlet: 'Restart-Service', parameters: { Name: ['ClusSvc', 'NetworkATC'] }, level: 'DiagnosticsRepair',
    });
  });

  it('bind the first value to the positional parameter only', () => {
    assert.deepEqual(commandOf("Get-PhysicalDisk 'disk 1' -HealthStatus warning").parameters, { FriendlyName: 'disk 1', HealthStatus: 'Warning' });
    assert.equal(denialOf('Get-PhysicalDisk -HealthStatus Warning disk1', 'Diagnostics').reason, 'unexpected-argument');
  });

  it('list parameters in table order, whatever order they were typed in', () => {
    assert.deepEqual(Object.keys(commandOf('Get-NetAdapter -IncludeHidden -Physical -Name a').parameters), ['Name', 'Physical', 'IncludeHidden']);
  });

  it('unquote single- and double-quoted values, including doubled quotes', () => {
    assert.equal(commandOf("Get-VM -Name 'web (old)'").parameters.Name, 'web (old)');
    assert.equal(commandOf('Get-VM -Name "web 01"').parameters.Name, 'web 01');
    assert.deepEqual(tokenize("x 'it''s' \"say \"\"hi\"\"\""), {
      ok: true,
      tokens: [
        { kind: 'value', value: 'x', quote: 'none', raw: 'x', column: 1 },
        { kind: 'value', value: "it's", quote: 'single', raw: "'it''s'", column: 3 },
        { kind: 'value', value: 'say "hi"', quote: 'double', raw: '"say ""hi"""', column: 11 },
      ],
    });
  });

  it('give a single value as a string and a comma list as an array', () => {
    assert.equal(commandOf('Get-VM web01').parameters.Name, 'web01');
    assert.deepEqual(commandOf('Get-VM web01, web02').parameters.Name, ['web01', 'web02']);
  });

  it('are frozen, so nothing downstream can change what was checked', () => {
    const command = commandOf('Get-VM -Name a,b');
    assert.ok(Object.isFrozen(command));
    assert.ok(Object.isFrozen(command.parameters));
    assert.ok(Object.isFrozen(command.parameters.Name));
  });

  it('match patterns without case, as JEA does, and keep the value as typed', () => {
    assert.equal(commandOf('Get-VHD c:\\clusterstorage\\volume1\\web01.VHDX').parameters.Path, 'c:\\clusterstorage\\volume1\\web01.VHDX');
  });

  it('accept a line of exactly the maximum length and refuse one character more', () => {
    const line = `Get-VM -Name ${Array(994).fill('a').join(',')}`;
    assert.equal(line.length, MAX_LINE_LENGTH);
    assert.equal(checkCommand(line, 'Diagnostics').allowed, true);
    assert.equal(denialOf(`${line} `, 'Diagnostics').reason, 'too-long');
  });

  it('render back to a canonical line that checks to the same command', () => {
    const command = commandOf("get-physicaldisk -serialnumber 'A1',b2 -usage hotspare");
    const line = renderCommand(command);
    assert.equal(line, "Get-PhysicalDisk -SerialNumber 'A1','b2' -Usage 'HotSpare'");
    assert.deepEqual(checkCommand(line, 'Diagnostics'), { allowed: true, command });
  });

  it('render a quote inside a value doubled, so it reads back as the same text', () => {
    const rendered = renderCommand({ cmdlet: 'Get-VM', parameters: { Name: "it's" }, level: 'Diagnostics' });
    assert.equal(rendered, "Get-VM -Name 'it''s'");
    const lexed = tokenize(rendered);
    assert.ok(lexed.ok);
    assert.equal(lexed.tokens[2].kind === 'value' && lexed.tokens[2].value, "it's");
  });
});

describe('denial messages', () => {
  it('name the refused value and list the allowed ones for a set', () => {
    const d = denialOf('Stop-Service -Name WinRM', 'DiagnosticsRepair');
    assert.equal(d.reason, 'value-not-allowed');
    assert.match(d.message, /-Name/);
    assert.match(d.message, /"WinRM"/);
    for (const service of ['ClusSvc', 'HciSvc', 'vmms', 'vmcompute', 'NetworkATC', 'smphost']) assert.ok(d.message.includes(service), `the message lists ${service}`);
  });

  it('give the pattern description for a pattern value', () => {
    const d = denialOf('Get-VHD D:\\x.vhdx', 'Diagnostics');
    assert.equal(d.reason, 'value-not-allowed');
    assert.ok(d.message.includes('a .vhdx, .vhd or .avhdx path under C:\\ClusterStorage\\'), d.message);
  });

  it('name the offending character and its column', () => {
    assert.match(denialOf('Get-VM | Stop-VM', 'Diagnostics').message, /"\|" at column 8/);
    assert.match(denialOf('Get-VM \u2013Name x', 'Diagnostics').message, /U\+2013 EN DASH/);
    assert.match(denialOf('Get-V\u043c', 'Diagnostics').message, /U\+043C \(looks like "m"\)/);
    assert.match(denialOf('\uff27et-VM', 'Diagnostics').message, /U\+FF27 \(looks like "G"\)/);
  });

  it('say which level a cmdlet needs', () => {
    const d = denialOf('Restart-Service ClusSvc', 'Diagnostics');
    assert.equal(d.reason, 'level-too-low');
    assert.match(d.message, /Restart-Service needs the DiagnosticsRepair access level; this grant is Diagnostics/);
  });

  it('suggest the full name for an alias and for a shortened parameter', () => {
    assert.match(denialOf('gsv', 'Diagnostics').message, /type Get-Service instead/);
    assert.match(denialOf('Get-PhysicalDisk -Fri x', 'Diagnostics').message, /-FriendlyName/);
  });

  it('suggest the nearest allowed cmdlet for a typo', () => {
    assert.match(denialOf('Get-VMs', 'Diagnostics').message, /did you mean Get-VM\?/);
  });

  it('list what a cmdlet accepts when a parameter is unknown', () => {
    assert.match(denialOf('Get-VM -ComputerName x', 'Diagnostics').message, /Get-VM accepts -Name/);
    assert.match(denialOf('Get-Cluster -Name x', 'Diagnostics').message, /Get-Cluster takes no parameters/);
  });

  it('never echo control characters or very long text', () => {
    const d = denialOf(`Get-VM -Name '${'x'.repeat(500)}'`, 'Diagnostics');
    assert.ok(d.message.length < 400, 'the message stays short');
    // eslint-disable-next-line no-control-regex -- finding control characters is the point of this pattern
    assert.doesNotMatch(denialOf('Get-VM\u001b[2J', 'Diagnostics').message, /\u001b/);
  });
});

describe('denial reasons', () => {
  it('are unique and each has a one-sentence description', () => {
    assert.equal(new Set(DENIAL_REASONS).size, DENIAL_REASONS.length);
    for (const reason of DENIAL_REASONS) assert.ok(describeDenial(reason).endsWith('.'), `${reason} is described`);
  });

  it('are each documented in docs/command-policy.md', () => {
    const doc = readFileSync(POLICY_DOC, 'utf8');
    for (const reason of DENIAL_REASONS) assert.ok(doc.includes(`| \`${reason}\` |`), `docs/command-policy.md has a row for ${reason}`);
  });
});

describe('the checker', () => {
  it('fails closed for a level it does not know', () => {
    const result = checkCommand('Get-VM', 'Everything' as AccessLevel);
    assert.equal(result.allowed, false);
  });

  it('refuses input that is not a string instead of throwing', () => {
    for (const bad of [undefined, null, 42, {}, ['Get-VM']]) {
      const result = checkCommand(bad as unknown as string, 'Diagnostics');
      assert.equal(result.allowed, false);
    }
  });

  // How fast is bench/policy.mjs's to measure (npm run bench); here only that each gets an answer.
  it('answers a hostile maximum-length line', () => {
    const lines = [`Get-VM -Name '${"a''".repeat(600)}'`, `Get-VHD C:\\ClusterStorage\\V${'\\a'.repeat(990)}`, `Get-VM ${'-Name '.repeat(399)}`, `Get-VM -Name ${'a,'.repeat(999)}`];
    for (const line of lines) assert.equal(typeof checkCommand(line.slice(0, MAX_LINE_LENGTH), 'Diagnostics').allowed, 'boolean');
  });

  it('allows every table cmdlet at its own level and every level above', () => {
    for (const entry of COMMAND_TABLE) {
      for (const level of ACCESS_LEVELS) {
        const included = ACCESS_LEVELS.indexOf(level) >= ACCESS_LEVELS.indexOf(entry.level);
        assert.equal(checkCommand(entry.name, level).allowed, included, `${entry.name} at ${level}`);
      }
    }
  });
});

describe('a checker built from another table', () => {
  const table: CommandEntry[] = [
    {
      name: 'Get-Thing', level: 'Diagnostics', module: 'Storage', kind: 'function', reason: 'test',
      parameters: [
        { name: 'Kind', rule: { kind: 'set', values: ['Alpha', 'Beta'] }, position: 0 },
        { name: 'Tag', rule: { kind: 'pattern', pattern: '^[a-z]{1,8}$', description: '1 to 8 lower-case letters' } },
      ],
    },
  ];
  const check = createCommandChecker(table);

  it('checks against its own table: positions, sets and patterns', () => {
    assert.deepEqual(check('Get-Thing beta -Tag abc', 'Diagnostics'), { allowed: true, command: { cmdlet: 'Get-Thing', parameters: { Kind: 'Beta', Tag: 'abc' }, level: 'Diagnostics' } });
    assert.equal(outcome(check('Get-Thing -Tag ABC1', 'Diagnostics')), 'value-not-allowed');
    assert.equal(outcome(check('Get-VM', 'Diagnostics')), 'unknown-cmdlet');
  });

  it('refuses a list for a parameter without list', () => {
    assert.equal(outcome(check('Get-Thing -Kind Alpha,Beta', 'Diagnostics')), 'list-not-allowed');
    assert.equal(outcome(check('Get-Thing -Tag a,b', 'Diagnostics')), 'list-not-allowed');
  });

  it('renders a command so that it checks back to the same command', () => {
    const result = check('Get-Thing -Tag abc -Kind beta', 'Diagnostics');
    assert.ok(result.allowed);
    assert.equal(renderCommand(result.command), "Get-Thing -Kind 'Beta' -Tag 'abc'");
    assert.deepEqual(check(renderCommand(result.command), 'Diagnostics'), result);
  });
});
