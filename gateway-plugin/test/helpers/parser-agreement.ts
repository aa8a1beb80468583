import { ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { join } from 'node:path';
import * as fc from 'fast-check';
import { ACCESS_LEVELS, AccessLevel } from '../../src/domain/access-level';
import { defaultPowerShellPath, powershellRoot } from '../../src/executors/powershell-files';
import { CheckedCommand, COMMAND_TABLE, CommandEntry, ParameterSpec, ParameterValue, ValueRule } from '../../src/policy/command-table';

/**
 * The parser agreement check: what the gateway's command checker accepts is
 * compared with what PowerShell's own parser sees in the same line. Shared
 * by the quick test (test/parser-agreement.test.ts) and the long run
 * (bench/parser-agreement.mjs), which loads this file from dist/.
 *
 * PowerShell runs as ONE long-lived process executing
 * powershell/test/Read-CommandLineAst.ps1, fed JSON lines on stdin.
 */

// ----------------------------------------------------------------- PowerShell's view

/** One element after the command name, as Read-CommandLineAst.ps1 describes it. */
export interface ElementView {
  kind: 'parameter' | 'argument';
  /** Parameters: the name without the dash, as typed. */
  name?: string;
  /** Parameters: an argument attached with a colon (-Name:x), or null. */
  argument?: ElementView | null;
  /** Arguments: the AST type name (StringConstantExpressionAst, ConstantExpressionAst, ArrayLiteralAst, ...). */
  type?: string;
  stringConstantType?: string;
  value?: string;
  /** Constants: the .NET type of the value PowerShell reads. */
  netType?: string | null;
  /** Constants: the value converted to [string] in the invariant culture (what a [string] parameter receives). */
  text?: string | null;
  /** ArrayLiteralAst: its elements. */
  elements?: ElementView[];
  /** Anything not constant: its text, for messages. */
  extent?: string;
}

/** What PowerShell's parser sees in one line. */
export interface LineView {
  id: number;
  internalError?: string;
  errors: { id: string; message: string; offset: number }[];
  statements: number;
  otherBlocks: boolean;
  statement: string | null;
  pipelineElements: number;
  background: boolean;
  command: {
    invocationOperator: string;
    redirections: number;
    name: { type: string; bareWord: boolean; value: string | null };
    elements: ElementView[];
  } | null;
}

/** The reader script, beside the product's PowerShell. */
export function readerScript(): string {
  return join(powershellRoot(), 'test', 'Read-CommandLineAst.ps1');
}

/** One pwsh process running Read-CommandLineAst.ps1; lines go in as JSON, views come back in order. */
export class PowerShellAstReader {
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly pending = new Map<number, { resolve: (v: LineView) => void; reject: (e: Error) => void }>();
  private nextId = 1;
  private buffered = '';
  private stderr = '';
  private failure: Error | undefined;
  private readonly exited: Promise<number | null>;

  constructor(pwsh: string = defaultPowerShellPath(), script: string = readerScript()) {
    this.child = spawn(pwsh, ['-NoLogo', '-NoProfile', '-NonInteractive', '-File', script], {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...process.env, POWERSHELL_TELEMETRY_OPTOUT: '1', POWERSHELL_UPDATECHECK: 'Off' },
    });
    this.child.stdout.setEncoding('utf8');
    this.child.stderr.setEncoding('utf8');
    this.child.stdout.on('data', (chunk: string) => this.onData(chunk));
    this.child.stderr.on('data', (chunk: string) => {
      this.stderr = (this.stderr + chunk).slice(-4000);
    });
    this.exited = new Promise((resolve) => {
      this.child.once('error', (e) => {
        this.fail(new Error(`${pwsh} could not be started (${e.message}); install PowerShell 7 (the set-up puts it at ~/.dotnet/tools/pwsh) or set REMOTE_SUPPORT_PWSH.`));
        resolve(null);
      });
      this.child.once('close', (code) => {
        this.fail(new Error(`pwsh ended (exit code ${code}) with ${this.pending.size} lines unanswered; stderr: ${this.stderr.trim() || '(empty)'}`));
        resolve(code);
      });
    });
    this.child.stdin.on('error', (e) => this.fail(new Error(`writing to pwsh failed: ${e.message}; stderr: ${this.stderr.trim()}`)));
  }

  /** The pid of the pwsh process. */
  get pid(): number | undefined {
    return this.child.pid;
  }

  private fail(error: Error): void {
    this.failure ??= error;
    for (const { reject } of this.pending.values()) reject(this.failure);
    this.pending.clear();
  }

  private onData(chunk: string): void {
    this.buffered += chunk;
    let newline: number;
    while ((newline = this.buffered.indexOf('\n')) >= 0) {
      const text = this.buffered.slice(0, newline).replace(/\r$/, '');
      this.buffered = this.buffered.slice(newline + 1);
      if (text === '') continue;
      let view: LineView;
      try {
        view = JSON.parse(text) as LineView;
      } catch {
        this.fail(new Error(`pwsh wrote a line that is not JSON: ${text.slice(0, 200)}`));
        return;
      }
      const waiter = this.pending.get(view.id);
      if (waiter === undefined) {
        this.fail(new Error(`pwsh answered an unknown request: ${text.slice(0, 300)}`));
        return;
      }
      this.pending.delete(view.id);
      waiter.resolve(view);
    }
  }

  /** What PowerShell's parser sees in `line`. */
  read(line: string): Promise<LineView> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    return new Promise<LineView>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.child.stdin.write(`${JSON.stringify({ id, line })}\n`);
    });
  }

  /** Ends the input and waits for pwsh to exit. */
  async close(): Promise<number | null> {
    this.child.stdin.end();
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 10_000);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }
}

