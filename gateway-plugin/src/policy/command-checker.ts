import { AccessLevel, levelsIncludedBy } from '../domain/access-level';
import { MAX_COMMAND_LINE } from '../domain/identifiers';
import { CheckedCommand, COMMAND_TABLE, CommandEntry, ParameterSpec, ParameterValue, ValueRule } from './command-table';
import { LEXICAL_DENIAL_REASONS, ParameterToken, showText, Token, tokenize, ValueToken } from './tokenizer';

/**
 * The gateway's check of a command line against the allowlist. A line is
 * accepted only when it is one cmdlet from the table, allowed at the grant's
 * level, followed by named parameters from that cmdlet's list with literal
 * values that satisfy their rules. Whatever is accepted leaves as a
 * CheckedCommand (table spellings, typed values): the line itself never
 * reaches an executor. Everything else is refused with a reason from
 * DENIAL_REASONS and a message that names what was wrong.
 *
 * The grammar and every reason are described in docs/command-policy.md.
 */

/** Every reason a line can be refused for, in the order the checks run. */
export const DENIAL_REASONS = [
  ...LEXICAL_DENIAL_REASONS,
  'missing-cmdlet',
  'module-qualified',
  'alias',
  'wildcard-cmdlet',
  'unknown-cmdlet',
  'level-too-low',
  'encoded-command',
  'unknown-parameter',
  'abbreviated-parameter',
  'duplicate-parameter',
  'missing-value',
  'switch-with-value',
  'unexpected-argument',
  'bad-list',
  'list-not-allowed',
  'ambiguous-number',
  'path-traversal',
  'value-not-allowed',
] as const;
/** A reason a line is refused; documented one by one in docs/command-policy.md. */
export type DenialReason = (typeof DENIAL_REASONS)[number];

/** The outcome of checking one line. */
export type CheckResult =
  | { allowed: true; command: CheckedCommand }
  | { allowed: false; reason: DenialReason; message: string };

/** A denial, as returned inside a CheckResult. */
export type Denial = Extract<CheckResult, { allowed: false }>;

const REASON_SUMMARIES: Readonly<Record<DenialReason, string>> = {
  'empty': 'The line holds no command.',
  'too-long': `The line is longer than ${MAX_COMMAND_LINE} characters.`,
  'newline': 'The line contains a line break, which would start a second command.',
  'control-character': 'The line contains a control character such as NUL or ESC.',
  'unicode-dash': 'The line contains a Unicode dash (PowerShell reads en dash, em dash and horizontal bar as "-").',
  'unicode-quote': 'The line contains a Unicode quote (PowerShell reads curly quotes as quotes).',
  'unicode-space': 'The line contains a Unicode space such as NO-BREAK SPACE.',
  'invisible-character': 'The line contains an invisible character such as ZERO WIDTH SPACE.',
  'non-ascii': 'The line contains a character outside ASCII, such as a lookalike letter from another script.',
  'pipeline': 'The line pipes into another command with "|".',
  'statement-separator': 'The line starts a second command with ";".',
  'operator': 'The line uses "&&", "||", "&" (call or background), "." (dot-source) or the stop-parsing token "--%" (even quoted).',
  'script-block': 'The line contains a script block "{ }".',
  'hashtable': 'The line contains a hashtable "@{ }".',
  'subexpression': 'The line contains a subexpression "$( )" or "@( )".',
  'variable': 'The line contains a variable such as $x, ${x} or $env:x.',
  'splatting': 'The line splats a variable with "@name".',
  'here-string': 'The line starts a here-string with @\' or @".',
  'redirection': 'The line redirects input or output with "<" or ">".',
  'comment': 'The line contains a comment "#" or "<# #>".',
  'backtick': 'The line contains a backtick, PowerShell\'s escape character.',
  'parenthesis': 'The line contains "(" or ")" outside quotes, which would group or evaluate an expression.',
  'type-literal': 'The line contains "[" or "]" outside quotes (a type literal or a wildcard range).',
  'member-access': 'The line reads a member with "::" or ".".',
  'bad-quoting': 'A quote is never closed, or a quoted string is glued to other text.',
  'unexpected-character': 'The line contains a character the command grammar has no use for, such as ^ % ! = + / ~.',
  'colon-parameter': 'A parameter is written as -Name:value.',
  'malformed-parameter': 'A dash is followed by something that is not a parameter name, such as "--" or "-".',
  'missing-cmdlet': 'The line does not start with a cmdlet name.',
  'module-qualified': 'The cmdlet name carries a module name, as in Module\\Cmdlet.',
  'alias': 'The command is an alias (such as gsv or ls); only full cmdlet names are accepted.',
  'wildcard-cmdlet': 'The cmdlet name contains a wildcard.',
  'unknown-cmdlet': 'The cmdlet is not in the allowlist.',
  'level-too-low': 'The cmdlet is in the allowlist, but the grant\'s access level does not include it.',
  'encoded-command': 'The line passes -EncodedCommand (or one of its short forms).',
  'unknown-parameter': 'The cmdlet is allowed, but not with this parameter (such as -ComputerName).',
  'abbreviated-parameter': 'A parameter name is shortened; parameter names must be written in full.',
  'duplicate-parameter': 'A parameter is given twice.',
  'missing-value': 'A parameter that needs a value has none.',
  'switch-with-value': 'A switch parameter is followed by a value.',
  'unexpected-argument': 'A value belongs to no parameter.',
  'bad-list': 'A comma list has an empty element, or starts or ends with a comma.',
  'list-not-allowed': 'A list was given to a parameter that takes one value.',
  'ambiguous-number': 'A bare value that PowerShell would read as a number with a different text (007, 0x10, 0x, 1kb, 1.0, or more than 18 digits); quote it.',
  'path-traversal': 'A path contains a "." or ".." segment.',
  'value-not-allowed': 'A value does not satisfy its parameter\'s rule.',
};

