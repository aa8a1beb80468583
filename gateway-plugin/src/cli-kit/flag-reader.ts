import { parseArgs } from 'node:util';

/**
 * The one flag reader of the command-line programs (remote-support,
 * support-console): node:util's parseArgs splits argv into tokens, and this
 * layer applies the programs' shared rules to them, so flags behave the same
 * in each. It reports problems as data; each program words them (their
 * codes and messages are part of its interface).
 */

/** One flag of a program's flag table. */
export interface FlagSpec {
  /** What the value is, as shown in help (`MINUTES`, `Diagnostics|DiagnosticsRepair`); none for a switch. */
  value?: string;
  /** The flag may be given more than once (values accumulate). */
  repeatable?: boolean;
  description: string;
}

/** A program's flags by name (`--access-level`). */
export type FlagTable = Readonly<Record<string, FlagSpec>>;

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

  /** The flags given, in the order first seen. */
  names(): string[] {
    return [...this.values.keys()];
  }
}

/** Something wrong on the command line, in the order it was met. */
export type FlagProblem =
  /** A word that is not a flag or a flag's value. */
  | { kind: 'positional'; arg: string }
  /** A flag the table does not have (as typed: `-x`, `--bogus`). */
  | { kind: 'unknown'; name: string }
  /** A switch given `=value`. */
  | { kind: 'switch-value'; name: string; got: string }
  /** A flag that takes a value given none. */
  | { kind: 'missing-value'; name: string; spec: FlagSpec }
  /** A flag that is not repeatable given twice. */
  | { kind: 'repeated'; name: string };

export interface FlagReading {
  values: FlagValues;
  /** The words that are neither flags nor values (also reported as problems). */
  positionals: string[];
  problems: FlagProblem[];
}

/**
 * Reads argv (without `node` and the script) against a flag table:
 * `--flag value` (the value may not start with `--`), `--flag=value`, or a
 * switch; `-h` is `--help`. Every problem is collected, none thrown.
 */
export function readFlags(argv: readonly string[], lookup: (name: string) => FlagSpec | undefined): FlagReading {
  const values = new Map<string, string[]>();
  const positionals: string[] = [];
  const problems: FlagProblem[] = [];
  const positional = (arg: string) => {
    positionals.push(arg);
    problems.push({ kind: 'positional', arg });
  };
  let offset = 0;
  let rest = argv;
  while (rest.length > 0) {
    const { tokens } = parseArgs({ args: [...rest], strict: false, allowPositionals: true, tokens: true });
    let resumeAt = rest.length;
    let consumed = -1;
    for (const token of tokens) {
      if (token.index <= consumed) continue;
      const arg = rest[token.index]!;
      if (token.kind === 'positional') {
        positional(token.value);
        continue;
      }
      if (token.kind === 'option-terminator') {
        // Not an end of flags here: `--` is a mistake, and the words after it are still read as flags.
        problems.push({ kind: 'unknown', name: '--' });
        resumeAt = token.index + 1;
        break;
      }
      // parseArgs splits `-abc` into -a -b -c; the programs know no short flags but -h, so the word is one unknown flag.
      const name = token.rawName === '-h' && arg === '-h' ? '--help' : token.rawName.startsWith('--') ? token.rawName : arg;
      consumed = token.index;
      const spec = lookup(name);
      if (!spec) {
        problems.push({ kind: 'unknown', name });
        continue;
      }
      const inline = token.inlineValue ? token.value ?? '' : undefined;
      let value: string;
      if (spec.value === undefined) {
        if (inline !== undefined) {
          problems.push({ kind: 'switch-value', name, got: inline });
          continue;
        }
        value = '';
      } else {
        const next = rest[token.index + 1];
        const fromNext = inline === undefined && next !== undefined && !next.startsWith('--');
        value = inline ?? (fromNext ? next : '');
        if (fromNext) consumed = token.index + 1;
        if (value === '') {
          problems.push({ kind: 'missing-value', name, spec });
          continue;
        }
      }
      const seen = values.get(name);
      if (seen && !spec.repeatable) problems.push({ kind: 'repeated', name });
      else values.set(name, [...(seen ?? []), value]);
    }
    offset += resumeAt;
    rest = argv.slice(offset);
  }
  return { values: new FlagValues(values), positionals, problems };
}
