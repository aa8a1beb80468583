import { CliError, usageError } from './cli-error';
import { allFlags, findVerb, FlagSpec, GLOBAL_FLAGS, VERB_NAMES, VerbName, VerbSpec } from './verbs';

/** A command line read against the verb table. */
export interface ParsedArgs {
  /** The verb, or null when only help was asked for. */
  verb: VerbName | null;
  /** Help was asked for (`--help`, `-h`, or `help [VERB]`); `verb` then names the topic, if any. */
  help: boolean;
  flags: FlagValues;
}

/** The flags given, by name (`--access-level`). Switches hold one empty string. */
export class FlagValues {
  constructor(private readonly values: ReadonlyMap<string, readonly string[]>) {}

  has(flag: string): boolean {
    return this.values.has(flag);
  }

  /** The value of a single-valued flag, or undefined when it was not given. */
  value(flag: string): string | undefined {
    return this.values.get(flag)?.[0];
  }

  /** Every value of a repeatable flag, in order. */
  all(flag: string): string[] {
    return [...(this.values.get(flag) ?? [])];
  }
}

const GLOBAL_LIST = Object.keys(GLOBAL_FLAGS).join(', ');

function verbFlagsText(verb: VerbSpec): string {
  const own = Object.keys(verb.flags);
  return own.length ? `${own.join(', ')} and the global flags ${GLOBAL_LIST}` : `only the global flags ${GLOBAL_LIST}`;
}

const VERB_LIST = VERB_NAMES.join(', ');

/** What one step through argv found: a positional word, an unknown flag, a flag with its value, or a mistake. */
export type FlagRead =
  | { kind: 'positional'; arg: string; next: number }
  | { kind: 'unknown'; name: string; next: number }
  | { kind: 'flag'; name: string; spec: FlagSpec; value: string; next: number }
  | { kind: 'problem'; error: CliError; next: number };

/**
 * Reads the argument at `i`: `--flag value`, `--flag=value` or a switch, per
 * the flag table `lookup` reads. Both CLIs (remote-support, support-console)
 * step through their argv with it, so flags behave the same in each.
 */
export function readFlag(argv: readonly string[], i: number, lookup: (name: string) => FlagSpec | undefined): FlagRead {
  const arg = argv[i]!;
  if (!arg.startsWith('-') || arg === '-') return { kind: 'positional', arg, next: i + 1 };
  const eq = arg.startsWith('--') ? arg.indexOf('=') : -1;
  const name = arg === '-h' ? '--help' : eq > 0 ? arg.slice(0, eq) : arg;
  const inline = eq > 0 ? arg.slice(eq + 1) : undefined;
  const spec = lookup(name);
  if (!spec) return { kind: 'unknown', name, next: i + 1 };
  if (spec.value === undefined) {
    if (inline === undefined) return { kind: 'flag', name, spec, value: '', next: i + 1 };
    const error = usageError(`${name} is a switch and takes no value (got ${JSON.stringify(inline.slice(0, 40))}); leave it out to turn it off`, 'no value', name);
    return { kind: 'problem', error, next: i + 1 };
  }
  const next = argv[i + 1];
  const fromNext = inline === undefined && next !== undefined && !next.startsWith('--');
  const value = inline ?? (fromNext ? next : '');
  if (value === '') return { kind: 'problem', error: usageError(`${name} needs a value: ${spec.value}`, spec.value, name), next: i + 1 };
  return { kind: 'flag', name, spec, value, next: fromNext ? i + 2 : i + 1 };
}

/**
 * Reads argv (without `node` and the script). Global flags may stand anywhere;
 * `--flag value` and `--flag=value` both work. Every mistake throws a
 * CliError with code InvalidCliUsage that names the flag and what is allowed.
 */
export function parseArgs(argv: readonly string[]): ParsedArgs {
  const known = allFlags();
  const values = new Map<string, string[]>();
  const positional: string[] = [];
  // Flag problems wait until the verb is known, so the message can list that verb's flags.
  const problems: ((verb: VerbSpec | undefined) => CliError)[] = [];

  for (let i = 0; i < argv.length; ) {
    const read = readFlag(argv, i, (name) => known.get(name));
    i = read.next;
    if (read.kind === 'positional') positional.push(read.arg);
    else if (read.kind === 'unknown') problems.push((verb) => unknownFlag(read.name, verb));
    else if (read.kind === 'problem') problems.push(() => read.error);
    else {
      const seen = values.get(read.name);
      if (seen && !read.spec.repeatable) problems.push(() => usageError(`${read.name} is given more than once; give it once`, undefined, read.name));
      else values.set(read.name, [...(seen ?? []), read.value]);
    }
  }

  const help = values.has('--help');
  let verbName = positional.shift();
  let helpTopic = false;
  if (verbName === 'help') {
    helpTopic = true;
    verbName = positional.shift();
  }
  let verb: VerbSpec | undefined;
  if (verbName !== undefined) {
    verb = findVerb(verbName);
    if (!verb) throw usageError(`${verbName} is not a verb of remote-support; the verbs are ${VERB_LIST}`, VERB_LIST, 'verb');
  }
  if (problems.length) throw problems[0]!(verb);
  if (positional.length) {
    throw usageError(
      `Unexpected argument ${JSON.stringify(positional[0])}: ${verb ? `${verb.name} takes ${verbFlagsText(verb)}` : `name one verb: ${VERB_LIST}`}`,
      verb ? verbFlagsText(verb) : VERB_LIST,
    );
  }
  if (!verb) {
    if (help || helpTopic) return { verb: null, help: true, flags: new FlagValues(values) };
    throw usageError(`Name a verb: ${VERB_LIST} (remote-support --help explains them)`, VERB_LIST, 'verb');
  }
  for (const flag of values.keys()) {
    if (!(flag in GLOBAL_FLAGS) && !(flag in verb.flags)) {
      throw usageError(`${flag} is not a flag of ${verb.name}; ${verb.name} takes ${verbFlagsText(verb)}`, verbFlagsText(verb), flag);
    }
  }
  return { verb: verb.name, help: help || helpTopic, flags: new FlagValues(values) };
}

function unknownFlag(name: string, verb: VerbSpec | undefined): CliError {
  const hint = /^-[A-Za-z]/.test(name) && !name.startsWith('--') ? ' (flags start with two dashes and use kebab-case, e.g. --access-level)' : '';
  if (verb) return usageError(`${name} is not a flag of ${verb.name}${hint}; ${verb.name} takes ${verbFlagsText(verb)}`, verbFlagsText(verb), name);
  const all = [...allFlags().keys()].join(', ');
  return usageError(`${name} is not a flag of remote-support${hint}; the flags are ${all}`, all, name);
}
