// Benchmarks of the policy's speed claims, measured side by side in one run
// (the unit tests check only the answers; speed on a shared machine is no
// pass/fail matter):
//   1. the command checker on hostile maximum-length lines (2000 characters)
//      against a typical short line: per line and per character, so a
//      checker that is linear in the line shows a per-character ratio near 1
//      and a backtracking one a ratio in the hundreds;
//   2. the JEA session configuration refusing a long, hostile transcript
//      folder against writing the file for a valid one.
// Run: build the gateway, then node bench/policy.mjs   (prints ratios; no pass/fail)
// BENCH_POLICY_MS sets how long each measurement runs (default 300 ms).
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';

const require = createRequire(import.meta.url);
const dist = (p) => require(join(process.cwd(), 'gateway-plugin', 'dist', 'src', p));
const { checkCommand } = dist('policy/command-checker.js');
const { MAX_LINE_LENGTH } = dist('policy/tokenizer.js');
const { sessionConfigurationFile } = dist('policy/jea-files.js');

const RUN_MS = Number(process.env.BENCH_POLICY_MS ?? 300);

/** Microseconds per call of `fn`, over at least RUN_MS after a warm-up. */
function measure(fn) {
  for (let i = 0; i < 200; i++) fn();
  let calls = 0;
  const started = performance.now();
  let elapsed = 0;
  while (elapsed < RUN_MS) {
    for (let i = 0; i < 50; i++) fn();
    calls += 50;
    elapsed = performance.now() - started;
  }
  return (elapsed * 1000) / calls;
}

const us = (x) => `${x.toFixed(2).padStart(9)} µs`;
const ratio = (x) => `${x.toFixed(1).padStart(7)}x`;

// 1. The command checker.
const typical = 'Get-VM -Name vm-app01';
const hostile = [
  ['quotes doubled inside a string', `Get-VM -Name '${"a''".repeat(600)}'`],
  ['a path of 990 backslashes', `Get-VHD C:\\ClusterStorage\\V${'\\a'.repeat(990)}`],
  ['-Name repeated 399 times', `Get-VM ${'-Name '.repeat(399)}`],
  ['a list of 999 values', `Get-VM -Name ${'a,'.repeat(999)}`],
].map(([what, line]) => [what, line.slice(0, MAX_LINE_LENGTH)]);

const base = measure(() => checkCommand(typical, 'Diagnostics'));
console.log(`command checker: a typical line (${typical.length} characters) takes ${us(base)}`);
console.log(`  ${'hostile line'.padEnd(40)} ${'per line'.padStart(12)} ${'vs typical'.padStart(11)} ${'per character vs typical'.padStart(26)}`);
for (const [what, line] of hostile) {
  const t = measure(() => checkCommand(line, 'Diagnostics'));
  const perChar = (t / line.length) / (base / typical.length);
  console.log(`  ${`${what} (${line.length})`.padEnd(40)} ${us(t)} ${ratio(t / base).padStart(11)} ${ratio(perChar).padStart(26)}`);
}

// 2. The JEA session configuration's check of the transcript folder.
const groups = { Diagnostics: 'CONTOSO\\RemoteSupport-Diagnostics', DiagnosticsRepair: 'CONTOSO\\RemoteSupport-Repair' };
const longHostile = `C:\\${'a\\'.repeat(100)}<`;
const written = measure(() => sessionConfigurationFile('Diagnostics', { groups }));
const refused = measure(() => {
  try {
    sessionConfigurationFile('Diagnostics', { groups, transcriptDirectory: longHostile });
  } catch {
    return;
  }
  throw new Error('the hostile transcript folder was accepted');
});
console.log('JEA session configuration:');
console.log(`  writing the file for a valid folder          ${us(written)}`);
console.log(`  refusing a ${longHostile.length}-character hostile folder      ${us(refused)} ${ratio(refused / written)} of writing a valid one`);