// ----------------------------------------------------------------- comparison

/** An element in words: `string "web01"`, `System.Double "1E+29"`, `array (...)`, `ParenExpressionAst "(x)"`. */
export function describeElement(e: ElementView): string {
  if (e.kind === 'parameter') return `parameter -${e.name}${e.argument ? `:${describeElement(e.argument)}` : ''}`;
  if (e.type === 'ArrayLiteralAst') return `array (${(e.elements ?? []).map(describeElement).join(', ')})`;
  if (e.type === 'StringConstantExpressionAst') return `string ${JSON.stringify(e.value)}`;
  if (e.type === 'ConstantExpressionAst') return `${e.netType} ${JSON.stringify(e.text)}`;
  return `${e.type} ${JSON.stringify(e.extent)}`;
}

/** The text a scalar constant element binds to a [string] parameter, or a reason it is not a constant. */
function scalarText(e: ElementView): { text: string } | { not: string } {
  if (e.kind !== 'argument') return { not: describeElement(e) };
  if (e.type === 'StringConstantExpressionAst' && typeof e.value === 'string') return { text: e.value };
  if (e.type === 'ConstantExpressionAst' && typeof e.text === 'string') return { text: e.text };
  return { not: describeElement(e) };
}

function sameText(rule: ValueRule, checker: string, powershell: string): boolean {
  // A set value comes out of the checker in the table's spelling; the node's
  // ValidateSet compares without case, so only the letters must agree.
  return rule.kind === 'set' ? checker.toLowerCase() === powershell.toLowerCase() : checker === powershell;
}

function compareValue(spec: ParameterSpec, checker: ParameterValue, e: ElementView): string | undefined {
  const what = `-${spec.name}: the checker has ${JSON.stringify(checker)}, PowerShell has ${describeElement(e)}`;
  if (checker === true) return `${what} (a switch takes no argument)`;
  if (typeof checker === 'number') {
    const s = scalarText(e);
    if ('not' in s) return what;
    return /^-?[0-9]+$/.test(s.text) && Number(s.text) === checker ? undefined : what;
  }
  if (typeof checker === 'string') {
    const s = scalarText(e);
    if ('not' in s) return what;
    return sameText(spec.rule, checker, s.text) ? undefined : what;
  }
  if (e.type !== 'ArrayLiteralAst' || !Array.isArray(e.elements) || e.elements.length !== checker.length) return what;
  for (let k = 0; k < checker.length; k += 1) {
    const s = scalarText(e.elements[k]);
    if ('not' in s || !sameText(spec.rule, checker[k], s.text)) return what;
  }
  return undefined;
}

