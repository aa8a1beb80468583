import { CliError, usageError } from './cli-error';
import { FlagProblem, FlagValues, readFlags } from '../cli-kit/flag-reader';
import { allFlags, findVerb, GLOBAL_FLAGS, VERB_NAMES, VerbName, VerbSpec } from './verbs';

export { FlagValues };

/** A command line read against the verb table. */
export interface ParsedArgs {
  /** The verb, or null when only help was asked for. */
  verb: VerbName | null;
  /** Help was asked for (`--help`, `-h`, or `help [VERB]`); `verb` then names the topic, if any. */
  help: boolean;
  flags: FlagValues;
}

const GLOBAL_LIST = Object.keys(GLOBAL_FLAGS).join(', ');

function verbFlagsText(verb: VerbSpec): string {
  const own = Object.keys(verb.flags);
  return own.length ? `${own.join(', ')} and the global flags ${GLOBAL_LIST}` : `only the global flags ${GLOBAL_LIST}`;
}

const VERB_LIST = VERB_NAMES.join(', ');

/** A flag problem other than a stray word (which each CLI handles its own way). */
export type FlagMistake = Exclude<FlagProblem, { kind: 'positional' }>;

/** Words a flag mistake the same in both CLIs; `unknown` words an unknown flag, which each CLI explains with its own flag list. */
export function flagProblemError(problem: FlagMistake, unknown: (name: string) => CliError): CliError {
  switch (problem.kind) {
    case 'unknown':
      return unknown(problem.name);
    case 'switch-value':
      return usageError(`${problem.name} is a switch and takes no value (got ${JSON.stringify(problem.got.slice(0, 40))}); leave it out to turn it off`, 'no value', problem.name);
    case 'missing-value':
      return usageError(`${problem.name} needs a value: ${problem.spec.value}`, problem.spec.value, problem.name);
    case 'repeated':
      return usageError(`${problem.name} is given more than once; give it once`, undefined, problem.name);
  }
}

/**
 * Reads argv (without `node` and the script). Global flags may stand anywhere;
 * `--flag value` and `--flag=value` both work. Every mistake throws a
 * CliError with code InvalidCliUsage that names the flag and what is allowed.
 */
export function parseArgs(argv: readonly string[]): ParsedArgs {
  const known = allFlags();
  const { values, positionals, problems } = readFlags(argv, (name) => known.get(name));
  const positional = [...positionals];
  // Flag problems wait until the verb is known, so the message can list that verb's flags.
  const flagProblems = problems.filter((p): p is FlagMistake => p.kind !== 'positional');

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
  if (flagProblems.length) throw flagProblemError(flagProblems[0]!, (name) => unknownFlag(name, verb));
  if (positional.length) {
    throw usageError(
      `Unexpected argument ${JSON.stringify(positional[0])}: ${verb ? `${verb.name} takes ${verbFlagsText(verb)}` : `name one verb: ${VERB_LIST}`}`,
      verb ? verbFlagsText(verb) : VERB_LIST,
    );
  }
  if (!verb) {
    if (help || helpTopic) return { verb: null, help: true, flags: values };
    throw usageError(`Name a verb: ${VERB_LIST} (remote-support --help explains them)`, VERB_LIST, 'verb');
  }
  for (const flag of values.names()) {
    if (!(flag in GLOBAL_FLAGS) && !(flag in verb.flags)) {
      throw usageError(`${flag} is not a flag of ${verb.name}; ${verb.name} takes ${verbFlagsText(verb)}`, verbFlagsText(verb), flag);
    }
  }
  return { verb: verb.name, help: help || helpTopic, flags: values };
}

function unknownFlag(name: string, verb: VerbSpec | undefined): CliError {
  const hint = /^-[A-Za-z]/.test(name) && !name.startsWith('--') ? ' (flags start with two dashes and use kebab-case, e.g. --access-level)' : '';
  if (verb) return usageError(`${name} is not a flag of ${verb.name}${hint}; ${verb.name} takes ${verbFlagsText(verb)}`, verbFlagsText(verb), name);
  const all = [...allFlags().keys()].join(', ');
  return usageError(`${name} is not a flag of remote-support${hint}; the flags are ${all}`, all, name);
}
