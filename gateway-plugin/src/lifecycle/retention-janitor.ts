import { Clock, Disposable } from '../domain/clock';
import { transcriptCutoff } from '../domain/retention';
import type { GrantExpiryStore, SessionStore } from '../ports/store-ports';

export const PURGE_INTERVAL_MS = 60 * 60 * 1000;

/**
 * Deletes sessions and transcripts older than the 90-day retention window,
 * and grants that ended before it, at start-up and then every hour. Reads
 * already hide anything past the window; this frees the space.
 */
export class RetentionJanitor implements Disposable {
  private timer: Disposable | undefined;
  private disposed = false;

  constructor(
    private readonly sessions: Pick<SessionStore, 'purgeEndedBefore'>,
    private readonly grants: Pick<GrantExpiryStore, 'purgeEndedBefore'>,
    private readonly clock: Clock,
    private readonly intervalMs = PURGE_INTERVAL_MS,
    private readonly onError: (e: unknown) => void = () => {},
  ) {}

  start(): void {
    this.purgeNow();
  }

  /** Purges now and schedules the next run; returns what was removed. */
  purgeNow(): { sessions: number; grants: number } {
    const cutoff = transcriptCutoff(this.clock.now());
    const removed = { sessions: this.sessions.purgeEndedBefore(cutoff), grants: this.grants.purgeEndedBefore(cutoff) };
    this.schedule();
    return removed;
  }

  dispose(): void {
    this.disposed = true;
    this.timer?.dispose();
  }

  private schedule(): void {
    this.timer?.dispose();
    if (this.disposed) return;
    this.timer = this.clock.setTimer(this.clock.now() + this.intervalMs, () => {
      try {
        this.purgeNow();
      } catch (e) {
        this.onError(e);
        this.schedule();
      }
    });
  }
}