/**
 * Every way PowerShell's view of a line differs from the command the checker
 * made of it; empty when they agree. PowerShell's binding is modelled on the
 * table: a named parameter takes the next element unless it is a switch,
 * arguments left over bind to the table's positional parameter, in order.
 */
export function disagreements(command: CheckedCommand, view: LineView, table: readonly CommandEntry[] = COMMAND_TABLE): string[] {
  if (view.internalError !== undefined) return [`the AST reader failed: ${view.internalError}`];
  const out: string[] = [];
  if (view.errors.length > 0) out.push(`PowerShell reports parse errors: ${view.errors.map((e) => `${e.id} at ${e.offset}`).join('; ')}`);
  if (view.statements !== 1) out.push(`PowerShell sees ${view.statements} statements, not 1`);
  if (view.otherBlocks) out.push('PowerShell sees param, begin, process, clean, trap or using blocks');
  if (view.statements === 1 && view.statement !== 'PipelineAst') out.push(`the statement is a ${view.statement}, not a pipeline`);
  if (view.statement === 'PipelineAst' && view.pipelineElements !== 1) out.push(`the pipeline has ${view.pipelineElements} elements, not 1`);
  if (view.background) out.push('the pipeline runs in the background (&)');
  const c = view.command;
  if (c === null) {
    if (out.length === 0) out.push('PowerShell sees no single CommandAst');
    return out;
  }
  if (c.invocationOperator !== 'Unknown') out.push(`the command is invoked with the ${c.invocationOperator} operator`);
  if (c.redirections !== 0) out.push(`the command has ${c.redirections} redirections`);
  if (c.name.type !== 'StringConstantExpressionAst' || !c.name.bareWord) out.push(`the command name is a ${c.name.type}${c.name.bareWord ? '' : ' (not a bare word)'}`);
  if ((c.name.value ?? '').toLowerCase() !== command.cmdlet.toLowerCase()) out.push(`the checker runs ${command.cmdlet}, PowerShell runs ${JSON.stringify(c.name.value)}`);
  const entry = table.find((x) => x.name === command.cmdlet);
  if (entry === undefined) return [...out, `${command.cmdlet} is not in the table`];

  const bound = new Map<ParameterSpec, ElementView | true>();
  const leftovers: ElementView[] = [];
  for (let i = 0; i < c.elements.length; i += 1) {
    const e = c.elements[i];
    if (e.kind !== 'parameter') {
      leftovers.push(e);
      continue;
    }
    if (e.argument !== null && e.argument !== undefined) out.push(`PowerShell sees -${e.name} with an attached argument (${describeElement(e.argument)})`);
    const spec = entry.parameters.find((p) => p.name.toLowerCase() === (e.name ?? '').toLowerCase());
    if (spec === undefined) {
      out.push(`PowerShell sees parameter -${e.name}, which is not a table parameter of ${entry.name} written in full`);
      continue;
    }
    if (bound.has(spec)) out.push(`PowerShell sees -${spec.name} twice`);
    if (spec.rule.kind === 'switch') {
      bound.set(spec, true);
      continue;
    }
    const next = c.elements[i + 1];
    if (next === undefined || next.kind === 'parameter') {
      out.push(`PowerShell sees -${spec.name} without an argument`);
      continue;
    }
    bound.set(spec, next);
    i += 1;
  }
  const positional = entry.parameters.find((p) => p.position === 0);
  for (const [k, e] of leftovers.entries()) {
    if (k === 0 && positional !== undefined && !bound.has(positional)) bound.set(positional, e);
    else out.push(`PowerShell sees an argument no parameter takes: ${describeElement(e)}`);
  }

  for (const spec of entry.parameters) {
    const checker = command.parameters[spec.name];
    const ps = bound.get(spec);
    if (checker === undefined && ps === undefined) continue;
    if (checker === undefined) {
      out.push(`PowerShell binds -${spec.name} (${ps === true ? 'switch' : describeElement(ps as ElementView)}), the checker does not`);
    } else if (ps === undefined) {
      out.push(`the checker binds -${spec.name} to ${JSON.stringify(checker)}, PowerShell does not`);
    } else if (ps === true) {
      if (checker !== true) out.push(`-${spec.name}: the checker has ${JSON.stringify(checker)}, PowerShell has a switch`);
    } else {
      const wrong = compareValue(spec, checker, ps);
      if (wrong !== undefined) out.push(wrong);
    }
  }
  for (const name of Object.keys(command.parameters)) {
    if (!entry.parameters.some((p) => p.name === name)) out.push(`the checker binds -${name}, which is not a table parameter of ${entry.name}`);
  }
  return out;
}