/** One sentence that explains a denial reason, for lists and documentation. */
export function describeDenial(reason: DenialReason): string {
  return REASON_SUMMARIES[reason];
}

/** A function that checks one command line for a grant at a level. */
export type CommandChecker = (line: string, level: AccessLevel) => CheckResult;

// PowerShell's built-in aliases (Windows PowerShell 5.1). Only used to say
// why a line was refused and what to type instead; an alias is never run.
const BUILT_IN_ALIASES: Readonly<Record<string, string>> = {
  '%': 'ForEach-Object', '?': 'Where-Object', ac: 'Add-Content', asnp: 'Add-PSSnapin', cat: 'Get-Content',
  cd: 'Set-Location', chdir: 'Set-Location', clc: 'Clear-Content', clear: 'Clear-Host', clhy: 'Clear-History',
  cli: 'Clear-Item', clp: 'Clear-ItemProperty', cls: 'Clear-Host', clv: 'Clear-Variable', cnsn: 'Connect-PSSession',
  compare: 'Compare-Object', copy: 'Copy-Item', cp: 'Copy-Item', cpi: 'Copy-Item', cpp: 'Copy-ItemProperty',
  curl: 'Invoke-WebRequest', cvpa: 'Convert-Path', dbp: 'Disable-PSBreakpoint', del: 'Remove-Item', diff: 'Compare-Object',
  dir: 'Get-ChildItem', dnsn: 'Disconnect-PSSession', ebp: 'Enable-PSBreakpoint', echo: 'Write-Output', epal: 'Export-Alias',
  epcsv: 'Export-Csv', epsn: 'Export-PSSession', erase: 'Remove-Item', etsn: 'Enter-PSSession', exsn: 'Exit-PSSession',
  fc: 'Format-Custom', fhx: 'Format-Hex', fl: 'Format-List', foreach: 'ForEach-Object', ft: 'Format-Table', fw: 'Format-Wide',
  gal: 'Get-Alias', gbp: 'Get-PSBreakpoint', gc: 'Get-Content', gcb: 'Get-Clipboard', gci: 'Get-ChildItem', gcm: 'Get-Command',
  gcs: 'Get-PSCallStack', gdr: 'Get-PSDrive', ghy: 'Get-History', gi: 'Get-Item', gin: 'Get-ComputerInfo', gjb: 'Get-Job',
  gl: 'Get-Location', gm: 'Get-Member', gmo: 'Get-Module', gp: 'Get-ItemProperty', gps: 'Get-Process',
  gpv: 'Get-ItemPropertyValue', group: 'Group-Object', gsn: 'Get-PSSession', gsnp: 'Get-PSSnapin', gsv: 'Get-Service',
  gtz: 'Get-TimeZone', gu: 'Get-Unique', gv: 'Get-Variable', gwmi: 'Get-WmiObject', h: 'Get-History', history: 'Get-History',
  icm: 'Invoke-Command', iex: 'Invoke-Expression', ihy: 'Invoke-History', ii: 'Invoke-Item', ipal: 'Import-Alias',
  ipcsv: 'Import-Csv', ipmo: 'Import-Module', ipsn: 'Import-PSSession', irm: 'Invoke-RestMethod', iwmi: 'Invoke-WmiMethod',
  iwr: 'Invoke-WebRequest', kill: 'Stop-Process', lp: 'Out-Printer', ls: 'Get-ChildItem', man: 'help', md: 'mkdir',
  measure: 'Measure-Object', mi: 'Move-Item', mount: 'New-PSDrive', move: 'Move-Item', mp: 'Move-ItemProperty',
  mv: 'Move-Item', nal: 'New-Alias', ndr: 'New-PSDrive', ni: 'New-Item', nmo: 'New-Module', nsn: 'New-PSSession',
  nv: 'New-Variable', ogv: 'Out-GridView', oh: 'Out-Host', popd: 'Pop-Location', ps: 'Get-Process', pushd: 'Push-Location',
  pwd: 'Get-Location', r: 'Invoke-History', rbp: 'Remove-PSBreakpoint', rcjb: 'Receive-Job', rcsn: 'Receive-PSSession',
  rd: 'Remove-Item', rdr: 'Remove-PSDrive', ren: 'Rename-Item', ri: 'Remove-Item', rjb: 'Remove-Job', rm: 'Remove-Item',
  rmdir: 'Remove-Item', rmo: 'Remove-Module', rni: 'Rename-Item', rnp: 'Rename-ItemProperty', rp: 'Remove-ItemProperty',
  rsn: 'Remove-PSSession', rsnp: 'Remove-PSSnapin', rujb: 'Resume-Job', rv: 'Remove-Variable', rvpa: 'Resolve-Path',
  rwmi: 'Remove-WmiObject', sajb: 'Start-Job', sal: 'Set-Alias', saps: 'Start-Process', sasv: 'Start-Service',
  sbp: 'Set-PSBreakpoint', sc: 'Set-Content', scb: 'Set-Clipboard', select: 'Select-Object', set: 'Set-Variable',
  shcm: 'Show-Command', si: 'Set-Item', sl: 'Set-Location', sleep: 'Start-Sleep', sls: 'Select-String', sort: 'Sort-Object',
  sp: 'Set-ItemProperty', spjb: 'Stop-Job', spps: 'Stop-Process', spsv: 'Stop-Service', start: 'Start-Process',
  stz: 'Set-TimeZone', sujb: 'Suspend-Job', sv: 'Set-Variable', swmi: 'Set-WmiInstance', tee: 'Tee-Object',
  trcm: 'Trace-Command', type: 'Get-Content', wget: 'Invoke-WebRequest', where: 'Where-Object', wjb: 'Wait-Job',
  write: 'Write-Output',
};

