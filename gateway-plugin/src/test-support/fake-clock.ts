import type { Clock, Disposable } from '../domain/clock';

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