/** A disagreement as a readable block: the line, both views and what differs. */
export function formatDisagreement(line: string, level: AccessLevel, command: CheckedCommand, view: LineView, problems: string[]): string {
  return [
    `line ${JSON.stringify(line)} at ${level}:`,
    ...problems.map((p) => `  - ${p}`),
    `  checker:    ${JSON.stringify(command)}`,
    `  PowerShell: ${JSON.stringify(view)}`,
  ].join('\n');
}

// ----------------------------------------------------------------- generation

/** A small deterministic PRNG (mulberry32), so runs repeat from a seed. */
export class Random {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0;
  }
  /** A float in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)];
  }
  /** Letters in random case. */
  mixedCase(text: string): string {
    let out = '';
    for (const ch of text) out += this.chance(0.5) ? ch.toUpperCase() : ch.toLowerCase();
    return out;
  }
}

const DIGITS = '0123456789';
const HEX = '0123456789abcdefABCDEF';
const SUFFIXES = ['l', 'u', 'ul', 'lu', 'us', 'uy', 'y', 's', 'n', 'd'];
const MULTIPLIERS = ['kb', 'mb', 'gb', 'tb', 'pb'];

function run(r: Random, alphabet: string, min: number, max: number): string {
  const n = min + r.int(max - min + 1);
  let s = '';
  for (let i = 0; i < n; i += 1) s += alphabet[r.int(alphabet.length)];
  return s;
}

/**
 * A word shaped like one of PowerShell's numeric literals, or close to one:
 * long digit runs around the 18-digit cap, leading zeros, hex and binary
 * (with and without digits), reals, exponents, type suffixes, multipliers,
 * signs, underscores, and serial-number-like mixtures.
 */
export function numberishWord(r: Random): string {
  const whole = () => (r.chance(0.2) ? '0' : '') + run(r, DIGITS, 1, 6);
  let word: string;
  switch (r.int(11)) {
    case 0: word = run(r, DIGITS, 1, 36); break;
    case 1: word = `${1 + r.int(9)}${run(r, DIGITS, 15, 30)}`; break;
    case 2: word = `0${r.pick(['x', 'X'])}${run(r, HEX, 0, 17)}`; break;
    case 3: word = `0${r.pick(['b', 'B'])}${run(r, '01', 0, 12)}`; break;
    case 4: word = r.pick([`${whole()}.${run(r, DIGITS, 0, 4)}`, `.${run(r, DIGITS, 1, 4)}`, `${whole()}.`]); break;
    case 5: word = `${whole()}${r.chance(0.5) ? `.${run(r, DIGITS, 0, 3)}` : ''}${r.pick(['e', 'E'])}${r.pick(['', '-', ''])}${run(r, DIGITS, 0, 3)}`; break;
    case 6: word = `${r.chance(0.3) ? `0x${run(r, HEX, 0, 4)}` : whole()}${r.pick(SUFFIXES)}`; break;
    case 7: word = `${whole()}${r.chance(0.3) ? r.pick(SUFFIXES) : ''}${r.pick(MULTIPLIERS)}`; break;
    case 8: word = r.pick([`${whole()}_${run(r, DIGITS, 3, 3)}`, `${whole()}-${whole()}`, `${whole()}..${whole()}`, `${whole()}.${whole()}.${whole()}`, `${whole()}:${whole()}`]); break;
    case 9: word = `${run(r, DIGITS, 1, 8)}${run(r, 'ABCDEFXYZabcdefxyz_-', 1, 6)}${run(r, DIGITS, 0, 6)}`; break;
    default: word = r.pick(['0', '00', '-0', '1', '-1', '9223372036854775807', '9223372036854775808', '79228162514264337593543950335', '79228162514264337593543950336', '2147483648', 'Infinity', 'NaN', '1e400', '0x', '0b', '0xl', '0bkb']);
  }
  if (r.chance(0.15)) word = `-${word}`;
  return r.chance(0.2) ? r.mixedCase(word) : word;
}

