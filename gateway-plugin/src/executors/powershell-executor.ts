import type { AccessLevel } from '../domain/access-level';
import { Clock, Disposable, startTimeout, SystemClock } from '../domain/clock';
import { matches, NODE_NAME } from '../domain/identifiers';
import { endpointName, SESSION_CONFIGURATION_NAME } from '../policy/jea-files';
import type { CheckedCommand } from '../policy/command-table';
import {
  accessDenied, cancelled, CommandErrorRecord, commandFailed, commandTimedOut, ExecutorError, executorUnavailable,
  nodeUnreachable, protocolError, unknownNode,
} from './executor-error';
import { assertCommandShape, completeResult, NodeExecutor, NodeResult, ResultChunk, ResultObject, RunOptions } from './node-executor';
import { describeExit, isObject, preview, readFrameLine } from './powershell-child';
import { defaultPowerShellPath, winrmTransportModule } from './powershell-files';
import { PowerShellWorker, WorkerExit, WorkerFrame } from './powershell-worker';

/**
 * The production executor: runs a checked command on a real node through
 * PowerShell remoting to the node's JEA endpoint of the grant's current
 * access level. A small pool of long-lived PowerShell workers
 * (`powershell/gateway/Start-CommandWorker.ps1`) does the work; each keeps
 * one open session per node and endpoint, so a command costs a round trip
 * rather than a new process and a new JEA session. The command travels as
 * JSON and is bound by name on the worker; see docs/executors.md for the
 * protocol.
 */

export const DEFAULT_JEA_ENDPOINT = SESSION_CONFIGURATION_NAME;
/** How many workers run at once unless configured: the number of commands in flight at a time. */
export const DEFAULT_WORKERS = 4;
/** After a timeout or a cancel, how long a worker gets to stop the command before it is killed and replaced. */
export const DEFAULT_STOP_GRACE_MS = 2000;
/** After killing a worker, how long to wait for it to be reaped before settling anyway. */
const REAP_WAIT_MS = 5000;

/** An error as the worker reports it. */
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
  /** The PowerShell to start: `pwsh` on the PATH (or the .NET tool's) by default; `powershell.exe` works as well on Windows. */
  powershellPath?: string;
  /** The base name of the JEA endpoints on the nodes (`RemoteSupport.HCI`); a level's endpoint is `<base>.<level>`. */
  endpointName?: string;
  /** The module that reaches the nodes: PowerShell remoting over WinRM by default; tests give a local stand-in. */
  transportModule?: string;
  /** The cluster's nodes; a run on any other name fails with UnknownNode. Without it, any host name is accepted. */
  nodes?: readonly string[];
  /** The environment PowerShell starts with (default: the gateway's). */
  env?: NodeJS.ProcessEnv;
  /** How many workers may run commands at once (default 4); further commands wait their turn. */
  workers?: number;
  /** Output of one command beyond this many bytes fails it as a protocol error (default 32 MiB). */
  maxOutputBytes?: number;
  /** How long a worker gets to stop a timed-out or cancelled command before it is killed (default 2000 ms). */
  stopGraceMs?: number;
  /** Told the process id of every worker started, for diagnostics. */
  onSpawn?: (info: { pid: number }) => void;
  /** The clock every deadline, stop grace and reap wait runs on (the system clock by default). */
  clock?: Clock;
}

const ENDPOINT_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,100}$/;

interface Waiter {
  key: string;
  take: (worker: PowerShellWorker) => void;
  /** No worker could be started for it. */
  fail: (error: Error) => void;
}

export class PowerShellNodeExecutor implements NodeExecutor {
  readonly powershellPath: string;
  readonly endpointName: string;
  readonly transportModule: string;
  readonly size: number;
  private readonly nodes: readonly string[] | undefined;
  private readonly env: NodeJS.ProcessEnv | undefined;
  private readonly maxOutputBytes: number;
  private readonly stopGraceMs: number;
  private readonly onSpawn: PowerShellExecutorOptions['onSpawn'];
  private readonly clock: Clock;
  private readonly idle: PowerShellWorker[] = [];
  private readonly all = new Set<PowerShellWorker>();
  private readonly waiting: Waiter[] = [];
  private readonly inFlight = new Set<() => void>();
  private nextId = 1;
  private disposed = false;

  constructor(options: PowerShellExecutorOptions = {}) {
    this.powershellPath = options.powershellPath ?? defaultPowerShellPath();
    this.endpointName = options.endpointName ?? DEFAULT_JEA_ENDPOINT;
    if (!ENDPOINT_NAME.test(this.endpointName)) {
      throw new RangeError(`endpointName must be a session configuration name of letters, digits, . _ or - (got ${JSON.stringify(this.endpointName)})`);
    }
    this.transportModule = options.transportModule ?? winrmTransportModule();
    this.size = options.workers ?? DEFAULT_WORKERS;
    if (!Number.isInteger(this.size) || this.size < 1 || this.size > 64) throw new RangeError(`workers must be a whole number from 1 to 64 (got ${options.workers})`);
    this.nodes = options.nodes;
    this.env = options.env;
    this.maxOutputBytes = options.maxOutputBytes ?? 32 * 1024 * 1024;
    this.stopGraceMs = options.stopGraceMs ?? DEFAULT_STOP_GRACE_MS;
    this.onSpawn = options.onSpawn;
    this.clock = options.clock ?? new SystemClock();
  }

