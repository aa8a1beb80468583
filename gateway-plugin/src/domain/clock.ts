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

/** A clock test mode can move forward (through the test API); the production server never builds one. */
export interface AdjustableClock extends Clock {
  advance(ms: number): void;
  /** How far the clock has been moved, in milliseconds. */
  readonly offset: number;
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
 * The wall clock. Its offset is always 0 here; the test clock
 * (test-support/test-clock.ts) moves it and calls {@link SystemClock.rearm},
 * so a timer whose time has then passed fires at once.
 */
export class SystemClock implements Clock {
  protected offsetMs = 0;
  private readonly timers = new Set<PendingTimer>();

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

  /** Re-arms every pending timer after the offset moved. */
  protected rearm(): void {
    for (const timer of this.timers) this.arm(timer);
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

export const MINUTE_MS = 60_000;
export const DAY_MS = 24 * 60 * MINUTE_MS;
