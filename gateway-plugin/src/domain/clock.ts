/**
 * Time as a dependency. Every decision about expiry, retention and idle
 * timeouts asks a Clock, so tests move time instead of sleeping.
 */
export interface Disposable {
  dispose(): void;
}

export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Runs `fn` once the clock reaches `at` (epoch ms). Past times fire on the next tick. */
  setTimer(at: number, fn: () => void, options?: TimerOptions): Disposable;
}

export interface TimerOptions {
  /**
   * Whether the pending timer keeps the process alive. An expiry does not
   * (a finished CLI must exit); a timeout guarding work in progress does,
   * so nothing ends while a command still waits for its deadline.
   */
  keepAlive?: boolean;
}

/**
 * Runs `fn` once `ms` milliseconds have passed on `clock`: the deadline of
 * work in progress (a command, a stop grace, a reap wait). It keeps the
 * process alive until it fires or is disposed, and a fake clock fires it
 * when moved past it, never before.
 */
export function startTimeout(clock: Clock, ms: number, fn: () => void): Disposable {
  return clock.setTimer(clock.now() + ms, fn, { keepAlive: true });
}

/** setTimeout cannot wait longer than 2^31-1 ms; longer waits are chained. */
const MAX_TIMEOUT_MS = 2_147_483_647;

interface PendingTimer {
  at: number;
  fn: () => void;
  handle: NodeJS.Timeout | undefined;
  done: boolean;
  keepAlive: boolean;
}

/**
 * The wall clock, with an offset that only test mode may move (see
 * {@link SystemClock.advance}). Moving the offset re-arms every timer, so a
 * timer whose time has now passed fires at once.
 */
export class SystemClock implements Clock {
  private offsetMs = 0;
  private readonly timers = new Set<PendingTimer>();

  constructor(private readonly allowAdvance = false) {}

  now(): number {
    return Date.now() + this.offsetMs;
  }

  setTimer(at: number, fn: () => void, options: TimerOptions = {}): Disposable {
    const timer: PendingTimer = { at, fn, handle: undefined, done: false, keepAlive: options.keepAlive ?? false };
    this.timers.add(timer);
    this.arm(timer);
    return {
      dispose: () => {
        timer.done = true;
        if (timer.handle) clearTimeout(timer.handle);
        this.timers.delete(timer);
      },
    };
  }

  /** Moves the clock forward. Refused unless the clock was made for test mode. */
  advance(ms: number): void {
    if (!this.allowAdvance) throw new Error('This clock cannot be moved outside test mode');
    this.offsetMs += ms;
    for (const timer of this.timers) this.arm(timer);
  }

  get offset(): number {
    return this.offsetMs;
  }

  private arm(timer: PendingTimer): void {
    if (timer.handle) clearTimeout(timer.handle);
    const delay = Math.max(0, timer.at - this.now());
    timer.handle = setTimeout(() => {
      if (timer.done) return;
      if (this.now() < timer.at) {
        this.arm(timer);
        return;
      }
      timer.done = true;
      this.timers.delete(timer);
      timer.fn();
    }, Math.min(delay, MAX_TIMEOUT_MS));
    // A pending expiry must not keep a finished CLI or test process alive.
    if (!timer.keepAlive) timer.handle.unref?.();
  }
}

/**
 * A clock that only moves when told to. Timers fire synchronously, in time
 * order, inside {@link FakeClock.advance} / {@link FakeClock.set}.
 */
export class FakeClock implements Clock {
  private current: number;
  private readonly timers: { at: number; fn: () => void; seq: number; done: boolean }[] = [];
  private seq = 0;

  constructor(start: number | Date = Date.UTC(2026, 10, 25, 9, 0, 0)) {
    this.current = typeof start === 'number' ? start : start.getTime();
  }

  now(): number {
    return this.current;
  }

  setTimer(at: number, fn: () => void): Disposable {
    const timer = { at, fn, seq: this.seq++, done: false };
    this.timers.push(timer);
    return { dispose: () => { timer.done = true; } };
  }

  advance(ms: number): void {
    this.set(this.current + ms);
  }

  set(to: number): void {
    for (;;) {
      const due = this.timers
        .filter((t) => !t.done && t.at <= to)
        .sort((a, b) => a.at - b.at || a.seq - b.seq)[0];
      if (!due) break;
      due.done = true;
      this.current = Math.max(this.current, due.at);
      due.fn();
    }
    this.current = Math.max(this.current, to);
  }

  /** Number of timers still waiting; tests use it to prove nothing leaks. */
  get pendingTimers(): number {
    return this.timers.filter((t) => !t.done).length;
  }
}

export const MINUTE_MS = 60_000;
export const DAY_MS = 24 * 60 * MINUTE_MS;