  /** The endpoint a command runs through: the one of the grant's current level (the command's own level when none is given). */
  endpointFor(level: AccessLevel): string {
    return endpointName(level, this.endpointName);
  }

  /** The process ids of the workers alive now. */
  workerPids(): number[] {
    return [...this.all].map((w) => w.pid).filter((pid): pid is number => pid !== undefined);
  }

  run(node: string, command: CheckedCommand, options: RunOptions): Promise<NodeResult> {
    const startedAt = performance.now();
    if (!(options.timeoutMs > 0) || !Number.isFinite(options.timeoutMs)) throw new RangeError(`timeoutMs must be a positive number of milliseconds (got ${options.timeoutMs})`);
    return new Promise<NodeResult>((resolve, reject) => {
      if (this.disposed) return reject(executorUnavailable(node, 'the PowerShell executor was disposed'));
      const known = this.nodes?.find((n) => n.toLowerCase() === node.toLowerCase());
      if (this.nodes && !known) return reject(unknownNode(node, this.nodes));
      if (!matches(NODE_NAME, node)) return reject(unknownNode(node, this.nodes ?? []));
      const target = known ?? node;
      try {
        assertCommandShape(target, command);
      } catch (error) {
        return reject(error);
      }
      if (options.signal?.aborted) return reject(cancelled(target));
      const endpoint = this.endpointFor(options.level ?? command.level);
      const key = `${target.toLowerCase()}|${endpoint}`;
      const id = this.nextId++;

      const objects: ResultObject[] = [];
      const errors: CommandErrorRecord[] = [];
      let sequence = 0;
      let worker: PowerShellWorker | undefined;
      let settled = false;
      /** Why the gateway stopped the command (timeout or cancel), once it did. */
      let stopping: ExecutorError | undefined;
      let graceTimer: Disposable | undefined;
      /** Whether the worker said it took the command; one that dies before that never began it. */
      let started = false;
      let retried = false;

      const settle = (error: ExecutorError | undefined, result?: NodeResult) => {
        if (settled) return;
        settled = true;
        deadline.dispose();
        graceTimer?.dispose();
        options.signal?.removeEventListener('abort', onAbort);
        this.inFlight.delete(onDispose);
        const index = this.waiting.indexOf(waiter);
        if (index >= 0) this.waiting.splice(index, 1);
        if (worker) this.release(worker);
        if (error) reject(error);
        else resolve(result!);
      };
      /** Stops the command: asks the worker to stop it, and kills the worker if it has not within the grace period. */
      const stop = (why: ExecutorError) => {
        if (settled || stopping) return;
        stopping = why;
        if (!worker) return settle(why);
        worker.send({ type: 'cancel', id });
        const w = worker;
        // A command that ignores the stop costs its worker: killed, and settled once the process is gone.
        graceTimer = startTimeout(this.clock, this.stopGraceMs, () => {
          w.kill();
          graceTimer = startTimeout(this.clock, REAP_WAIT_MS, () => settle(why));
        });
      };
      const onAbort = () => stop(cancelled(target));
      const onDispose = () => stop(executorUnavailable(target, 'the PowerShell executor was disposed'));
      const deadline = startTimeout(this.clock, options.timeoutMs, () => stop(commandTimedOut(target, options.timeoutMs)));
      options.signal?.addEventListener('abort', onAbort, { once: true });
      this.inFlight.add(onDispose);

      const onFrame = (frame: WorkerFrame) => {
        if (settled) return;
        if (frame['id'] !== id) return;
        if (frame.frame === 'started') {
          started = true;
          return;
        }
        let parsed: RemotingFrame;
        try {
          parsed = parseFrame(frame);
        } catch (error) {
          worker?.kill();
          return settle(protocolError(target, `${(error as Error).message}: ${preview(JSON.stringify(frame))}`));
        }
        switch (parsed.frame) {
          case 'object': {
            const value = toResultObject(parsed.value);
            objects.push(value);
            emit({ objects: [value], errors: [] });
            break;
          }
          case 'error': {
            const record = toRecord(parsed.error);
            errors.push(record);
            emit({ objects: [], errors: [record] });
            break;
          }
          case 'fatal':
            if (stopping) return settle(stopping);
            return settle(classifyRemotingError(target, parsed.error));
          case 'end':
            if (stopping) return settle(stopping);
            if (parsed.objects !== objects.length) return settle(protocolError(target, `the end frame counts ${parsed.objects} objects but ${objects.length} arrived`));
            return settle(undefined, completeResult(target, command.cmdlet, objects, errors, startedAt));
        }
      };
      const emit = (part: Pick<ResultChunk, 'objects' | 'errors'>) => {
        const chunk: ResultChunk = { node: target, cmdlet: command.cmdlet, sequence: sequence++, ...part };
        try {
          options.onChunk?.(chunk);
        } catch {
          // A consumer's failure is its own; the run goes on.
        }
      };
      const start = (w: PowerShellWorker) => {
        if (settled) return this.release(w);
        worker = w;
        started = false;
        if (stopping) return settle(stopping);
        w.begin({
          type: 'run',
          id,
          node: target,
          endpoint,
          timeoutMs: Math.ceil(options.timeoutMs),
          command: { cmdlet: command.cmdlet, parameters: command.parameters },
        }, onFrame, (exit) => {
          if (settled || worker !== w) return;
          worker = undefined;
          // A worker that died before taking the command (it was dying while idle) never began it: another one runs it, once.
          if (!started && !stopping && !retried && !this.disposed) {
            retried = true;
            return this.acquire(waiter);
          }
          settle(stopping ?? crashed(target, command.cmdlet, w.pid, exit));
        });
      };
      const waiter: Waiter = { key, take: start, fail: (error) => settle(executorUnavailable(target, error.message)) };
      this.acquire(waiter);
    });
  }