/** Words that are legal names but look like something else to a reader. */
const TRICKY_WORDS = [
  'a:b', 'C:', 'web01:', '*', '?', '**', 'a*b?', 'a.b', '.hidden', 'a..b', 'a-', 'a_-_b', 'true', 'false', 'null', '$true', 'a\\b',
  'web01.', '...x', '-', '--', '-x', 'x-', 'E', 'e5', 'kb', 'x0', '0-0', '_', 'Name', '-Name', 'ClusSvc',
];

const BLANKS = [' ', ' ', ' ', '  ', '\t', ' \t', '\t '];
const COMMAS = [',', ',', ', ', ' ,', ' , ', '\t,', ',\t'];

/** What a mutant usually gains: characters the grammar knows, so that many mutants are still accepted. */
export const QUIET_ALPHABET = [...'0123456789aZeEkKbBxXlLdDnN.-_,:*? \t\'"', '0x', '1kb', '1e5', '00', '.5', ' -Name', "''", '""'];
/** What a mutant sometimes gains: PowerShell's metacharacters, quotes, dashes, digits, letters, blanks and lookalikes. */
export const MUTATION_ALPHABET = [
  ...'$`;|&(){}@#,\'"-0123456789aZeEkKbBxX. \t:\\*?[]<>%^!=+~/_',
  '\u2013', '\u2014', '\u2015', '\u2212', '\u2018', '\u2019', '\u201c', '\u201d', '\u00a0', '\u200b', '\u0435', '\u00e9', '\uff0d', '\r', '\n', '\u0000',
  '$(', '@(', '0x', '1kb', '1e5', '""', "''", ' -', ' -Name', ',,', '--%',
];

/** Writes a value: bare, in single quotes (with '' for '), or in double quotes (with "" for "). */
function writeValue(r: Random, text: string): string {
  const style = r.int(10);
  if (style < 5) return text; // bare: the checker decides whether the word can stand bare
  if (style < 8 || /[$`]/.test(text)) return `'${text.replace(/'/g, "''")}'`;
  return `"${text.replace(/"/g, '""')}"`;
}

export interface GeneratedLine {
  line: string;
  level: AccessLevel;
}

/** Builds lines from the command table, deterministically from a seed. */
export class LineGenerator {
  readonly random: Random;
  private readonly table: readonly CommandEntry[];
  private readonly pools = new Map<string, string[]>();

  constructor(seed: number, table: readonly CommandEntry[] = COMMAND_TABLE, poolSize = 400) {
    this.random = new Random(seed);
    this.table = table;
    // Values for each pattern come from fast-check's stringMatching, sampled once from the seed.
    let k = 0;
    for (const entry of table) {
      for (const p of entry.parameters) {
        if (p.rule.kind !== 'pattern' || this.pools.has(p.rule.pattern)) continue;
        k += 1;
        this.pools.set(p.rule.pattern, fc.sample(fc.stringMatching(new RegExp(p.rule.pattern)), { seed: seed + k, numRuns: poolSize }));
      }
    }
  }

  private value(rule: ValueRule): string {
    const r = this.random;
    switch (rule.kind) {
      case 'switch':
        return '';
      case 'set':
        return r.chance(0.9) ? r.mixedCase(r.pick(rule.values)) : r.pick([numberishWord(r), r.pick(TRICKY_WORDS)]);
      case 'pattern': {
        const roll = r.int(10);
        if (roll < 6) return r.pick(this.pools.get(rule.pattern) as string[]);
        if (roll < 9) return numberishWord(r);
        return r.pick(TRICKY_WORDS);
      }
    }
  }

  private values(rule: ValueRule): string {
    const r = this.random;
    const many = (rule.kind === 'set' || rule.kind === 'pattern') && rule.list === true && r.chance(0.35);
    const count = many ? 2 + r.int(3) : 1;
    const written: string[] = [];
    for (let i = 0; i < count; i += 1) written.push(writeValue(r, this.value(rule)));
    let out = written[0];
    for (let i = 1; i < count; i += 1) out += r.pick(COMMAS) + written[i];
    return out;
  }

