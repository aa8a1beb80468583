import { InjectionToken } from '@angular/core';

/**
 * What every decision about time asks: now, in milliseconds since the epoch,
 * and a timer. Tests pass a fake that moves only when told.
 */
export interface Clock {
  now(): number;
  /** Calls `callback` once after `delayMs`; the returned function cancels it. */
  setTimer(delayMs: number, callback: () => void): () => void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimer: (delayMs, callback) => {
    const handle = setTimeout(callback, delayMs);
    return () => clearTimeout(handle);
  },
};

/** The clock the extension's components read; `Date.now` unless a test provides another. */
export const CLOCK = new InjectionToken<Clock>('rs.clock', { providedIn: 'root', factory: () => systemClock });
