import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ACCESS_LEVELS, AccessLevel } from '../src/domain/access-level';
import { checkCommand, createCommandChecker, renderCommand } from '../src/policy/command-checker';
import { CheckedCommand } from '../src/policy/command-table';
import {
  AgreementFeeder, describeElement, disagreements, emptyCounts, formatDisagreement, LineGenerator, PERMISSIVE_TABLE, PowerShellAstReader, runGenerated,
} from './helpers/parser-agreement';

/**
 * The checker against PowerShell's own parser (issue 9). One pwsh process
 * runs powershell/test/Read-CommandLineAst.ps1; every line the checker
 * accepts (the corpus, generated lines, mutants) goes through
 * Parser::ParseInput there, and the AST must hold exactly one command, the
 * checked cmdlet, only parameter tokens and constant arguments, with the
 * values the checker typed. The long run is bench/parser-agreement.mjs.
 *
 * Deterministic: PARSER_AGREEMENT_SEED picks other lines,
 * PARSER_AGREEMENT_LINES runs more of them.
 */
const SEED = Number(process.env.PARSER_AGREEMENT_SEED ?? 20260512);
const LINES = Number(process.env.PARSER_AGREEMENT_LINES ?? 5000);
const CORPUS = join(__dirname, '..', '..', '..', 'test', 'command-corpus.tsv');

/** The corpus lines, `\u{HEX}` escapes decoded (see the file's header). */
function corpusLines(): string[] {
  return readFileSync(CORPUS, 'utf8').split('\n')
    .filter((text) => text.trim() !== '' && !text.startsWith('#'))
    .map((text) => text.slice(text.indexOf('\t', text.indexOf('\t') + 1) + 1))
    .map((line) => line.replace(/\\u\{([0-9A-Fa-f]{1,6})\}/g, (_, hex: string) => String.fromCodePoint(parseInt(hex, 16))));
}

function command(cmdlet: string, parameters: CheckedCommand['parameters'], level: AccessLevel = 'Diagnostics'): CheckedCommand {
  return { cmdlet, parameters, level };
}

