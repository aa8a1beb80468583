import { Clock, CLOCK } from '../core/clock';
import { NOW } from './fixtures';

interface Timer {
  at: number;
  order: number;
  callback: () => void;
}

/**
 * A clock a spec moves by hand: `advance(ms)` moves the time and fires the
 * timers that fall due, in order, each at its own time.
 */
export class FakeClock implements Clock {
  private timers: Timer[] = [];
  private order = 0;

  constructor(private current = NOW) {}

  now(): number {
    return this.current;
  }

  setTimer(delayMs: number, callback: () => void): () => void {
    const timer: Timer = { at: this.current + Math.max(0, delayMs), order: this.order++, callback };
    this.timers.push(timer);
    return () => {
      this.timers = this.timers.filter((t) => t !== timer);
    };
  }

  advance(ms: number): void {
    const end = this.current + ms;
    for (;;) {
      const due = this.timers.filter((t) => t.at <= end).sort((a, b) => a.at - b.at || a.order - b.order)[0];
      if (!due) break;
      this.timers = this.timers.filter((t) => t !== due);
      this.current = due.at;
      due.callback();
    }
    this.current = end;
  }

  /** How many timers wait to fire. */
  get pendingTimers(): number {
    return this.timers.length;
  }
}

export const provideFakeClock = (clock: FakeClock) => ({ provide: CLOCK, useValue: clock });
