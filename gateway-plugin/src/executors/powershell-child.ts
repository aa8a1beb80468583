import { ChildProcess, spawn } from 'node:child_process';
import { StringDecoder } from 'node:string_decoder';
import { Clock, Disposable, startTimeout, SystemClock } from '../domain/clock';
import type { ExecutorError } from './executor-error';

/**
 * The one way the gateway runs PowerShell: start it with fixed arguments
 * (never anything from a request), write one JSON request to its stdin,
 * read one JSON frame per stdout line, and settle exactly once. A timeout,
 * an abort, a cancel (dispose), too much output or a broken frame kills
 * PowerShell, and the run settles once the process is gone (or after
 * {@link REAP_WAIT_MS} if it is not reaped). The remoting executor and the
 * cluster target both run through here; each supplies its own frame
 * parser, frame handling, final answer and error messages.
 */

/** Kept of PowerShell's stderr, for the message when it exits without reporting an error. */
export const STDERR_KEPT = 8 * 1024;
/** After a kill, how long to wait for the process to be reaped before settling anyway. */
const REAP_WAIT_MS = 5000;

/** How PowerShell ended, handed to `finish` when nothing stopped the run. */
export interface PowerShellExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** The last 8 KiB of stderr. */
  stderr: string;
}

/** The errors a run fails with; each is built when it happens, so it can say how far the run got. */
export interface PowerShellChildErrors {
  /** PowerShell could not be started: `thrown` when spawn threw (`why` is its message), else its 'error' event (`why` is the code or message). */
  startFailed(why: string, thrown: boolean): ExecutorError;
  timedOut(): ExecutorError;
  cancelled(): ExecutorError;
  /** Broken or excessive output. */
  protocol(message: string): ExecutorError;
}

export interface PowerShellChildOptions<F, T> {
  powershellPath: string;
  /** The fixed arguments. */
  args: readonly string[];
  env?: NodeJS.ProcessEnv | undefined;
  /** The request, written to stdin as one JSON line. */
  input: unknown;
  timeoutMs: number;
  /** The clock the deadline and the reap wait run on (the system clock by default). */
  clock?: Clock | undefined;
  signal?: AbortSignal | undefined;
  maxOutputBytes: number;
  /** Told PowerShell's process id once it started. */
  onSpawn?: (pid: number) => void;
  /** Parses one non-blank stdout line, or throws saying what is wrong with it. */
  parseFrame: (line: string) => F;
  /** Takes one frame; returning an error stops the run with it. */
  onFrame: (frame: F) => ExecutorError | void;
  /** Called after the frames of each stdout read (and the final line) while the run goes on. */
  onBatchEnd?: () => void;
  /** The answer once PowerShell closed and nothing stopped the run; throws (an ExecutorError) to fail it. */
  finish: (exit: PowerShellExit) => T;
  errors: PowerShellChildErrors;
}

export interface PowerShellRun<T> {
  /** Settles once: with `finish`'s answer, or rejects with an ExecutorError. */
  result: Promise<T>;
  /** Stops the run with `errors.cancelled()` (for dispose); does nothing once it settled. */
  cancel: () => void;
}