// Parameters that would take a command off the node the session runs on or
// change how it runs; named in the refusal so the engineer knows why.
const REMOTING_PARAMETERS = new Set(['computername', 'cimsession', 'credential', 'asjob', 'throttlelimit', 'session', 'pssession', 'cn']);
const COMMON_PARAMETERS = new Set([
  'verbose', 'debug', 'erroraction', 'warningaction', 'informationaction', 'progressaction', 'errorvariable', 'warningvariable',
  'informationvariable', 'outvariable', 'outbuffer', 'pipelinevariable', 'whatif', 'confirm',
]);

const MODULE_QUALIFIED = /^[A-Za-z][A-Za-z0-9._-]*\\[A-Za-z][A-Za-z0-9-]*$/;
// PowerShell's numeric literals in argument mode (Windows PowerShell 5.1 and
// PowerShell 7): decimal, hex, binary, real, exponent, type suffixes and
// kb..pb multipliers. A bare value shaped like this is converted to a number
// by PowerShell, and then back to a string with different text (007 -> "7",
// 0x10 -> "16", 1kb -> "1024", 1.0 -> "1"). Hex needs no digit at all: "0x",
// "0xl" and "0xkb" are read as 0 (found by the parser agreement test); "0b"
// is left out by PowerShell 7.6 but refused here too. The pattern is a
// superset on purpose ("1lu", "-5" and "-0x1" stay text in PowerShell 7):
// what it wrongly catches only has to be quoted.
const POWERSHELL_NUMBER = /^-?(?:0x[0-9a-f]*|0b[01]*|(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:e[+-]?[0-9]+)?)(?:ul|lu|us|uy|[lusynd])?(?:kb|mb|gb|tb|pb)?$/i;
// The only bare numbers accepted as text: whole, decimal, without leading
// zeros, and at most 18 digits. PowerShell reads bare digits as an int32,
// else an int64, else a decimal, else a double, and a [string] parameter
// gets the value converted back. Up to 18 digits that is always an int32 or
// int64 (the int64 limit, 9223372036854775807, has 19 digits), whose text
// is exactly the digits typed. Longer ones become a decimal (exact up to
// 79228162514264337593543950335) or a double, which loses digits
// (99999999999999999999999999999 becomes "1E+29"). Rather than copy that
// boundary, the checker refuses every bare whole number past 18 digits.
const CANONICAL_WHOLE_NUMBER = /^(0|-?[1-9][0-9]{0,17})$/;
const MAX_BARE_DIGITS = 18;
// A path segment of only dots and spaces, such as "." or "..": Windows
// resolves these (and trims trailing dots and spaces), so they could climb
// out of the folder a pattern names.
const DOT_SEGMENT = /(^|[\\/])[. ]*\.[. ]*([\\/]|$)/;

