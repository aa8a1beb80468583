import { CliError, usageError } from './cli-error';
import { allFlags, findVerb, GLOBAL_FLAGS, VERB_NAMES, VerbName, VerbSpec } from './verbs';

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

  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith('-') || arg === '-') {
      positional.push(arg);
      continue;
    }
    const eq = arg.startsWith('--') ? arg.indexOf('=') : -1;
    const name = arg === '-h' ? '--help' : eq > 0 ? arg.slice(0, eq) : arg;
    const inline = eq > 0 ? arg.slice(eq + 1) : undefined;
    const spec = known.get(name);
    if (!spec) {
      problems.push((verb) => unknownFlag(name, verb));
      continue;
    }
    let value = '';
    if (spec.value !== undefined) {
      const next = argv[i + 1];
      if (inline !== undefined) value = inline;
      else if (next !== undefined && !next.startsWith('--')) value = argv[++i]!;
      else {
        problems.push(() => usageError(`${name} needs a value: ${spec.value}`, spec.value, name));
        continue;
      }
      if (value === '') {
        problems.push(() => usageError(`${name} needs a value: ${spec.value}`, spec.value, name));
        continue;
      }
    } else if (inline !== undefined) {
      problems.push(() => usageError(`${name} is a switch and takes no value (got ${JSON.stringify(inline)}); leave it out to turn it off`, 'no value', name));
      continue;
    }
    const seen = values.get(name);
    if (seen && !spec.repeatable) {
      problems.push(() => usageError(`${name} is given more than once; give it once`, undefined, name));
      continue;
    }
    values.set(name, [...(seen ?? []), value]);
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
