import { InjectionToken } from '@angular/core';

/** What every decision about time asks: now, in milliseconds since the epoch. Tests pass a fake. */
export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/** The clock the extension's components read; `Date.now` unless a test provides another. */
export const CLOCK = new InjectionToken<Clock>('rs.clock', { providedIn: 'root', factory: () => systemClock });
