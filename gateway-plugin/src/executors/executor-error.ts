/**
 * How running a command on a node can fail, as stable codes. The error
 * catalog in `domain/errors.ts` is the gateway's; these codes are the
 * executors' own, and the support channel maps them onto what it reports.
 */

/** Every code an executor can fail with. */
export const EXECUTOR_ERROR_CODES = [
  'UnknownNode',
  'InvalidCommand',
  'NodeUnreachable',
  'AccessDenied',
  'CommandTimedOut',
  'Cancelled',
  'CommandFailed',
  'ExecutorProtocolError',
  'ExecutorUnavailable',
] as const;

export type ExecutorErrorCode = (typeof EXECUTOR_ERROR_CODES)[number];

/** One sentence per code, for documentation and for the channel's mapping. */
export const EXECUTOR_ERROR_SUMMARIES: Readonly<Record<ExecutorErrorCode, string>> = {
  UnknownNode: 'The node is not a node of the cluster the executor serves.',
  InvalidCommand: 'The command names a cmdlet or parameter the command table does not have, or a value of the wrong shape.',
  NodeUnreachable: 'The node did not answer: it is down, unreachable on WinRM, or its endpoint could not be opened.',
  AccessDenied: 'The node refused the connection or the command: the account may not use the JEA endpoint.',
  CommandTimedOut: 'The node did not finish the command within the timeout; the run was stopped.',
  Cancelled: 'The run was cancelled before it finished; the run was stopped.',
  CommandFailed: 'The command ran and ended with a terminating error, reported with PowerShell\'s error record.',
  ExecutorProtocolError: 'The executor or its PowerShell child answered outside the protocol (malformed output, missing end, unexpected exit).',
  ExecutorUnavailable: 'The executor cannot run commands: PowerShell could not be started, or the executor was disposed.',
};

/**
 * A PowerShell error record as data: what `$error[0]` shows, in fields.
 * Executors return these for non-terminating errors inside a result, and
 * attach one to a `CommandFailed` error.
 */
export interface CommandErrorRecord {
  /** The exception's message, e.g. `Hyper-V was unable to find a virtual machine with name "web09".` */
  message: string;
  /** ErrorCategory name: ObjectNotFound, InvalidOperation, PermissionDenied, OpenError, ... */
  category: string;
  /** CategoryInfo.Activity: usually the cmdlet that failed. */
  activity: string;
  /** CategoryInfo.Reason: usually the exception type's short name. */
  reason: string;
  /** CategoryInfo.TargetName: the object the error is about, when known. */
  targetName: string;
  /** CategoryInfo.TargetType. */
  targetType: string;
  /** FullyQualifiedErrorId, e.g. `ObjectNotFound,Microsoft.Vhd.PowerShell.Cmdlets.GetVHD`. */
  fullyQualifiedErrorId: string;
}

/** An executor failure: a stable code, a readable message, the node, and PowerShell's record when there is one. */
export class ExecutorError extends Error {
  constructor(
    readonly code: ExecutorErrorCode,
    readonly node: string,
    message: string,
    readonly record?: CommandErrorRecord,
  ) {
    super(message);
    this.name = 'ExecutorError';
  }

  toJSON(): { code: ExecutorErrorCode; node: string; message: string; record?: CommandErrorRecord } {
    return { code: this.code, node: this.node, message: this.message, ...(this.record ? { record: this.record } : {}) };
  }
}

export function isExecutorError(value: unknown): value is ExecutorError {
  return value instanceof ExecutorError;
}

export function unknownNode(node: string, known: readonly string[]): ExecutorError {
  return new ExecutorError('UnknownNode', node, `${node} is not a node of this cluster; the nodes are ${known.join(', ')}`);
}

export function invalidCommand(node: string, why: string): ExecutorError {
  return new ExecutorError('InvalidCommand', node, `The command cannot be sent to ${node}: ${why}`);
}

export function nodeUnreachable(node: string, detail: string, record?: CommandErrorRecord): ExecutorError {
  return new ExecutorError('NodeUnreachable', node, `${node} did not answer: ${detail}`, record);
}

export function accessDenied(node: string, detail: string, record?: CommandErrorRecord): ExecutorError {
  return new ExecutorError('AccessDenied', node, `${node} refused access: ${detail}`, record);
}

export function commandTimedOut(node: string, timeoutMs: number): ExecutorError {
  return new ExecutorError('CommandTimedOut', node, `${node} did not finish the command within ${timeoutMs} ms; the run was stopped`);
}

export function cancelled(node: string): ExecutorError {
  return new ExecutorError('Cancelled', node, `The run on ${node} was cancelled`);
}

export function commandFailed(node: string, record: CommandErrorRecord): ExecutorError {
  return new ExecutorError('CommandFailed', node, `${record.activity || 'The command'} failed on ${node}: ${record.message}`, record);
}

export function protocolError(node: string, detail: string): ExecutorError {
  return new ExecutorError('ExecutorProtocolError', node, `The answer from ${node} broke the executor protocol: ${detail}`);
}

export function executorUnavailable(node: string, detail: string): ExecutorError {
  return new ExecutorError('ExecutorUnavailable', node, `Commands cannot run on ${node}: ${detail}`);
}

/** Any rejection as an ExecutorError, so callers handle one type; an unexpected error is a broken executor. */
export function toExecutorError(error: unknown, node: string): ExecutorError {
  if (error instanceof ExecutorError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return protocolError(node, `unexpected failure: ${message}`);
}

/**
 * Renders a record the way a PowerShell console prints an error:
 * `Activity : message` then the CategoryInfo and FullyQualifiedErrorId lines.
 */
export function formatErrorRecord(record: CommandErrorRecord): string {
  const head = record.activity ? `${record.activity} : ${record.message}` : record.message;
  return [
    head,
    `    + CategoryInfo          : ${record.category}: (${record.targetName}:${record.targetType}) [${record.activity}], ${record.reason}`,
    `    + FullyQualifiedErrorId : ${record.fullyQualifiedErrorId}`,
  ].join('\n');
}
