import type { ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { describeExit, killTree, PowerShellExit, readFrameLine, spawnPowerShell, STDERR_KEPT } from './powershell-child';
import { gatewayScript } from './powershell-files';

/**
 * One long-lived PowerShell process running `Start-CommandWorker.ps1`: it
 * takes one command at a time as a JSON line on stdin and answers with JSON
 * frames on stdout, keeping one open session per node and endpoint between
 * commands. {@link PowerShellNodeExecutor} keeps a small pool of these.
 */

/** The worker protocol's version, as the ready frame announces it. */
export const WORKER_PROTOCOL_VERSION = 2;

/** The arguments a worker always starts with: no profile, no prompts, the fixed script and transport. Nothing from a command is ever added. */
export function workerArgs(transportModule: string): string[] {
  return ['-NoLogo', '-NoProfile', '-NonInteractive', '-File', gatewayScript('Start-CommandWorker.ps1'), '-TransportModule', transportModule];
}

/** A frame of one command, as the worker sends it. */
export type WorkerFrame = Record<string, unknown> & { frame: string };

export interface WorkerOptions {
  powershellPath: string;
  transportModule: string;
  env?: NodeJS.ProcessEnv | undefined;
  /** Output beyond this many bytes for one command is a protocol error (the worker is then replaced). */
  maxOutputBytes: number;
}

/** How a worker ended: its exit code or signal, and the end of its stderr. */
export type WorkerExit = PowerShellExit;

export class PowerShellWorker {
  readonly child: ChildProcess;
  /** Resolves once the worker said it is ready; rejects if it could not start or died first. */
  readonly ready: Promise<void>;
  /** node|endpoint keys of the sessions it holds open. */
  readonly sessions = new Set<string>();
  /** Set once the process is gone (or going). */
  exited: WorkerExit | undefined;
  private stderr = '';
  private onFrame: ((frame: WorkerFrame) => void) | undefined;
  private onCommandExit: ((exit: WorkerExit) => void) | undefined;
  private readonly exitListeners: ((exit: WorkerExit) => void)[] = [];
  private outputBytes = 0;

  constructor(private readonly options: WorkerOptions) {
    this.child = spawnPowerShell(options.powershellPath, workerArgs(options.transportModule), options.env);
    let readyResolve!: () => void;
    let readyReject!: (error: Error) => void;
    this.ready = new Promise<void>((resolve, reject) => {
      readyResolve = resolve;
      readyReject = reject;
    });
    this.ready.catch(() => {});
    let isReady = false;

    this.child.on('error', (error: NodeJS.ErrnoException) => {
      if (this.child.pid === undefined) {
        this.finish({ code: null, signal: null, stderr: error.code ?? error.message });
        readyReject(new Error(`${options.powershellPath} could not be started (${error.code ?? error.message})`));
      }
    });
    this.child.stderr!.on('data', (data: Buffer) => {
      this.stderr = (this.stderr + data.toString('utf8')).slice(-STDERR_KEPT);
    });
    this.child.stdin!.on('error', () => {
      // The worker may die with commands unwritten; its exit says why.
    });
    const lines = createInterface({ input: this.child.stdout!, crlfDelay: Infinity });
    lines.on('line', (line) => {
      if (line.trim() === '') return;
      this.outputBytes += Buffer.byteLength(line) + 1;
      let frame: WorkerFrame;
      try {
        frame = readFrameLine(line);
      } catch (error) {
        return this.fail(`${(error as Error).message}: ${line.slice(0, 200)}`);
      }
      if (!isReady) {
        if (frame.frame === 'ready' && frame['protocol'] === WORKER_PROTOCOL_VERSION) {
          isReady = true;
          readyResolve();
        } else {
          this.fail(`the worker did not start with a ready frame of protocol ${WORKER_PROTOCOL_VERSION}`);
        }
        return;
      }
      if (frame.frame === 'session') {
        const key = `${String(frame['node']).toLowerCase()}|${String(frame['endpoint'])}`;
        if (frame['event'] === 'opened') this.sessions.add(key);
        else this.sessions.delete(key);
        return;
      }
      if (this.outputBytes > this.options.maxOutputBytes) return this.fail(`the output exceeded ${this.options.maxOutputBytes} bytes`);
      this.onFrame?.(frame);
    });
    this.child.on('close', (code, signal) => {
      this.finish({ code, signal, stderr: this.stderr });
      readyReject(new Error(`PowerShell ${describeExit({ code, signal, stderr: this.stderr })} before it was ready`));
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Sends one command; `onFrame` gets its frames, and `onExit` is told if the worker dies, until `idle`. */
  begin(request: Record<string, unknown>, onFrame: (frame: WorkerFrame) => void, onExit: (exit: WorkerExit) => void): void {
    if (this.exited) return onExit(this.exited);
    this.onFrame = onFrame;
    this.onCommandExit = onExit;
    this.outputBytes = 0;
    this.send(request);
  }

  /** Stops taking frames for the finished command. */
  idle(): void {
    this.onFrame = undefined;
    this.onCommandExit = undefined;
  }

  send(message: Record<string, unknown>): void {
    if (this.exited || !this.child.stdin!.writable) return;
    this.child.stdin!.write(JSON.stringify(message) + '\n');
  }

  /** Called once when the process is gone. */
  onExit(listener: (exit: WorkerExit) => void): void {
    if (this.exited) listener(this.exited);
    else this.exitListeners.push(listener);
  }

  /** Kills the process and anything it started (its process group) at once, with SIGKILL. */
  kill(): void {
    killTree(this.child);
  }

  /** Asks the worker to end after its current command (closes its stdin). */
  close(): void {
    this.child.stdin!.end();
  }

  private fail(why: string): void {
    this.stderr = `${why}\n${this.stderr}`.slice(0, STDERR_KEPT);
    this.kill();
  }

  private finish(exit: WorkerExit): void {
    if (this.exited) return;
    this.exited = exit;
    const commandExit = this.onCommandExit;
    this.idle();
    commandExit?.(exit);
    for (const listener of this.exitListeners.splice(0)) listener(exit);
  }
}