describe('the command checker agrees with PowerShell\'s parser', () => {
  let reader: PowerShellAstReader;
  before(() => {
    reader = new PowerShellAstReader();
  });
  after(async () => {
    await reader.close();
  });

  it('can see a disagreement: wrong commands compared with the real AST are caught', async () => {
    const view = await reader.read("Get-VM -Name web01 ,  'web 02'");
    assert.deepEqual(disagreements(command('Get-VM', { Name: ['web01', 'web 02'] }), view), []);
    const wrong: CheckedCommand[] = [
      command('Get-VM', { Name: ['web01', 'web 03'] }),
      command('Get-VM', { Name: ['web01'] }),
      command('Get-VM', { Name: 'web01' }),
      command('Get-VM', { Name: ['WEB01', 'web 02'] }), // a pattern value keeps its case
      command('Get-VM', {}),
      command('Get-VMHost', { Name: ['web01', 'web 02'] }),
      command('Get-NetAdapter', { Name: ['web01', 'web 02'], Physical: true }),
    ];
    for (const c of wrong) assert.notDeepEqual(disagreements(c, view), [], `${JSON.stringify(c)} is caught`);

    // Lines PowerShell reads differently from what a naive reader would claim.
    const claims: [string, CheckedCommand, RegExp][] = [
      ['Get-VM -Name 0x10', command('Get-VM', { Name: '0x10' }), /System.Int32 "16"/],
      ['Get-VM 99999999999999999999999999999', command('Get-VM', { Name: '99999999999999999999999999999' }), /System.Double "1E\+29"/],
      ['Get-VM -Name 1.0', command('Get-VM', { Name: '1.0' }), /System.Double "1"/],
      ['Get-VM -Name a;Get-Cluster', command('Get-VM', { Name: 'a;Get-Cluster' }), /2 statements/],
      ['Get-VM web01 | Get-Cluster', command('Get-VM', { Name: 'web01' }), /2 elements/],
      ['Get-VM -Name "$x"', command('Get-VM', { Name: '$x' }), /ExpandableStringExpressionAst/],
      ['Get-VM -Name (web01)', command('Get-VM', { Name: 'web01' }), /ParenExpressionAst/],
      ['Get-VM -Name:web01', command('Get-VM', { Name: 'web01' }), /attached argument/],
      ['Get-VM -Na web01', command('Get-VM', { Name: 'web01' }), /-Na, which is not a table parameter/],
      ['& Get-VM', command('Get-VM', {}), /Ampersand operator/],
      ['Get-VM > x', command('Get-VM', {}), /redirections/],
      ['Get-VM web01 &', command('Get-VM', { Name: 'web01' }), /background/],
      ['Get-NetAdapter -Physical web01', command('Get-NetAdapter', { Physical: true }), /PowerShell binds -Name/],
      ["Get-VM 'web01", command('Get-VM', { Name: 'web01' }), /parse errors/],
    ];
    for (const [line, claim, why] of claims) {
      const problems = disagreements(claim, await reader.read(line));
      assert.match(problems.join('\n'), why, `${line}: ${problems.join('; ')}`);
    }
  });

  it('agrees on every corpus line the checker accepts, at both levels, and on its canonical rendering', async (t) => {
    const feeder = new AgreementFeeder(reader, emptyCounts());
    let accepted = 0;
    for (const line of corpusLines()) {
      for (const level of ACCESS_LEVELS) {
        const result = checkCommand(line, level);
        if (!result.allowed) continue;
        accepted += 1;
        await feeder.add({ line, level, command: result.command });
        await feeder.add({ line: renderCommand(result.command), level, command: result.command });
      }
    }
    const counts = await feeder.drain();
    t.diagnostic(`corpus: ${accepted} accepted (line, level) pairs, ${counts.fed} lines fed to pwsh`);
    assert.ok(accepted >= 300, `the corpus gives ${accepted} accepted lines`);
    assert.equal(counts.disagreementCount, 0, counts.disagreements.join('\n\n'));
  });

  it(`agrees on ${LINES} generated lines the checker accepts and on their accepted mutants (seed ${SEED})`, async (t) => {
    const started = Date.now();
    const counts = await runGenerated({
      feeder: new AgreementFeeder(reader, emptyCounts()),
      generator: new LineGenerator(SEED),
      check: checkCommand,
      accepted: LINES,
      mutantsPerLine: 2,
    });
    const seconds = (Date.now() - started) / 1000;
    t.diagnostic(`seed ${SEED} (replay with PARSER_AGREEMENT_SEED=${SEED}): ${counts.generated} generated, ${counts.generatedAccepted} accepted; `
      + `${counts.mutants} mutants, ${counts.mutantsAccepted} accepted; ${counts.rejected} rejected; ${counts.fed} fed to pwsh in ${seconds.toFixed(1)} s; `
      + `${counts.disagreementCount} disagreements`);
    assert.equal(counts.disagreementCount, 0, `seed ${SEED}:\n${counts.disagreements.join('\n\n')}`);
    assert.ok(counts.mutantsAccepted > LINES / 20, `enough mutants are accepted to matter (${counts.mutantsAccepted})`);
    assert.ok((counts.reasons.get('ambiguous-number') ?? 0) > 0, 'the generator reaches the number rule');
  });

  it(`agrees on ${LINES / 2} lines of a table that takes any printable ASCII, and their mutants: quoting and numbers (seed ${SEED + 1})`, async (t) => {
    const counts = await runGenerated({
      feeder: new AgreementFeeder(reader, emptyCounts(), 400, 50, PERMISSIVE_TABLE),
      generator: new LineGenerator(SEED + 1, PERMISSIVE_TABLE),
      check: createCommandChecker(PERMISSIVE_TABLE),
      accepted: LINES / 2,
      mutantsPerLine: 2,
    });
    t.diagnostic(`seed ${SEED + 1}: ${counts.generated} generated, ${counts.generatedAccepted} accepted; ${counts.mutants} mutants, ${counts.mutantsAccepted} accepted; `
      + `${counts.fed} fed to pwsh; ${counts.disagreementCount} disagreements`);
    assert.equal(counts.disagreementCount, 0, `seed ${SEED + 1}:\n${counts.disagreements.join('\n\n')}`);
  });

  it("refuses '--%' and \"--%\", which PowerShell takes as the stop-parsing token even in quotes", async () => {
    const check = createCommandChecker(PERMISSIVE_TABLE);
    for (const line of ["Get-Thing '--%' -Mode Alpha", 'Get-Thing -Text "--%" -Mode Alpha', "Get-Thing -Name a,'--%' -Mode Alpha"]) {
      const result = check(line, 'Diagnostics');
      assert.equal(result.allowed ? 'allow' : result.reason, 'operator', line);
      assert.ok(!result.allowed && result.message.includes('stop-parsing'), line);
      // What it protects from: -Mode is gone in PowerShell's reading. (Inside
      // a comma list PowerShell keeps reading; the checker refuses it anyway.)
      const view = await reader.read(line);
      const modeSeen = (view.command?.elements ?? []).some((e) => e.kind === 'parameter' && e.name === 'Mode');
      assert.equal(modeSeen, line.includes(','), `${line}: PowerShell ${line.includes(',') ? 'sees' : 'sees no'} -Mode`);
    }
    assert.ok(check("Get-Thing '--%x' -Mode Alpha", 'Diagnostics').allowed, 'only the exact value --% is the token');
  });

  describe('whole numbers', () => {
    // Bare, each of these is something else to PowerShell; quoted, it is the same text to both.
    const cases: [string, RegExp][] = [
      ['99999999999999999999999999999', /System.Double "1E\+29"/],
      ['79228162514264337593543950336', /System.Double "7.92281625142643E\+28"/],
      ['1234567890123456789', /System.Int64 "1234567890123456789"/], // 19 digits: still exact, but past the cap
      ['12345678901234567890', /System.Decimal "12345678901234567890"/], // a decimal: still exact, but past the cap
      ['0x', /System.Int32 "0"/],
      ['0xl', /System.Int64 "0"/],
      ['0x10', /System.Int32 "16"/],
      ['1kb', /System.Int32 "1024"/],
      ['1e5', /System.Double "100000"/],
      ['1d', /System.Decimal "1"/],
      ['1l', /System.Int64 "1"/],
      ['1u', /System.UInt32 "1"/],
      ['1n', /System.Numerics.BigInteger "1"/],
      ['1s', /System.Int16 "1"/],
      ['1y', /System.SByte "1"/],
      ['007', /System.Int32 "7"/],
      ['1.0', /System.Double "1"/],
      ['1.', /System.Double "1"/],
      ['2.50', /System.Double "2.5"/],
    ];
    for (const [value, powershellReads] of cases) {
      it(`refuses bare ${value}, naming it and telling to quote it; accepts '${value}' as the text PowerShell gets`, async () => {
        const bare = `Get-VM -Name ${value}`;
        const refused = checkCommand(bare, 'Diagnostics');
        assert.equal(refused.allowed ? 'allow' : refused.reason, 'ambiguous-number', bare);
        assert.ok(!refused.allowed && refused.message.includes(`"${value}"`) && refused.message.includes(`single quotes ('${value}')`), !refused.allowed ? refused.message : '');
        // What the refusal protects from: PowerShell's reading of the bare value.
        const view = await reader.read(bare);
        assert.match(describeElement(view.command?.elements[1] ?? { kind: 'argument' }), powershellReads);
        const wrong = disagreements(command('Get-VM', { Name: value }), view);
        if (/^[0-9]{19,20}$/.test(value)) assert.deepEqual(wrong, [], 'an int64 or a decimal still reads back; the cap keeps the rule free of arithmetic');
        else assert.match(wrong.join('\n'), powershellReads);

        for (const quoted of [`'${value}'`, `"${value}"`]) {
          const line = `Get-VM -Name ${quoted}`;
          const result = checkCommand(line, 'Diagnostics');
          assert.ok(result.allowed, line);
          assert.deepEqual(result.command.parameters, { Name: value });
          const view = await reader.read(line);
          const problems = disagreements(result.command, view);
          assert.deepEqual(problems, [], formatDisagreement(line, 'Diagnostics', result.command, view, problems));
        }
      });
    }

    it('accepts bare whole numbers of up to 18 digits, which PowerShell reads back as the same text', async () => {
      for (const value of ['0', '7', '2147483647', '2147483648', '123456789012345678', '999999999999999999']) {
        const line = `Get-VM ${value}`;
        const result = checkCommand(line, 'Diagnostics');
        assert.ok(result.allowed, line);
        assert.deepEqual(disagreements(result.command, await reader.read(line)), []);
      }
    });
  });
});