interface CompiledParameter {
  spec: ParameterSpec;
  lowerName: string;
  pattern?: RegExp;
}

interface CompiledCommand {
  entry: CommandEntry;
  parameters: CompiledParameter[];
  positional?: CompiledParameter;
}

function denial(reason: DenialReason, message: string): Denial {
  return { allowed: false, reason, message };
}

function isDenial(x: unknown): x is Denial {
  return typeof x === 'object' && x !== null && !Array.isArray(x) && (x as { allowed?: unknown }).allowed === false;
}

/**
 * Builds a checker for a table. The table's patterns are compiled once, here;
 * nothing from a command line ever becomes a regular expression. Tests use
 * this to check tables other than the shipped one.
 */
export function createCommandChecker(table: readonly CommandEntry[]): CommandChecker {
  const commands = new Map<string, CompiledCommand>();
  for (const entry of table) {
    const parameters = entry.parameters.map((spec): CompiledParameter => {
      const compiled: CompiledParameter = { spec, lowerName: spec.name.toLowerCase() };
      // Without case, as JEA's ValidatePattern matches. Lines are pure ASCII
      // by the time a value is matched, so "i" cannot fold other scripts in.
      if (spec.rule.kind === 'pattern') compiled.pattern = new RegExp(spec.rule.pattern, 'i');
      return compiled;
    });
    commands.set(entry.name.toLowerCase(), { entry, parameters, positional: parameters.find((p) => p.spec.position === 0) });
  }
  const aliases = new Map(Object.entries(BUILT_IN_ALIASES).map(([alias, target]) => [alias.toLowerCase(), target]));

  return function check(line: string, level: AccessLevel): CheckResult {
    const lexed = tokenize(line);
    if (!lexed.ok) return denial(lexed.reason, lexed.message);
    const [first, ...rest] = lexed.tokens;
    if (first.kind !== 'value' || first.quote !== 'none') {
      return denial('missing-cmdlet', `The command must start with a cmdlet name, not ${first.kind === 'parameter' ? 'a parameter' : first.kind === 'comma' ? 'a comma' : 'a quoted string'} (${showText(first.raw)}).`);
    }
    const found = findCompiled(first.value, level, commands, aliases);
    if (isDenial(found)) return found;
    return checkArguments(found, rest);
  };
}

