import { ChildProcess } from 'node:child_process';
import { StringDecoder } from 'node:string_decoder';
import { Clock, Disposable, startTimeout } from '../domain/clock';
import { isObject, killTree, readFrameLine, spawnPowerShell } from '../executors/powershell-child';

/** One error record as WAC's PowerShell API returns it (what the SDK's Net.parseErrorResponse reads). */
export interface ApiErrorRecord {
  errorType: string;
  message: string;
  detailRecord?: Record<string, unknown>;
}

/** What a command produced since it was last read. */
export interface CommandOutput {
  results: unknown[];
  errors: ApiErrorRecord[];
  completed: boolean;
}

/** How long a stopped command may take to end before its PowerShell is killed. */
export const STOP_GRACE_MS = 3000;

/**
 * One command running in a runner. Output is kept until {@link take}n, so
 * each poll hands out what arrived since the last one.
 */
export class RunnerCommand {
  private results: unknown[] = [];
  private errors: ApiErrorRecord[] = [];
  private bytes = 0;
  private finished = false;
  private waiters: (() => void)[] = [];
  private endWaiters: (() => void)[] = [];
  /** Whether the command was stopped (cancel, timeout) rather than finished. */
  stopped = false;

  constructor(readonly id: number, private readonly maxOutputBytes: number) {}

  get done(): boolean {
    return this.finished;
  }

  /** Hands out the output not yet taken. */
  take(): CommandOutput {
    const out = { results: this.results, errors: this.errors, completed: this.finished };
    this.results = [];
    this.errors = [];
    return out;
  }

  /** Resolves once there is output to take or the command ended. */
  changed(): Promise<void> {
    if (this.finished || this.results.length > 0 || this.errors.length > 0) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Resolves once the command ended. */
  ended(): Promise<void> {
    if (this.finished) return Promise.resolve();
    return new Promise((resolve) => this.endWaiters.push(resolve));
  }

  /** Adds a result; returns false once the output went over its cap (the caller then stops the command). */
  addResult(value: unknown, size: number): boolean {
    this.bytes += size;
    if (this.bytes > this.maxOutputBytes) return false;
    this.results.push(value);
    this.wake();
    return true;
  }

  addError(error: ApiErrorRecord): void {
    this.errors.push(error);
    this.wake();
  }

  finish(stopped: boolean): void {
    if (this.finished) return;
    this.finished = true;
    this.stopped = this.stopped || stopped;
    this.wake();
    for (const w of this.endWaiters.splice(0)) w();
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }
}

export interface RunnerOptions {
  powershellPath: string;
  /** Start-PowerShellApiRunner.ps1. */
  script: string;
  env: NodeJS.ProcessEnv;
  clock: Clock;
  /** A command still running after this long is stopped, and its output ends with a timeout error. */
  commandTimeoutMs: number;
  /** The most output one command may return (JSON bytes); beyond it the command is stopped. */
  maxOutputBytes: number;
  /** Told when the process ended (exit, crash or kill). */
  onExit?: () => void;
}

/**
 * One PowerShell session of the stand-in: a long-lived pwsh running
 * Start-PowerShellApiRunner.ps1, which keeps one runspace. It runs one
 * command at a time; a stop that PowerShell does not honour within
 * {@link STOP_GRACE_MS} kills the process (the session is then gone).
 */
export class PowerShellRunner {
  private readonly child: ChildProcess;
  private nextId = 1;
  private current: RunnerCommand | null = null;
  private exited = false;
  private stderr = '';
  private deadline: Disposable | undefined;
  private grace: Disposable | undefined;

  constructor(private readonly options: RunnerOptions) {
    this.child = spawnPowerShell(options.powershellPath, ['-NoLogo', '-NoProfile', '-NonInteractive', '-File', options.script], options.env);
    const decoder = new StringDecoder('utf8');
    let pending = '';
    this.child.stdout!.on('data', (data: Buffer) => {
      const lines = (pending + decoder.write(data)).split('\n');
      pending = lines.pop()!;
      for (const line of lines) this.takeLine(line);
    });
    this.child.stderr!.on('data', (data: Buffer) => {
      this.stderr = (this.stderr + data.toString('utf8')).slice(-4096);
    });
    this.child.stdin!.on('error', () => {
      // The process ended; 'close' says so.
    });
    this.child.on('error', () => this.ended());
    this.child.on('close', () => this.ended());
  }

