import type { AccessLevel } from '../domain/access-level';
import { CheckedCommand, findCommand, ParameterValue } from '../policy/command-table';
import { CommandErrorRecord, formatErrorRecord, invalidCommand } from './executor-error';
import { formatObjects } from './format-table';

/**
 * The one interface through which a checked command reaches a node. The
 * simulated cluster implements it for the embedded default, PowerShell
 * remoting to the JEA endpoint for a real deployment.
 */

/** A value inside a result object: plain JSON, as `ConvertTo-Json` would give it. */
export type ResultValue = string | number | boolean | null | ResultValue[] | { [key: string]: ResultValue };

/** One output object, with the real cmdlet's property names (`FriendlyName`, `HealthStatus`, ...). */
export type ResultObject = { [property: string]: ResultValue };

/** What became available while the command runs: objects and non-terminating errors, in order. */
export interface ResultChunk {
  node: string;
  cmdlet: string;
  /** 0, 1, 2, ... per run, so a consumer can tell a gap. */
  sequence: number;
  objects: ResultObject[];
  errors: CommandErrorRecord[];
}

/** A finished run on one node. */
export interface NodeResult {
  node: string;
  cmdlet: string;
  /** Every object the command wrote, in order (the concatenation of the chunks' objects). */
  objects: ResultObject[];
  /** Non-terminating errors (e.g. one name of a list not found); the run still succeeded. */
  errors: CommandErrorRecord[];
  /** The objects as a PowerShell console shows them (table or list view), then the errors; '' when there is nothing. */
  text: string;
  /** Wall time from the call to the answer. */
  elapsedMs: number;
}

export interface RunOptions {
  /**
   * The grant's current access level. The PowerShell executor runs the
   * command through the node's endpoint of this level, so the node itself
   * refuses what the level does not allow; the command's own level is used
   * when it is not given.
   */
  level?: AccessLevel;
  /** The run fails with `CommandTimedOut` when no answer is complete after this long; a positive number (else run throws RangeError). */
  timeoutMs: number;
  /** Aborting fails the run with `Cancelled` at once and stops the work. */
  signal?: AbortSignal;
  /** Called as objects become available, before the promise settles. */
  onChunk?: (chunk: ResultChunk) => void;
}

export interface NodeExecutor {
  /**
   * Runs one checked command on one node. Resolves with the objects and their
   * text; rejects only with an `ExecutorError`.
   */
  run(node: string, command: CheckedCommand, options: RunOptions): Promise<NodeResult>;
  /** Stops every run in flight (they fail with `Cancelled`) and refuses new ones. */
  dispose?(): void;
}

/**
 * Checks that a command has the shape the command table gives it: a known
 * cmdlet, known parameters, and values of the rule's type. It does not
 * re-run the policy's value rules; it guards the executors against anything
 * that is not a CheckedCommand at all.
 */
export function assertCommandShape(node: string, command: CheckedCommand): void {
  const entry = typeof command?.cmdlet === 'string' ? findCommand(command.cmdlet) : undefined;
  if (!entry || entry.name !== command.cmdlet) throw invalidCommand(node, `${String(command?.cmdlet)} is not a cmdlet of the command table`);
  const parameters = command.parameters ?? {};
  if (typeof parameters !== 'object' || Array.isArray(parameters)) throw invalidCommand(node, 'parameters must be an object');
  for (const [name, value] of Object.entries(parameters)) {
    const spec = entry.parameters.find((p) => p.name === name);
    if (!spec) throw invalidCommand(node, `${command.cmdlet} has no parameter ${name} in the command table`);
    if (!valueFits(spec.rule, value)) throw invalidCommand(node, `the value of -${name} does not have the shape of a ${describeRule(spec.rule)}`);
  }
}

function valueFits(rule: { kind: string; list?: boolean }, value: ParameterValue): boolean {
  switch (rule.kind) {
    case 'switch':
      return value === true;
    default:
      if (typeof value === 'string') return true;
      return rule.list === true && Array.isArray(value) && value.length > 0 && value.every((v) => typeof v === 'string');
  }
}

function describeRule(rule: { kind: string; list?: boolean }): string {
  if (rule.kind === 'switch') return 'switch (true)';
  return rule.list ? 'string or list of strings' : 'string';
}

/** Builds a NodeResult, with the console text, from what a run produced. */
export function completeResult(node: string, cmdlet: string, objects: ResultObject[], errors: CommandErrorRecord[], startedAt: number): NodeResult {
  return {
    node,
    cmdlet,
    objects,
    errors,
    text: resultText(cmdlet, objects, errors),
    elapsedMs: Math.max(0, Math.round(performance.now() - startedAt)),
  };
}

/** The console text for objects and errors: the view of the objects, then each error record. */
export function resultText(cmdlet: string, objects: readonly ResultObject[], errors: readonly CommandErrorRecord[]): string {
  const parts: string[] = [];
  if (objects.length > 0) parts.push(formatObjects(cmdlet, objects));
  for (const e of errors) parts.push(formatErrorRecord(e) + '\n');
  return parts.join('\n');
}
