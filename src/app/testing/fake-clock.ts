import { Clock, CLOCK } from '../core/clock';
import { NOW } from './fixtures';

/** A clock a spec moves by hand (together with jest's or Angular's fake timers). */
export class FakeClock implements Clock {
  constructor(private current = NOW) {}
  now(): number {
    return this.current;
  }
  advance(ms: number): void {
    this.current += ms;
  }
}

export const provideFakeClock = (clock: FakeClock) => ({ provide: CLOCK, useValue: clock });