function findCompiled(name: string, level: AccessLevel, commands: Map<string, CompiledCommand>, aliases: Map<string, string>): CompiledCommand | Denial {
  const levels = levelsIncludedBy(level);
  const allowedHere = (c: CompiledCommand) => levels.includes(c.entry.level);
  if (name.includes('\\')) {
    if (MODULE_QUALIFIED.test(name)) {
      const bare = name.slice(name.lastIndexOf('\\') + 1);
      const known = commands.get(bare.toLowerCase());
      const hint = known && allowedHere(known) ? `; type ${known.entry.name} without the module name` : '';
      return denial('module-qualified', `${showText(name)} names a module as well as a cmdlet; module-qualified names are not accepted${hint}.`);
    }
    return denial('unknown-cmdlet', `${showText(name)} is a path, not a cmdlet from the allowlist; scripts and programs cannot be run.`);
  }
  const aliasTarget = aliases.get(name.toLowerCase());
  if (aliasTarget !== undefined) {
    const known = commands.get(aliasTarget.toLowerCase());
    const what = `${showText(name)} is PowerShell's alias of ${aliasTarget}`;
    if (known && allowedHere(known)) return denial('alias', `${what}; aliases are not accepted, type ${known.entry.name} instead.`);
    const why = known ? `which needs the ${known.entry.level} access level (this grant is ${level})` : 'which is not in the allowlist';
    return denial('alias', `${what}, ${why}; aliases are not accepted either.`);
  }
  if (/[*?]/.test(name)) {
    return denial('wildcard-cmdlet', `${showText(name)} contains a wildcard; type one cmdlet name in full.`);
  }
  const command = commands.get(name.toLowerCase());
  if (command === undefined) {
    const suggestion = closestName(name, [...commands.values()].filter(allowedHere).map((c) => c.entry.name));
    return denial('unknown-cmdlet', `${showText(name)} is not a cmdlet in the allowlist for ${level}${suggestion ? `; did you mean ${suggestion}?` : '.'}`);
  }
  if (!allowedHere(command)) {
    return denial('level-too-low', `${command.entry.name} needs the ${command.entry.level} access level; this grant is ${level}.`);
  }
  return command;
}

/** The nearest allowed name within two edits, to suggest on a typo. */
function closestName(typed: string, names: string[]): string | undefined {
  const lower = typed.toLowerCase();
  let best: { name: string; distance: number } | undefined;
  for (const name of names) {
    const distance = editDistance(lower, name.toLowerCase());
    if (distance <= 2 && (best === undefined || distance < best.distance)) best = { name, distance };
  }
  return best?.name;
}

function editDistance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 2) return 3;
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i += 1) {
    const current = [i];
    for (let j = 1; j <= b.length; j += 1) {
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length];
}

function checkArguments(command: CompiledCommand, tokens: Token[]): CheckResult {
  const { entry } = command;
  const bound = new Map<CompiledParameter, ParameterValue>();
  let i = 0;
  while (i < tokens.length) {
    const token = tokens[i];
    if (token.kind === 'comma') {
      return denial('bad-list', `The comma at column ${token.column} has no value before it; a list is written as a,b.`);
    }
    if (token.kind === 'value') {
      // Only the first argument may leave out its parameter name, and only
      // for the parameter the table marks as positional.
      if (i !== 0 || command.positional === undefined) {
        return denial('unexpected-argument', unexpectedArgumentMessage(command, token, i));
      }
      const read = readValues(tokens, i);
      if (isDenial(read)) return read;
      const value = bindValues(command.positional, read.values);
      if (isDenial(value)) return value;
      bound.set(command.positional, value);
      i = read.next;
      continue;
    }
    const parameter = resolveParameter(command, token);
    if (isDenial(parameter)) return parameter;
    if (bound.has(parameter)) {
      return denial('duplicate-parameter', `-${parameter.spec.name} is given more than once (again at column ${token.column}); give each parameter once, with a list such as a,b where it takes several values.`);
    }
    const next = tokens[i + 1];
    if (parameter.spec.rule.kind === 'switch') {
      if (next !== undefined && next.kind !== 'parameter') {
        return denial('switch-with-value', `-${parameter.spec.name} is a switch and takes no value, but ${showText(next.raw)} follows it at column ${next.column}; write -${parameter.spec.name} alone.`);
      }
      bound.set(parameter, true);
      i += 1;
      continue;
    }
    if (next === undefined || next.kind === 'parameter') {
      return denial('missing-value', `-${parameter.spec.name} needs a value: ${allowedText(parameter.spec.rule)}.`);
    }
    if (next.kind === 'comma') {
      return denial('bad-list', `-${parameter.spec.name} is followed by a comma at column ${next.column}; a list is written as a,b.`);
    }
    const read = readValues(tokens, i + 1);
    if (isDenial(read)) return read;
    const value = bindValues(parameter, read.values);
    if (isDenial(value)) return value;
    bound.set(parameter, value);
    i = read.next;
  }

  // Parameters come out in table order, whatever order they were typed in.
  const parameters: Record<string, ParameterValue> = {};
  for (const p of command.parameters) {
    const value = bound.get(p);
    if (value !== undefined) parameters[p.spec.name] = value;
  }
  return { allowed: true, command: Object.freeze({ cmdlet: entry.name, parameters: Object.freeze(parameters), level: entry.level }) };
}