  /** Whether the process still runs. */
  get alive(): boolean {
    return !this.exited;
  }

  /** Whether a command is running. */
  get busy(): boolean {
    return this.current !== null && !this.current.done;
  }

  /** Starts a command; the caller makes sure none is running. */
  run(script: string, parameters: Record<string, unknown>): RunnerCommand {
    if (this.busy) throw new Error('the runner is busy');
    const command = new RunnerCommand(this.nextId++, this.options.maxOutputBytes);
    this.current = command;
    if (this.exited) {
      command.addError(processGone(this.stderr));
      command.finish(false);
      return command;
    }
    this.deadline = startTimeout(this.options.clock, this.options.commandTimeoutMs, () => {
      command.addError({ errorType: 'TimeoutException', message: `The command did not finish within ${Math.round(this.options.commandTimeoutMs / 1000)} seconds and was stopped.` });
      this.stop();
    });
    this.send({ type: 'run', id: command.id, script, parameters });
    return command;
  }

  /** Stops the running command (PowerShell's Stop); kills the process when it does not stop in time. */
  stop(): void {
    const command = this.current;
    if (!command || command.done || this.exited) return;
    command.stopped = true;
    this.send({ type: 'cancel', id: command.id });
    this.grace ??= startTimeout(this.options.clock, STOP_GRACE_MS, () => this.dispose());
  }

  /**
   * Makes the process ready for another session: a fresh runspace, nothing
   * of this session's state kept. Returns false (and does nothing) while a
   * command runs or once the process ended.
   */
  reset(): boolean {
    if (this.exited || this.busy) return false;
    this.current = null;
    this.send({ type: 'reset' });
    return true;
  }

  /** Kills the process; a running command ends as stopped. */
  dispose(): void {
    if (!this.exited) killTree(this.child);
    this.ended();
  }

  private send(message: unknown): void {
    if (this.child.stdin!.writable) this.child.stdin!.write(JSON.stringify(message) + '\n');
  }

  private takeLine(raw: string): void {
    const line = raw.replace(/\r$/, '');
    if (line.trim() === '') return;
    let frame: Record<string, unknown> & { frame: string };
    try {
      frame = readFrameLine(line);
    } catch {
      return;
    }
    const command = this.current;
    if (!command || frame['id'] !== command.id) return;
    switch (frame.frame) {
      case 'object':
        if (!command.addResult(frame['value'], line.length)) {
          command.addError({ errorType: 'OutputTooLarge', message: `The command's output went over ${this.options.maxOutputBytes} bytes and the command was stopped.` });
          this.stop();
        }
        break;
      case 'error':
        command.addError(toErrorRecord(frame['error']));
        break;
      case 'end':
        this.settle(frame['stopped'] === true);
        break;
    }
  }

  private settle(stopped: boolean): void {
    this.deadline?.dispose();
    this.grace?.dispose();
    this.deadline = undefined;
    this.grace = undefined;
    this.current?.finish(stopped);
  }

  private ended(): void {
    if (this.exited) return;
    this.exited = true;
    const command = this.current;
    if (command && !command.done && !command.stopped) command.addError(processGone(this.stderr));
    this.settle(true);
    this.options.onExit?.();
  }
}

function processGone(stderr: string): ApiErrorRecord {
  const detail = stderr.trim();
  return { errorType: 'PSRemotingTransportException', message: `The PowerShell session ended${detail ? `: ${detail.slice(0, 300)}` : ''}` };
}

function toErrorRecord(value: unknown): ApiErrorRecord {
  if (!isObject(value)) return { errorType: 'Error', message: String(value) };
  return {
    errorType: typeof value['errorType'] === 'string' ? value['errorType'] : 'Error',
    message: typeof value['message'] === 'string' ? value['message'] : '',
    ...(isObject(value['detailRecord']) ? { detailRecord: value['detailRecord'] } : {}),
  };
}
