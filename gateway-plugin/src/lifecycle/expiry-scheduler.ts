import { Clock, Disposable } from '../domain/clock';
import { Grant } from '../domain/grant';
import type { GrantExpiryStore } from '../ports/store-ports';

/**
 * Ends grants at their exact expiry time. Holds one timer, armed for the
 * earliest open grant's expiry and re-armed whenever grants change; on start
 * it first expires whatever came due while the gateway was down.
 */
export class ExpiryScheduler implements Disposable {
  private timer: Disposable | undefined;
  private armedFor: number | null = null;
  private readonly stopListening: () => void;
  private disposed = false;

  constructor(
    private readonly ledger: GrantExpiryStore,
    private readonly clock: Clock,
    private readonly onError: (e: unknown) => void = () => {},
  ) {
    this.stopListening = ledger.onChange(() => this.rearm());
  }

  /**
   * Expires every grant that came due while the gateway was down (each
   * recorded with the time it was recorded, so it shows as late), then arms
   * the timer. Returns those grants. The gateway calls it before it listens.
   */
  start(): Grant[] {
    return this.fire();
  }

  /** Called for each grant that expires (by this timer or noticed elsewhere); the support channel cuts live sessions with it. */
  onExpired(listener: (grant: Grant) => void): Disposable {
    return { dispose: this.ledger.onExpired(listener) };
  }

  /** The time the timer is set for, or null. Tests read it. */
  get nextFireAt(): number | null {
    return this.armedFor;
  }

  dispose(): void {
    this.disposed = true;
    this.stopListening();
    this.timer?.dispose();
    this.timer = undefined;
    this.armedFor = null;
  }

  private fire(): Grant[] {
    if (this.disposed) return [];
    let expired: Grant[] = [];
    try {
      expired = this.ledger.expireDue();
    } catch (e) {
      // Keep the timer alive: the next grant change or restart tries again.
      this.onError(e);
    }
    this.rearm();
    return expired;
  }

  private rearm(): void {
    if (this.disposed) return;
    const next = this.ledger.nextExpiry();
    if (next === this.armedFor) return;
    this.timer?.dispose();
    this.timer = undefined;
    this.armedFor = next;
    if (next !== null) this.timer = this.clock.setTimer(next, () => {
      this.armedFor = null;
      this.timer = undefined;
      this.fire();
    });
  }
}