  /** One line: a table cmdlet in random case, a random subset of its parameters in random order and style. */
  next(): GeneratedLine {
    const r = this.random;
    const entry = r.pick(this.table);
    const level = ACCESS_LEVELS[Math.max(ACCESS_LEVELS.indexOf(entry.level), r.int(ACCESS_LEVELS.length))];
    const specs = entry.parameters.filter(() => r.chance(0.6));
    for (let i = specs.length - 1; i > 0; i -= 1) {
      const j = r.int(i + 1);
      [specs[i], specs[j]] = [specs[j], specs[i]];
    }
    const parts = [r.chance(0.7) ? entry.name : r.mixedCase(entry.name)];
    specs.forEach((spec, index) => {
      const name = `-${r.chance(0.7) ? spec.name : r.mixedCase(spec.name)}`;
      if (spec.rule.kind === 'switch') parts.push(name);
      else if (index === 0 && spec.position === 0 && r.chance(0.5)) parts.push(this.values(spec.rule));
      else parts.push(name + r.pick(BLANKS) + this.values(spec.rule));
    });
    let line = parts[0];
    for (let i = 1; i < parts.length; i += 1) line += r.pick(BLANKS) + parts[i];
    if (r.chance(0.1)) line = r.pick(BLANKS) + line;
    if (r.chance(0.1)) line += r.pick(BLANKS);
    return { line, level };
  }

  /** The line with 1 to 3 edits: characters inserted, deleted, replaced, doubled or swapped. */
  mutate(line: string): string {
    const r = this.random;
    let out = line;
    const edits = 1 + r.int(3);
    for (let e = 0; e < edits; e += 1) {
      // Mostly after the cmdlet name: a bent name is refused before anything interesting.
      const afterName = (/^[ \t]*[^ \t]*[ \t]?/.exec(out) as RegExpExecArray)[0].length;
      const at = r.chance(0.85) ? afterName + r.int(out.length - afterName + 1) : r.int(out.length + 1);
      const gain = () => r.pick(r.chance(0.7) ? QUIET_ALPHABET : MUTATION_ALPHABET);
      switch (r.int(5)) {
        case 0: out = out.slice(0, at) + gain() + out.slice(at); break;
        case 1: out = out.slice(0, at) + out.slice(at + 1); break;
        case 2: out = out.slice(0, at) + gain() + out.slice(at + 1); break;
        case 3: out = out.slice(0, at) + out.slice(at, at + 1) + out.slice(at); break;
        default: out = at + 1 < out.length ? out.slice(0, at) + out[at + 1] + out[at] + out.slice(at + 2) : out;
      }
    }
    return out;
  }
}

/**
 * A table no node runs, for the agreement check only: its values may be any
 * printable ASCII, so that quoting ('' inside single quotes, "" inside double
 * quotes, quotes of the other kind, $ and backtick inside single quotes,
 * metacharacters inside quotes) and whole numbers are accepted by the
 * checker and compared with PowerShell, which the shipped table's narrow
 * patterns never let through.
 */
export const PERMISSIVE_TABLE: readonly CommandEntry[] = [
  {
    name: 'Get-Thing', level: 'Diagnostics', module: 'Storage', kind: 'function', reason: 'parser agreement only',
    parameters: [
      { name: 'Name', rule: { kind: 'pattern', pattern: '^[\\x20-\\x7e]{1,64}$', description: 'any printable ASCII', list: true }, position: 0 },
      { name: 'Text', rule: { kind: 'pattern', pattern: '^[\\x20-\\x7e]{0,64}$', description: 'any printable ASCII, or nothing' } },
      { name: 'Mode', rule: { kind: 'set', values: ['Alpha', 'Beta', '0x10', '007'], list: true } },
      { name: 'Force', rule: { kind: 'switch' } },
    ],
  },
];

// ----------------------------------------------------------------- running

/** A function that checks one line, as checkCommand does. */
export type LineChecker = (line: string, level: AccessLevel) => { allowed: true; command: CheckedCommand } | { allowed: false; reason: string; message: string };