function unexpectedArgumentMessage(command: CompiledCommand, token: ValueToken, index: number): string {
  const { entry, positional } = command;
  const got = `${showText(token.raw)} at column ${token.column}`;
  if (entry.parameters.length === 0) return `${got} is not accepted: ${entry.name} takes no parameters.`;
  if (positional === undefined) return `${got} belongs to no parameter; ${entry.name} needs a parameter name before each value (${parameterList(entry)}).`;
  if (index === 0) return `${got} belongs to no parameter.`;
  return `${got} belongs to no parameter; only the first argument may leave out its name (-${positional.spec.name}), and a list is written as a,b.`;
}

function parameterList(entry: CommandEntry): string {
  return entry.parameters.map((p) => `-${p.name}`).join(', ');
}

function resolveParameter(command: CompiledCommand, token: ParameterToken): CompiledParameter | Denial {
  const { entry } = command;
  const lower = token.name.toLowerCase();
  const exact = command.parameters.find((p) => p.lowerName === lower);
  if (exact) return exact;
  if (lower === 'ec' || 'encodedcommand'.startsWith(lower) || 'encodedarguments'.startsWith(lower)) {
    return denial('encoded-command', `${showText(token.raw)} at column ${token.column} passes an encoded command; encoded commands are never accepted.`);
  }
  const prefixed = command.parameters.filter((p) => p.lowerName.startsWith(lower));
  if (prefixed.length > 0) {
    const names = prefixed.map((p) => `-${p.spec.name}`).join(' or ');
    return denial('abbreviated-parameter', `${showText(token.raw)} at column ${token.column} is a shortened parameter name; write it in full (${names}).`);
  }
  const accepts = entry.parameters.length === 0 ? `${entry.name} takes no parameters` : `${entry.name} accepts ${parameterList(entry)}`;
  if (REMOTING_PARAMETERS.has(lower)) {
    return denial('unknown-parameter', `${showText(token.raw)} at column ${token.column} is not accepted: commands run only on the node the session targets, as the session's own identity; ${accepts}.`);
  }
  if (COMMON_PARAMETERS.has(lower)) {
    return denial('unknown-parameter', `${showText(token.raw)} at column ${token.column} is a common parameter, which is not accepted; ${accepts}.`);
  }
  return denial('unknown-parameter', `${showText(token.raw)} at column ${token.column} is not an allowed parameter; ${accepts}.`);
}

type ValuesRead = { values: ValueToken[]; next: number };

/** Reads `value` or `value,value,...` starting at `start` (which is a value). */
function readValues(tokens: Token[], start: number): ValuesRead | Denial {
  const values = [tokens[start] as ValueToken];
  let k = start + 1;
  while (tokens[k]?.kind === 'comma') {
    const after = tokens[k + 1];
    if (after === undefined || after.kind !== 'value') {
      return denial('bad-list', `The comma at column ${tokens[k].column} is not followed by a value; a list is written as a,b with no empty elements.`);
    }
    values.push(after);
    k += 2;
  }
  return { values, next: k };
}

function bindValues(parameter: CompiledParameter, tokens: ValueToken[]): ParameterValue | Denial {
  const { spec } = parameter;
  const rule = spec.rule;
  const listAllowed = (rule.kind === 'set' || rule.kind === 'pattern') && rule.list === true;
  if (tokens.length > 1 && !listAllowed) {
    return denial('list-not-allowed', `-${spec.name} takes one value, but got a list of ${tokens.length} at column ${tokens[0].column}: ${allowedText(rule)}.`);
  }
  const values: string[] = [];
  for (const token of tokens) {
    const value = checkValue(parameter, token);
    if (isDenial(value)) return value;
    values.push(value);
  }
  if (values.length === 1) return values[0];
  return Object.freeze(values);
}

