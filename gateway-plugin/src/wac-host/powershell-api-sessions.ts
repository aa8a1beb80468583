import { randomUUID } from 'node:crypto';
import { Clock, Disposable, startTimeout } from '../domain/clock';
import { createError } from '../domain/errors';
import { ApiErrorRecord, PowerShellRunner, RunnerCommand } from './powershell-runner';

/** The limits of the stand-in's PowerShell sessions. */
export interface SessionLimits {
  /** Sessions open at once; a new one then closes the least recently used idle one, or is refused when all are busy. */
  maxSessions: number;
  /** A session unused this long is closed (its PowerShell ends). Longer than the SDK's 3 minutes of holding a session. */
  idleTimeoutMs: number;
  /** A command still running after this long is stopped. */
  commandTimeoutMs: number;
  /** The most output one command may return. */
  maxOutputBytes: number;
  /** How long an invoke waits for the command before answering "not completed" (the SDK's waitTimeMs may ask for less). */
  invokeWaitMs: number;
  /** How long a poll ($expand=output) waits for new output before answering with none. */
  pollWaitMs: number;
}

export const DEFAULT_SESSION_LIMITS: SessionLimits = {
  maxSessions: 16,
  idleTimeoutMs: 10 * 60_000,
  commandTimeoutMs: 5 * 60_000,
  maxOutputBytes: 16 * 1024 * 1024,
  invokeWaitMs: 2000,
  pollWaitMs: 1000,
};

/** The `properties` of an answer, as the SDK's PowerShellRaw.checkCompleted and PowerShell.collect read them. */
export interface SessionProperties {
  sessionId: string;
  completed: 'True' | 'False';
  results: unknown[];
  progress: unknown[];
  errors?: ApiErrorRecord[];
}

/** An answer: 200 with `{ properties }`, or 400 with the properties themselves when the command wrote errors (WAC's error shape). */
export type SessionAnswer = { status: 200; body: { properties: SessionProperties } } | { status: 400; body: SessionProperties };

interface ApiSession {
  id: string;
  /** The name the SDK gave in PUT pssessions/{name}. */
  name: string;
  node: string;
  runner: PowerShellRunner;
  command: RunnerCommand | null;
  /** Errors of the current command, held until it ends: the answer that completes it carries them all. */
  heldErrors: ApiErrorRecord[];
  /** Closed once its command's last output is handed out (POST invokeCommand: the SDK's automatic mode never closes). */
  oneShot: boolean;
  idle: Disposable | undefined;
}

export interface SessionsOptions {
  clock: Clock;
  limits: SessionLimits;
  /** Starts one PowerShell session (a runner process). */
  startRunner: (onExit: () => void) => PowerShellRunner;
  /**
   * Runners kept ready for new sessions: a closed session's runner, reset to
   * a fresh runspace, or one started ahead. The SDK opens a session per call
   * when its session has no lifetime and closes it after; a new pwsh per
   * call would cost seconds (starting PowerShell, the module's first
   * import and its Add-Type). 0 (the default) starts a new pwsh per session.
   */
  readyRunners?: number;
}

/**
 * The stand-in's PowerShell sessions: one long-lived runner per session, as
 * WAC keeps one runspace per session. Sessions are found by id within the
 * node they were opened on.
 */
export class PowerShellApiSessions {
  private readonly sessions = new Map<string, ApiSession>();
  private readonly recent: string[] = [];
  /** Runners with a fresh runspace and no session, the next to take first. */
  private readonly ready: PowerShellRunner[] = [];

  constructor(private readonly options: SessionsOptions) {}

  get size(): number {
    return this.sessions.size;
  }

  /** PUT pssessions/{name}: a new session running its first command. */
  async open(node: string, name: string, script: string, parameters: Record<string, unknown>, waitMs: number | undefined): Promise<SessionAnswer> {
    const session = this.create(node, name, false);
    return this.invoke(session, script, parameters, waitMs);
  }

  /** POST invokeCommand (the SDK's automatic mode): a session for this one command. */
  async invokeOnce(node: string, script: string, parameters: Record<string, unknown>, waitMs: number | undefined): Promise<SessionAnswer> {
    const session = this.create(node, 'automatic', true);
    return this.invoke(session, script, parameters, waitMs);
  }

  /** POST pssessions/{id}/invokeCommand: the next command in a session. */
  async invokeIn(node: string, id: string, script: string, parameters: Record<string, unknown>, waitMs: number | undefined): Promise<SessionAnswer> {
    const session = this.find(node, id);
    if (session.runner.busy) throw createError('SessionBusy', `PowerShell session ${id} is still running a command; poll it with $expand=output until it completes`);
    return this.invoke(session, script, parameters, waitMs);
  }

  /** GET pssessions/{id}?$expand=output: what the command produced since the last answer. */
  async output(node: string, id: string): Promise<SessionAnswer> {
    const session = this.find(node, id);
    this.touch(session);
    const command = session.command;
    if (command && !command.done) await this.waitFor(command, this.options.limits.pollWaitMs);
    return this.answer(session);
  }

  /** GET pssessions/{id} without $expand: the session's state, output left for the next poll. */
  state(node: string, id: string): { properties: { sessionId: string; name: string; completed: 'True' | 'False' } } {
    const session = this.find(node, id);
    this.touch(session);
    return { properties: { sessionId: session.id, name: session.name, completed: session.command && !session.command.done ? 'False' : 'True' } };
  }

