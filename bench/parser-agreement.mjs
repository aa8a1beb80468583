// The long parser agreement run (issue 9): the command checker against
// PowerShell's own parser. Generates lines from the command table until
// --lines of them pass the checker, makes --mutants mutants of each, and
// feeds every accepted line (the repo corpus too) to ONE pwsh running
// powershell/test/Read-CommandLineAst.ps1. Any line PowerShell reads
// differently from the checker's command is a disagreement: printed with
// both views, and the run exits 1. Then --permissive lines (a quarter of
// --lines unless given) of a test table whose values may be any printable
// ASCII, which puts quoting and numbers through PowerShell too.
// Run: build the gateway, then
//   node bench/parser-agreement.mjs [--lines 100000] [--mutants 2] [--seed N] [--permissive N]
// (the quick version is gateway-plugin/test/parser-agreement.test.ts in npm test).
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

const require = createRequire(import.meta.url);
const { checkCommand, createCommandChecker, renderCommand } = require('../gateway-plugin/dist/src/policy/command-checker.js');
const { ACCESS_LEVELS } = require('../gateway-plugin/dist/src/domain/access-level.js');
const { AgreementFeeder, emptyCounts, LineGenerator, PERMISSIVE_TABLE, PowerShellAstReader, runGenerated } = require('../gateway-plugin/dist/test/helpers/parser-agreement.js');

function flags(argv) {
  const out = { lines: 100_000, mutants: 2, seed: 20260512, permissive: -1 };
  for (let i = 0; i < argv.length; i += 1) {
    const name = argv[i].replace(/^--/, '');
    if (!(name in out) || !argv[i].startsWith('--')) throw new Error(`unknown flag ${argv[i]}; use --lines N, --mutants N, --seed N, --permissive N`);
    const value = Number(argv[++i]);
    if (!Number.isSafeInteger(value) || value < 0) throw new Error(`--${name} needs a whole number, got ${argv[i]}`);
    out[name] = value;
  }
  if (out.permissive < 0) out.permissive = Math.ceil(out.lines / 4);
  return out;
}

const options = flags(process.argv.slice(2));
const corpusUrl = new URL('../test/command-corpus.tsv', import.meta.url);
const corpus = readFileSync(corpusUrl, 'utf8').split('\n')
  .filter((t) => t.trim() !== '' && !t.startsWith('#'))
  .map((t) => t.slice(t.indexOf('\t', t.indexOf('\t') + 1) + 1).replace(/\\u\{([0-9A-Fa-f]{1,6})\}/g, (_, h) => String.fromCodePoint(parseInt(h, 16))));

console.log(`parser agreement: seed ${options.seed}, ${options.lines} accepted generated lines, ${options.mutants} mutants each`);
const reader = new PowerShellAstReader();
const started = performance.now();
const counts = emptyCounts();
const feeder = new AgreementFeeder(reader, counts, 400, 20);

// 1. The corpus, at both levels, and the canonical rendering of each accepted line.
let corpusAccepted = 0;
for (const line of corpus) {
  for (const level of ACCESS_LEVELS) {
    const result = checkCommand(line, level);
    if (!result.allowed) continue;
    corpusAccepted += 1;
    await feeder.add({ line, level, command: result.command });
    await feeder.add({ line: renderCommand(result.command), level, command: result.command });
  }
}
await feeder.drain();
const corpusFed = counts.fed;

// 2. Generated lines and their mutants.
await runGenerated({
  feeder,
  generator: new LineGenerator(options.seed),
  check: checkCommand,
  accepted: options.lines,
  mutantsPerLine: options.mutants,
  onProgress: (c) => {
    const s = (performance.now() - started) / 1000;
    console.log(`  ${c.generatedAccepted} generated lines accepted, ${c.fed} fed, ${(c.fed / s).toFixed(0)} lines/s, ${c.disagreementCount} disagreements`);
  },
});
const tableSeconds = (performance.now() - started) / 1000;
const tableFed = counts.fed;

// 3. The permissive test table: any printable ASCII, in every quoting style.
const permissive = await runGenerated({
  feeder: new AgreementFeeder(reader, emptyCounts(), 400, 20, PERMISSIVE_TABLE),
  generator: new LineGenerator(options.seed + 1, PERMISSIVE_TABLE),
  check: createCommandChecker(PERMISSIVE_TABLE),
  accepted: options.permissive,
  mutantsPerLine: options.mutants,
});
const exitCode = await reader.close();
const seconds = (performance.now() - started) / 1000;

const checked = counts.generated + counts.mutants;
const accepted = counts.generatedAccepted + counts.mutantsAccepted;
console.log(`corpus:        ${corpus.length} lines, ${corpusAccepted} accepted (line, level) pairs, ${corpusFed} fed with their renderings`);
console.log(`generated:     ${counts.generated} checked, ${counts.generatedAccepted} accepted`);
console.log(`mutants:       ${counts.mutants} checked, ${counts.mutantsAccepted} accepted`);
console.log(`total:         ${checked} generated lines and mutants checked, ${accepted} accepted, ${counts.rejected} rejected`);
console.log(`fed to pwsh:   ${tableFed} lines in ${tableSeconds.toFixed(1)} s, ${(tableFed / tableSeconds).toFixed(0)} lines/s`);
const reasons = [...counts.reasons.entries()].sort((a, b) => b[1] - a[1]).slice(0, 12).map(([r, n]) => `${r} ${n}`).join(', ');
console.log(`refusals:      ${reasons}`);
console.log(`disagreements: ${counts.disagreementCount}`);
console.log(`permissive table (seed ${options.seed + 1}): ${permissive.generated} generated, ${permissive.generatedAccepted} accepted; `
  + `${permissive.mutants} mutants, ${permissive.mutantsAccepted} accepted; ${permissive.rejected} rejected; ${permissive.fed} fed; ${permissive.disagreementCount} disagreements`);
const fed = counts.fed + permissive.fed;
console.log(`all:           ${fed} lines fed to one pwsh in ${seconds.toFixed(1)} s, ${(fed / seconds).toFixed(0)} lines/s (pwsh exit code ${exitCode}); `
  + `${counts.disagreementCount + permissive.disagreementCount} disagreements`);
const shown = [...counts.disagreements, ...permissive.disagreements];
if (shown.length > 0) {
  console.log(`\n${shown.join('\n\n')}`);
  process.exit(1);
}
