import { JEA_ENDPOINT_NAME } from '../cluster/simulated-cluster';
import type { CheckedCommand } from '../policy/command-table';
import {
  accessDenied, cancelled, CommandErrorRecord, commandFailed, commandTimedOut, ExecutorError, executorUnavailable,
  nodeUnreachable, protocolError, unknownNode,
} from './executor-error';
import { assertCommandShape, completeResult, NodeExecutor, NodeResult, ResultChunk, ResultObject, RunOptions } from './node-executor';
import { exitWithoutError, isObject, readFrameLine, runPowerShell } from './powershell-child';
import { REMOTING_PROTOCOL_VERSION, REMOTING_SCRIPT } from './remoting-script';

/**
 * The production executor: runs a checked command on a real node through
 * PowerShell remoting to the node's JEA endpoint. Each run starts PowerShell
 * with fixed arguments (the same for every command), writes the request as
 * JSON to its stdin, and reads JSON frames from its stdout; see
 * {@link REMOTING_SCRIPT} for the protocol.
 */

/** The arguments PowerShell always gets: no profile, no prompts, the fixed script. Nothing from a command is ever added. */
export const POWERSHELL_ARGS: readonly string[] = Object.freeze(['-NoLogo', '-NoProfile', '-NonInteractive', '-Command', REMOTING_SCRIPT]);

/** `pwsh` (PowerShell 7) on the PATH; `powershell.exe` works as well on Windows. */
export const DEFAULT_POWERSHELL_PATH = 'pwsh';
export const DEFAULT_JEA_ENDPOINT = JEA_ENDPOINT_NAME;

/** The request on PowerShell's stdin. */
export interface RemotingRequest {
  protocol: typeof REMOTING_PROTOCOL_VERSION;
  node: string;
  endpoint: string;
  /** Passed to New-PSSessionOption as the open and operation timeouts. */
  timeoutMs: number;
  command: CheckedCommand;
}

/** An error as the script reports it. */
export interface RemotingError {
  stage: 'input' | 'connect' | 'invoke';
  message: string;
  category: string;
  activity: string;
  reason: string;
  targetName: string;
  targetType: string;
  fullyQualifiedErrorId: string;
  exceptionType: string;
  transportErrorCode: number | null;
}

export type RemotingFrame =
  | { frame: 'object'; value: unknown }
  | { frame: 'error'; error: RemotingError }
  | { frame: 'fatal'; error: RemotingError }
  | { frame: 'end'; objects: number };

export interface PowerShellExecutorOptions {
  /** The PowerShell to start: `pwsh` by default, e.g. `C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe`. */
  powershellPath?: string;
  /** The JEA session configuration on the nodes: `RemoteSupport.HCI` by default. */
  endpointName?: string;
  /** The cluster's nodes; a run on any other name fails with UnknownNode. Without it, any host name is accepted. */
  nodes?: readonly string[];
  /** The environment PowerShell starts with (default: the gateway's). */
  env?: NodeJS.ProcessEnv;
  /** Output beyond this many bytes stops the run as a protocol error (default 32 MiB). */
  maxOutputBytes?: number;
  /** Told the process id of every PowerShell started, for diagnostics. */
  onSpawn?: (info: { node: string; pid: number }) => void;
}

const HOST_NAME = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,62})(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}))*$/;
const ENDPOINT_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

export class PowerShellNodeExecutor implements NodeExecutor {
  readonly powershellPath: string;
  readonly endpointName: string;
  private readonly nodes: readonly string[] | undefined;
  private readonly env: NodeJS.ProcessEnv | undefined;
  private readonly maxOutputBytes: number;
  private readonly onSpawn: PowerShellExecutorOptions['onSpawn'];
  private readonly inFlight = new Set<() => void>();
  private disposed = false;

