import { AdjustableClock, SystemClock } from '../domain/clock';

/**
 * The wall clock with an offset the test API may move forward, for test mode
 * only: expiries and retention can be checked end to end without waiting.
 * Moving it re-arms every timer, so a timer whose time has now passed fires
 * at once.
 */
export class TestClock extends SystemClock implements AdjustableClock {
  advance(ms: number): void {
    this.offsetMs += ms;
    this.rearm();
  }

  get offset(): number {
    return this.offsetMs;
  }
}