  /** Stops every command in flight (they fail with ExecutorUnavailable), ends the workers and refuses new runs. */
  dispose(): void {
    this.disposed = true;
    for (const stopRun of [...this.inFlight]) stopRun();
    for (const waiter of this.waiting.splice(0)) waiter.fail(new Error('the PowerShell executor was disposed'));
    for (const worker of [...this.all]) worker.kill();
    this.all.clear();
    this.idle.length = 0;
  }

  /** Gives the waiter an idle worker (one with its session open if there is one), a new one if the pool has room, or a place in the queue. */
  private acquire(waiter: Waiter): void {
    const match = this.idle.findIndex((w) => w.sessions.has(waiter.key));
    if (match >= 0 || this.idle.length > 0) {
      const [worker] = this.idle.splice(match >= 0 ? match : 0, 1);
      return waiter.take(worker);
    }
    if (this.all.size < this.size) {
      let worker: PowerShellWorker;
      try {
        worker = this.spawn();
      } catch (error) {
        return waiter.fail(new Error(`${this.powershellPath} could not be started: ${(error as Error).message}`));
      }
      worker.ready.then(
        () => waiter.take(worker),
        (error: Error) => {
          this.all.delete(worker);
          waiter.fail(error);
        },
      );
      return;
    }
    this.waiting.push(waiter);
  }

  private spawn(): PowerShellWorker {
    const worker = new PowerShellWorker({ powershellPath: this.powershellPath, transportModule: this.transportModule, env: this.env, maxOutputBytes: this.maxOutputBytes });
    this.all.add(worker);
    if (worker.pid !== undefined) this.onSpawn?.({ pid: worker.pid });
    worker.onExit(() => {
      // A dead worker leaves the pool; the next command that needs one starts a new one.
      this.all.delete(worker);
      const index = this.idle.indexOf(worker);
      if (index >= 0) this.idle.splice(index, 1);
      this.handOnSlot();
    });
    return worker;
  }

  /** A worker finished its command: it takes the next waiter (preferring one whose session it holds) or waits idle. */
  private release(worker: PowerShellWorker): void {
    worker.idle();
    if (worker.exited || this.disposed) return;
    if (this.waiting.length > 0) {
      const match = this.waiting.findIndex((w) => worker.sessions.has(w.key));
      const [next] = this.waiting.splice(match >= 0 ? match : 0, 1);
      return next.take(worker);
    }
    this.idle.push(worker);
  }

  /** A slot freed (a worker died): start a worker for the first waiter, if any. */
  private handOnSlot(): void {
    if (this.disposed || this.waiting.length === 0 || this.all.size >= this.size) return;
    this.acquire(this.waiting.shift()!);
  }
}

/** The error of a command whose worker died under it: what ran where, and how the worker ended. */
function crashed(node: string, cmdlet: string, pid: number | undefined, exit: WorkerExit): ExecutorError {
  const stderr = exit.stderr.trim();
  return executorUnavailable(node, `the PowerShell worker (process ${pid ?? '?'}) ${describeExit(exit)} while running ${cmdlet}${stderr ? ` (${preview(stderr)})` : ''}; the command's outcome on the node is unknown, and a new worker takes its place`);
}

/** Parses one stdout line into a frame, or throws saying what is wrong with it. */
export function parseFrame(line: string | Record<string, unknown>): RemotingFrame {
  const value = typeof line === 'string' ? readFrameLine(line) : line;
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
  // The node's endpoint refused the command itself: JEA does not expose the command, or a value breaks its rule.
  if (/CommandNotFoundException/.test(id) || /CommandNotFoundException$/.test(e.exceptionType)) {
    return accessDenied(node, `the node's JEA endpoint does not expose this command at this access level: ${e.message}`, record);
  }
  if (/^ParameterArgumentValidationError|^NamedParameterNotFound/.test(id)) {
    return accessDenied(node, `the node's JEA endpoint refused a parameter: ${e.message}`, record);
  }
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