  constructor(options: PowerShellExecutorOptions = {}) {
    this.powershellPath = options.powershellPath ?? DEFAULT_POWERSHELL_PATH;
    this.endpointName = options.endpointName ?? DEFAULT_JEA_ENDPOINT;
    if (!ENDPOINT_NAME.test(this.endpointName)) {
      throw new RangeError(`endpointName must be a session configuration name of letters, digits, . _ or - (got ${JSON.stringify(this.endpointName)})`);
    }
    this.nodes = options.nodes;
    this.env = options.env;
    this.maxOutputBytes = options.maxOutputBytes ?? 32 * 1024 * 1024;
    this.onSpawn = options.onSpawn;
  }

  run(node: string, command: CheckedCommand, options: RunOptions): Promise<NodeResult> {
    const startedAt = performance.now();
    if (!(options.timeoutMs > 0) || !Number.isFinite(options.timeoutMs)) throw new RangeError(`timeoutMs must be a positive number of milliseconds (got ${options.timeoutMs})`);
    return new Promise<NodeResult>((resolve, reject) => {
      if (this.disposed) return reject(executorUnavailable(node, 'the PowerShell executor was disposed'));
      const known = this.nodes?.find((n) => n.toLowerCase() === node.toLowerCase());
      if (this.nodes && !known) return reject(unknownNode(node, this.nodes));
      if (!HOST_NAME.test(node) || node.length > 253) return reject(unknownNode(node, this.nodes ?? []));
      const target = known ?? node;
      try {
        assertCommandShape(target, command);
      } catch (error) {
        return reject(error);
      }
      if (options.signal?.aborted) return reject(cancelled(target));

      const request: RemotingRequest = {
        protocol: REMOTING_PROTOCOL_VERSION,
        node: target,
        endpoint: this.endpointName,
        timeoutMs: Math.ceil(options.timeoutMs),
        command: { cmdlet: command.cmdlet, parameters: command.parameters, level: command.level },
      };

      const objects: ResultObject[] = [];
      const errors: CommandErrorRecord[] = [];
      let fatal: RemotingError | undefined;
      let ended: number | undefined;
      let sequence = 0;
      /** The chunk of the current stdout read, made at its first frame. */
      let chunk: ResultChunk | undefined;
      const path = this.powershellPath;

      const run = runPowerShell<RemotingFrame, NodeResult>({
        powershellPath: path,
        args: POWERSHELL_ARGS,
        env: this.env,
        input: request,
        timeoutMs: options.timeoutMs,
        signal: options.signal,
        maxOutputBytes: this.maxOutputBytes,
        onSpawn: (pid) => this.onSpawn?.({ node: target, pid }),
        errors: {
          startFailed: (why, thrown) => executorUnavailable(target, thrown ? `${path} could not be started: ${why}` : `${path} could not be started (${why})`),
          timedOut: () => commandTimedOut(target, options.timeoutMs),
          cancelled: () => cancelled(target),
          protocol: (message) => protocolError(target, message),
        },
        parseFrame,
        onFrame: (frame) => {
          if (ended !== undefined || fatal) return protocolError(target, `a ${frame.frame} frame came after the run had ended`);
          chunk ??= { node: target, cmdlet: command.cmdlet, sequence, objects: [], errors: [] };
          switch (frame.frame) {
            case 'object': {
              const value = toResultObject(frame.value);
              objects.push(value);
              chunk.objects.push(value);
              break;
            }
            case 'error': {
              const record = toRecord(frame.error);
              errors.push(record);
              chunk.errors.push(record);
              break;
            }
            case 'fatal':
              fatal = frame.error;
              break;
            case 'end':
              ended = frame.objects;
              break;
          }
        },
        onBatchEnd: () => {
          const done = chunk;
          chunk = undefined;
          if (!done || (done.objects.length === 0 && done.errors.length === 0)) return;
          sequence++;
          try {
            options.onChunk?.(done);
          } catch {
            // A consumer's failure is its own; the run goes on.
          }
        },
        finish: (exit) => {
          if (fatal) throw classifyRemotingError(target, fatal);
          if (exit.code !== 0) throw protocolError(target, exitWithoutError(exit));
          if (ended === undefined) throw protocolError(target, 'the output ended without an end frame');
          if (ended !== objects.length) throw protocolError(target, `the end frame counts ${ended} objects but ${objects.length} arrived`);
          return completeResult(target, command.cmdlet, objects, errors, startedAt);
        },
      });
      this.inFlight.add(run.cancel);
      const forget = () => this.inFlight.delete(run.cancel);
      run.result.then(forget, forget);
      resolve(run.result);
    });
  }