export function runPowerShell<F, T>(options: PowerShellChildOptions<F, T>): PowerShellRun<T> {
  let cancel: () => void = () => {};
  const result = new Promise<T>((resolve, reject) => {
    const { errors, signal } = options;
    let child: ChildProcess;
    try {
      child = spawnPowerShell(options.powershellPath, options.args, options.env);
    } catch (error) {
      return reject(errors.startFailed((error as Error).message, true));
    }

    let failure: ExecutorError | undefined;
    let settled = false;
    let stderr = '';
    let outputBytes = 0;
    let pending = '';
    let reapTimer: Disposable | undefined;
    const clock = options.clock ?? new SystemClock();
    const decoder = new StringDecoder('utf8');

    const settle = (fn: () => void) => {
      if (settled) return;
      settled = true;
      deadline.dispose();
      reapTimer?.dispose();
      signal?.removeEventListener('abort', onAbort);
      fn();
    };
    /** Stops the run: kills PowerShell, and settles with `error` once the process is gone. */
    const stop = (error: ExecutorError) => {
      if (failure || settled) return;
      failure = error;
      if (child.exitCode === null && child.signalCode === null) {
        killTree(child);
        reapTimer = startTimeout(clock, REAP_WAIT_MS, () => settle(() => reject(error)));
      } else {
        settle(() => reject(error));
      }
    };
    const onAbort = () => stop(errors.cancelled());
    cancel = onAbort;
    const deadline = startTimeout(clock, options.timeoutMs, () => stop(errors.timedOut()));
    signal?.addEventListener('abort', onAbort, { once: true });

    child.on('error', (error: NodeJS.ErrnoException) => {
      // Only a failure to start matters here; a failed kill is followed by 'close' anyway.
      if (child.pid === undefined) {
        failure ??= errors.startFailed(error.code ?? error.message, false);
        settle(() => reject(failure!));
      }
    });
    if (child.pid !== undefined) options.onSpawn?.(child.pid);

    const takeLine = (line: string) => {
      if (line.trim() === '') return;
      let frame: F;
      try {
        frame = options.parseFrame(line);
      } catch (error) {
        return stop(errors.protocol(`${(error as Error).message}: ${preview(line)}`));
      }
      const problem = options.onFrame(frame);
      if (problem) stop(problem);
    };

    child.stdout!.on('data', (data: Buffer) => {
      if (failure || settled) return;
      outputBytes += data.length;
      if (outputBytes > options.maxOutputBytes) return stop(errors.protocol(`the output exceeded ${options.maxOutputBytes} bytes`));
      const lines = (pending + decoder.write(data)).split('\n');
      pending = lines.pop()!;
      for (const line of lines) {
        if (failure) return;
        takeLine(line.replace(/\r$/, ''));
      }
      if (!failure) options.onBatchEnd?.();
    });
    child.stderr!.on('data', (data: Buffer) => {
      stderr = (stderr + data.toString('utf8')).slice(-STDERR_KEPT);
    });
    child.stdin!.on('error', () => {
      // PowerShell may exit before reading its input; its exit code and output tell why.
    });

    child.on('close', (code: number | null, exitSignal: NodeJS.Signals | null) => {
      if (failure) return settle(() => reject(failure!));
      const rest = (pending + decoder.end()).replace(/\r$/, '');
      if (rest.trim() !== '') {
        takeLine(rest);
        if (failure) return settle(() => reject(failure!));
        options.onBatchEnd?.();
      }
      settle(() => {
        let answer: T;
        try {
          answer = options.finish({ code, signal: exitSignal, stderr });
        } catch (error) {
          return reject(error);
        }
        resolve(answer);
      });
    });

    child.stdin!.end(JSON.stringify(options.input) + '\n');
  });
  return { result, cancel: () => cancel() };
}

/**
 * Starts PowerShell with fixed arguments: no shell, piped stdio, and its own
 * process group, so that {@link killTree} reaches PowerShell itself when the
 * path is a launcher (the .NET global tool's `pwsh` starts `dotnet pwsh.dll`
 * as a child). Throws when the start fails at once.
 */
export function spawnPowerShell(path: string, args: readonly string[], env: NodeJS.ProcessEnv | undefined): ChildProcess {
  return spawn(path, args as string[], {
    stdio: ['pipe', 'pipe', 'pipe'],
    shell: false,
    windowsHide: true,
    env: env ?? process.env,
    detached: process.platform !== 'win32',
  });
}

/** "exited with code 1" or "was killed by SIGKILL". */
export function describeExit(exit: PowerShellExit): string {
  return exit.signal ? `was killed by ${exit.signal}` : `exited with code ${exit.code}`;
}

/** The message for PowerShell exiting non-zero without a fatal frame; `where` goes before the stderr excerpt. */
export function exitWithoutError(exit: PowerShellExit, where = ''): string {
  const stderr = exit.stderr.trim();
  return `PowerShell ${describeExit(exit)} without reporting an error${where}${stderr ? `: ${preview(stderr)}` : ''}`;
}

/** At most 200 characters of a text, for error messages. */
export function preview(text: string): string {
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Reads one stdout line as a frame object: JSON, an object, with a string
 * `frame` naming its kind. Throws saying what is wrong; each script's parser
 * then checks the fields of its own frame kinds.
 */
export function readFrameLine(line: string): Record<string, unknown> & { frame: string } {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    throw new Error('a line of output is not JSON');
  }
  if (!isObject(value) || typeof value['frame'] !== 'string') throw new Error('a line of output is not a frame');
  return value as Record<string, unknown> & { frame: string };
}

/** SIGKILL to a child started with `detached` (its whole process group), or to the child alone where there are no groups. */
export function killTree(child: ChildProcess): void {
  if (child.pid === undefined) return;
  if (process.platform !== 'win32') {
    try {
      process.kill(-child.pid, 'SIGKILL');
      return;
    } catch {
      // The group is gone already; fall through for the child itself.
    }
  }
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
}