/** Checks one value against its parameter's rule; returns the value to run with (canonical for sets). */
function checkValue(parameter: CompiledParameter, token: ValueToken): string | Denial {
  const { spec } = parameter;
  const rule = spec.rule;
  const got = `got ${showText(token.value)} at column ${token.column}`;
  if (token.quote === 'none' && POWERSHELL_NUMBER.test(token.value) && !CANONICAL_WHOLE_NUMBER.test(token.value)) {
    return denial('ambiguous-number', ambiguousNumberMessage(spec, token));
  }
  if (DOT_SEGMENT.test(token.value) && /[\\/]/.test(token.value)) {
    return denial('path-traversal', `-${spec.name} must not contain "." or ".." path segments; ${got}. It accepts ${allowedText(rule)}.`);
  }
  if (rule.kind === 'set') {
    const lower = token.value.toLowerCase();
    const match = rule.values.find((v) => v.toLowerCase() === lower);
    if (match === undefined) return denial('value-not-allowed', `-${spec.name} must be ${allowedText(rule)}; ${got}.`);
    return match;
  }
  if (rule.kind === 'pattern') {
    if (!(parameter.pattern as RegExp).test(token.value)) {
      return denial('value-not-allowed', `-${spec.name} must be ${allowedText(rule)}; ${got}.`);
    }
    return token.value;
  }
  // A switch never reaches here: switches take no value.
  return denial('switch-with-value', `-${spec.name} is a switch and takes no value.`);
}

/** Why a bare number is refused, naming the value and how to quote it. */
function ambiguousNumberMessage(spec: ParameterSpec, token: ValueToken): string {
  const quoted = token.value.length <= 40 ? ` ('${token.value}')` : '';
  const digits = token.value.replace(/^-/, '');
  const why = /^[0-9]+$/.test(digits) && !/^0[0-9]/.test(digits) && digits.length > MAX_BARE_DIGITS
    ? `as a number of ${digits.length} digits (past ${MAX_BARE_DIGITS} digits PowerShell may make it a double, which loses digits, such as 1E+29)`
    : 'as a number';
  return `PowerShell would read ${showText(token.value)} at column ${token.column} ${why} and pass different text to -${spec.name}; put it in single quotes${quoted} to mean the text.`;
}

/** What a rule accepts, in words: the set's values or the pattern's description. */
export function allowedText(rule: ValueRule): string {
  switch (rule.kind) {
    case 'switch':
      return 'no value (it is a switch)';
    case 'set':
      return `one of ${rule.values.join(', ')}${rule.list ? ' (or a comma list of them)' : ''}`;
    case 'pattern':
      return `${rule.description}${rule.list ? ' (or a comma list of them)' : ''}`;
  }
}

const checkAgainstTable = createCommandChecker(COMMAND_TABLE);

/**
 * Checks one command line for a grant at `level`. Accepts only a cmdlet
 * from the command table that the level includes, with named parameters
 * from its list and literal values that satisfy their rules; refuses
 * everything else with a reason and a message naming the offending token.
 */
export function checkCommand(line: string, level: AccessLevel): CheckResult {
  return checkAgainstTable(line, level);
}

/** A PowerShell single-quoted literal: the text between quotes, with every quote character doubled. */
function singleQuoted(text: string): string {
  return `'${text.replace(/['\u2018\u2019\u201a\u201b]/g, (q) => q + q)}'`;
}

/**
 * Writes a checked command back as one canonical line: table spellings,
 * every string in single quotes, parameters in table order. Checking the
 * line again gives the same command, so transcripts and UIs can show it.
 */
export function renderCommand(command: CheckedCommand): string {
  const parts = [command.cmdlet];
  for (const [name, value] of Object.entries(command.parameters)) {
    if (value === true) parts.push(`-${name}`);
    else if (typeof value === 'string') parts.push(`-${name}`, singleQuoted(value));
    else parts.push(`-${name}`, value.map(singleQuoted).join(','));
  }
  return parts.join(' ');
}