  /** POST pssessions/{id}/cancel: stops the running command. */
  async cancel(node: string, id: string): Promise<{ properties: { sessionId: string; completed: 'True' } }> {
    const session = this.find(node, id);
    const command = session.command;
    if (command && !command.done) {
      session.runner.stop();
      await command.ended();
    }
    // What the stopped command still held is dropped: the SDK stops polling after a cancel.
    session.heldErrors = [];
    command?.take();
    if (session.oneShot) this.close(node, id);
    else this.touch(session);
    return { properties: { sessionId: id, completed: 'True' } };
  }

  /** DELETE pssessions/{id}: ends the session and its PowerShell. */
  close(node: string, id: string): void {
    const session = this.find(node, id);
    this.remove(session);
  }

  /** Ends every session and every ready runner. */
  dispose(): void {
    this.disposing = true;
    for (const session of [...this.sessions.values()]) this.remove(session);
    for (const runner of this.ready.splice(0)) runner.dispose();
    this.disposing = false;
  }

  private disposing = false;

  /** A ready runner when there is one, else a new one; a replacement is started when the ready ones ran out. */
  private takeRunner(): PowerShellRunner {
    let runner: PowerShellRunner | undefined;
    while ((runner = this.ready.shift()) && !runner.alive);
    runner ??= this.startRunner();
    if (this.ready.length === 0 && (this.options.readyRunners ?? 0) > 0) this.ready.push(this.startRunner());
    return runner;
  }

  /**
   * A closed session's runner: reset and kept ready first in line (its
   * process has the module's assemblies loaded already); the ready runners
   * beyond the limit end.
   */
  private release(runner: PowerShellRunner): void {
    const keep = this.options.readyRunners ?? 0;
    if (this.disposing || keep === 0 || !runner.reset()) return runner.dispose();
    this.ready.unshift(runner);
    while (this.ready.length > keep) this.ready.pop()!.dispose();
  }

  private startRunner(): PowerShellRunner {
    const runner: PowerShellRunner = this.options.startRunner(() => {
      const at = this.ready.indexOf(runner);
      if (at >= 0) this.ready.splice(at, 1);
      // A runner that ended on its own (crash, kill after a stop) takes its session with it once its output is out.
      for (const session of this.sessions.values()) {
        if (session.runner === runner && !session.command) this.remove(session);
      }
    });
    return runner;
  }

  private create(node: string, name: string, oneShot: boolean): ApiSession {
    this.makeRoom();
    const id = randomUUID();
    const runner = this.takeRunner();
    const session: ApiSession = { id, name, node: node.toLowerCase(), runner, command: null, heldErrors: [], oneShot, idle: undefined };
    this.sessions.set(id, session);
    this.touch(session);
    return session;
  }

  /** At the cap, closes the least recently used session that runs nothing; refuses when every session is busy. */
  private makeRoom(): void {
    if (this.sessions.size < this.options.limits.maxSessions) return;
    for (const id of this.recent) {
      const session = this.sessions.get(id);
      if (session && !session.runner.busy) {
        this.remove(session);
        return;
      }
    }
    throw createError('PowerShellSessionLimit', `All ${this.options.limits.maxSessions} PowerShell sessions are running commands; try again when one completes`);
  }

  private async invoke(session: ApiSession, script: string, parameters: Record<string, unknown>, waitMs: number | undefined): Promise<SessionAnswer> {
    session.heldErrors = [];
    session.command = session.runner.run(script, parameters);
    this.touch(session);
    const wait = Math.min(waitMs ?? this.options.limits.invokeWaitMs, this.options.limits.invokeWaitMs);
    await this.waitFor(session.command, wait);
    return this.answer(session);
  }

  /** Waits until the command ends or `ms` pass, whichever is first. */
  private waitFor(command: RunnerCommand, ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = startTimeout(this.options.clock, ms, resolve);
      void command.ended().then(() => {
        timer.dispose();
        resolve();
      });
    });
  }

  private answer(session: ApiSession): SessionAnswer {
    const command = session.command;
    const out = command ? command.take() : { results: [], errors: [], completed: true };
    session.heldErrors.push(...out.errors);
    const properties: SessionProperties = { sessionId: session.id, completed: out.completed ? 'True' : 'False', results: out.results, progress: [] };
    if (!out.completed) return { status: 200, body: { properties } };
    session.command = null;
    const errors = session.heldErrors;
    session.heldErrors = [];
    if (session.oneShot || !session.runner.alive) this.remove(session);
    else this.touch(session);
    if (errors.length > 0) return { status: 400, body: { ...properties, errors } };
    return { status: 200, body: { properties } };
  }

  private find(node: string, id: string): ApiSession {
    const session = this.sessions.get(id);
    if (!session || session.node !== node.toLowerCase()) {
      throw createError('PowerShellSessionNotFound', `No PowerShell session ${id} is open on ${node}: it was closed, or idle longer than ${Math.round(this.options.limits.idleTimeoutMs / 60_000)} minutes; open a new one with PUT pssessions/{name}`);
    }
    return session;
  }

  /** Marks the session used now and restarts its idle timer. */
  private touch(session: ApiSession): void {
    const at = this.recent.indexOf(session.id);
    if (at >= 0) this.recent.splice(at, 1);
    this.recent.push(session.id);
    session.idle?.dispose();
    session.idle = this.options.clock.setTimer(this.options.clock.now() + this.options.limits.idleTimeoutMs, () => {
      // A command still running is not idle: its own timeout bounds it.
      if (session.runner.busy) this.touch(session);
      else this.remove(session);
    });
  }

  private remove(session: ApiSession): void {
    if (!this.sessions.delete(session.id)) return;
    const at = this.recent.indexOf(session.id);
    if (at >= 0) this.recent.splice(at, 1);
    session.idle?.dispose();
    this.release(session.runner);
  }
}