/** An accepted line on its way to PowerShell. */
export interface AcceptedLine {
  line: string;
  level: AccessLevel;
  command: CheckedCommand;
}

export interface AgreementCounts {
  /** Generated lines checked, and how many the checker accepted. */
  generated: number;
  generatedAccepted: number;
  /** Mutants checked, and how many the checker accepted. */
  mutants: number;
  mutantsAccepted: number;
  /** Lines the checker refused (generated and mutants). */
  rejected: number;
  /** Lines sent to PowerShell (every accepted one). */
  fed: number;
  /** Refusals by reason, to show what the generator reached. */
  reasons: Map<string, number>;
  /** Every disagreement, formatted (at most `keep` are kept; `disagreementCount` counts all). */
  disagreements: string[];
  disagreementCount: number;
}

export function emptyCounts(): AgreementCounts {
  return { generated: 0, generatedAccepted: 0, mutants: 0, mutantsAccepted: 0, rejected: 0, fed: 0, reasons: new Map(), disagreements: [], disagreementCount: 0 };
}

/** Feeds accepted lines to PowerShell in batches, a few batches in flight, and records every disagreement. */
export class AgreementFeeder {
  private batch: AcceptedLine[] = [];
  private readonly inFlight: Promise<void>[] = [];

  constructor(
    private readonly reader: PowerShellAstReader,
    readonly counts: AgreementCounts,
    private readonly batchSize = 400,
    private readonly keep = 50,
    private readonly table: readonly CommandEntry[] = COMMAND_TABLE,
  ) {}

  async add(item: AcceptedLine): Promise<void> {
    this.batch.push(item);
    if (this.batch.length >= this.batchSize) await this.flush();
  }

  private async flush(): Promise<void> {
    const items = this.batch;
    this.batch = [];
    if (items.length === 0) return;
    this.counts.fed += items.length;
    const views = items.map((item) => this.reader.read(item.line));
    this.inFlight.push(Promise.all(views).then((answers) => {
      answers.forEach((view, k) => {
        const { line, level, command } = items[k];
        const problems = disagreements(command, view, this.table);
        if (problems.length === 0) return;
        this.counts.disagreementCount += 1;
        if (this.counts.disagreements.length < this.keep) this.counts.disagreements.push(formatDisagreement(line, level, command, view, problems));
      });
    }));
    while (this.inFlight.length > 3) await this.inFlight.shift();
  }

  /** Sends what is left and waits for every answer. */
  async drain(): Promise<AgreementCounts> {
    await this.flush();
    while (this.inFlight.length > 0) await this.inFlight.shift();
    return this.counts;
  }
}

/**
 * Generates lines until `accepted` of them pass the checker, makes
 * `mutantsPerLine` mutants of each accepted one, and feeds every accepted
 * line (generated or mutant) to PowerShell.
 */
export async function runGenerated(options: {
  feeder: AgreementFeeder;
  generator: LineGenerator;
  check: LineChecker;
  accepted: number;
  mutantsPerLine: number;
  onProgress?: (counts: AgreementCounts) => void;
}): Promise<AgreementCounts> {
  const { feeder, generator, check, accepted, mutantsPerLine } = options;
  const counts = feeder.counts;
  const refuse = (reason: string) => {
    counts.rejected += 1;
    counts.reasons.set(reason, (counts.reasons.get(reason) ?? 0) + 1);
  };
  let accepts = 0;
  while (accepts < accepted) {
    const { line, level } = generator.next();
    counts.generated += 1;
    const result = check(line, level);
    if (!result.allowed) {
      refuse(result.reason);
      continue;
    }
    accepts += 1;
    counts.generatedAccepted += 1;
    await feeder.add({ line, level, command: result.command });
    for (let m = 0; m < mutantsPerLine; m += 1) {
      const mutant = generator.mutate(line);
      counts.mutants += 1;
      const mutated = check(mutant, level);
      if (!mutated.allowed) {
        refuse(mutated.reason);
        continue;
      }
      counts.mutantsAccepted += 1;
      await feeder.add({ line: mutant, level, command: mutated.command });
    }
    if (options.onProgress && accepts % 10_000 === 0) options.onProgress(counts);
  }
  return feeder.drain();
}