  /** Kills every PowerShell still running (their runs fail with Cancelled) and refuses new runs. */
  dispose(): void {
    this.disposed = true;
    for (const cancelRun of [...this.inFlight]) cancelRun();
  }
}

/** Parses one stdout line into a frame, or throws saying what is wrong with it. */
export function parseFrame(line: string): RemotingFrame {
  const value = readFrameLine(line);
  switch (value['frame']) {
    case 'object':
      return { frame: 'object', value: value['value'] };
    case 'error':
    case 'fatal':
      if (!isObject(value['error']) || typeof value['error']['message'] !== 'string') throw new Error(`a ${value['frame']} frame has no error`);
      return { frame: value['frame'], error: normalizeError(value['error']) };
    case 'end':
      if (typeof value['objects'] !== 'number') throw new Error('the end frame does not count its objects');
      return { frame: 'end', objects: value['objects'] };
    default:
      throw new Error(`unknown frame ${JSON.stringify(value['frame'])}`);
  }
}

/**
 * Maps the script's terminating error onto an executor code: access denied
 * (by WinRM or the endpoint) is AccessDenied; a WinRM operation timeout
 * while running is CommandTimedOut; any failure to connect or a broken
 * session is NodeUnreachable; an unreadable request is a protocol error;
 * anything else the command itself threw is CommandFailed.
 */
export function classifyRemotingError(node: string, e: RemotingError): ExecutorError {
  const record = toRecord(e);
  const id = e.fullyQualifiedErrorId;
  const transport = /PSRemotingTransportException$/.test(e.exceptionType) || /PSSessionOpenFailed|PSSessionStateBroken/i.test(id) || e.transportErrorCode !== null;
  if (e.stage === 'input') return protocolError(node, `PowerShell could not read the request: ${e.message}`);
  if (/AccessDenied/i.test(id) || e.category === 'PermissionDenied' || e.category === 'SecurityError' || e.transportErrorCode === 5) {
    return accessDenied(node, e.message, record);
  }
  if (/OperationTimeout|TimedOut/i.test(id) || e.category === 'OperationTimeout') {
    if (e.stage === 'connect') return nodeUnreachable(node, e.message, record);
    return new ExecutorError('CommandTimedOut', node, `${node} did not finish the command before WinRM's operation timeout: ${e.message}`, record);
  }
  if (e.stage === 'connect' || transport) return nodeUnreachable(node, e.message, record);
  return commandFailed(node, record);
}

function normalizeError(raw: Record<string, unknown>): RemotingError {
  const s = (k: string) => (typeof raw[k] === 'string' ? (raw[k] as string) : '');
  const stage = raw['stage'] === 'input' || raw['stage'] === 'connect' ? raw['stage'] : 'invoke';
  return {
    stage,
    message: s('message'),
    category: s('category'),
    activity: s('activity'),
    reason: s('reason'),
    targetName: s('targetName'),
    targetType: s('targetType'),
    fullyQualifiedErrorId: s('fullyQualifiedErrorId'),
    exceptionType: s('exceptionType'),
    transportErrorCode: typeof raw['transportErrorCode'] === 'number' ? raw['transportErrorCode'] : null,
  };
}

function toRecord(e: RemotingError): CommandErrorRecord {
  return {
    message: e.message,
    category: e.category,
    activity: e.activity,
    reason: e.reason,
    targetName: e.targetName,
    targetType: e.targetType,
    fullyQualifiedErrorId: e.fullyQualifiedErrorId,
  };
}

/** An output value as a result object; a bare value (a string, a number) becomes `{ Value }`. */
function toResultObject(value: unknown): ResultObject {
  if (isObject(value)) return value as ResultObject;
  return { Value: (value ?? null) as ResultObject[string] };
}
