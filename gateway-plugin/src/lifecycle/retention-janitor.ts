import { performance } from 'node:perf_hooks';
import { Clock, Disposable } from '../domain/clock';
import { nextPurgeBatchRows, PURGE_BATCH_ROWS, PURGE_BATCH_TARGET_MS, transcriptCutoff } from '../domain/retention';
import type { GrantExpiryStore, PurgeBatch, SessionStore } from '../ports/store-ports';

export const PURGE_INTERVAL_MS = 60 * 60 * 1000;

/** How the purge is cut up: rows per batch, and what it waits for between batches. */
export interface PurgeTuning {
  /** Rows (entries, sessions or grants) one batch, one transaction, removes at most; the first batch's size. */
  rowsPerBatch: number;
  /** How long a batch should hold the writer: the next batch's size follows the last one's time (nextPurgeBatchRows). */
  targetBatchMs: number;
  /** Resolves when the next batch may run; the default lets the event loop turn once (setImmediate). */
  between: () => Promise<void>;
  /** Told after each batch, with how long it held the writer (bench/startup.mjs, tests). */
  onBatch?: (batch: PurgeBatch & { ms: number; maxRows: number }) => void;
}

/** What one run of the purge removed, in how many batches, and its longest batch. */
export interface PurgeReport {
  sessions: number;
  entries: number;
  grants: number;
  reads: number;
  batches: number;
  longestBatchMs: number;
}

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * Deletes sessions and transcripts older than the 90-day retention window,
 * and grants that ended before it, in the background: at start-up and then
 * every hour. Reads already hide anything past the window; this frees the
 * space. Each batch is one short transaction, and the event loop turns
 * between batches, so requests, expiries and transcript appends never wait
 * for more than one batch, however large the backlog after a long downtime.
 */
export class RetentionJanitor implements Disposable {
  private timer: Disposable | undefined;
  private disposed = false;
  private running: Promise<PurgeReport> | null = null;
  private again: Promise<PurgeReport> | null = null;
  private readonly tuning: PurgeTuning;

  constructor(
    private readonly sessions: Pick<SessionStore, 'purgeBatch'>,
    private readonly grants: Pick<GrantExpiryStore, 'purgeBatch'>,
    private readonly clock: Clock,
    private readonly intervalMs = PURGE_INTERVAL_MS,
    private readonly onError: (e: unknown) => void = () => {},
    tuning: Partial<PurgeTuning> = {},
    /** Stores purged after the grants, past the same 90-day window (the reads of the record). */
    private readonly others: readonly { purgeBatch(cutoff: number, maxRows: number): PurgeBatch }[] = [],
  ) {
    this.tuning = { rowsPerBatch: PURGE_BATCH_ROWS, targetBatchMs: PURGE_BATCH_TARGET_MS, between: nextTurn, ...tuning };
  }

  /** Starts a purge in the background and returns at once; the next one follows every interval. */
  start(): void {
    this.arm();
    this.inBackground();
  }

  /** Whether a purge is under way. */
  get busy(): boolean {
    return this.running !== null;
  }

  /**
   * Purges now, batch by batch; resolves with what was removed. A call while
   * a purge runs gets one more run after it (with the cutoff of its own time).
   */
  purgeNow(): Promise<PurgeReport> {
    if (this.running) {
      this.again ??= this.running.catch(() => undefined).then(() => {
        this.again = null;
        return this.purgeNow();
      });
      return this.again;
    }
    this.running = this.run().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  /** Resolves when no purge is under way or asked for (tests, benches). */
  async idle(): Promise<void> {
    for (let pending = this.again ?? this.running; pending; pending = this.again ?? this.running) await pending.catch(() => undefined);
  }

  dispose(): void {
    this.disposed = true;
    this.timer?.dispose();
  }

  private inBackground(): void {
    this.purgeNow().catch(() => {
      // Reported through onError by the run itself.
    });
  }

  /** The hourly timer, armed whether or not the last run has finished, so a long run never delays the next one's time. */
  private arm(): void {
    this.timer?.dispose();
    if (this.disposed) return;
    this.timer = this.clock.setTimer(this.clock.now() + this.intervalMs, () => {
      this.arm();
      this.inBackground();
    });
  }

  private async run(): Promise<PurgeReport> {
    const report: PurgeReport = { sessions: 0, entries: 0, grants: 0, reads: 0, batches: 0, longestBatchMs: 0 };
    const cutoff = transcriptCutoff(this.clock.now());
    try {
      // Sessions first: a grant goes only once none of its sessions is left.
      const stores = [this.sessions, this.grants, ...this.others];
      for (const purge of stores.map((store) => (rows: number) => store.purgeBatch(cutoff, rows))) {
        let rows = this.tuning.rowsPerBatch;
        for (;;) {
          if (report.batches > 0) await this.tuning.between();
          if (this.disposed) return report;
          // Real time, not the gateway's clock: this is how long the event loop was held.
          const started = performance.now();
          const asked = rows;
          const batch = purge(asked);
          const ms = performance.now() - started;
          rows = nextPurgeBatchRows(asked, ms, this.tuning.targetBatchMs, this.tuning.rowsPerBatch);
          report.sessions += batch.sessions;
          report.entries += batch.entries;
          report.grants += batch.grants;
          report.reads += batch.reads ?? 0;
          report.batches++;
          report.longestBatchMs = Math.max(report.longestBatchMs, ms);
          this.tuning.onBatch?.({ ...batch, ms, maxRows: asked });
          if (batch.done) break;
        }
      }
      return report;
    } catch (e) {
      // The next run (the next interval, or the next start) tries again.
      this.onError(e);
      throw e;
    }
  }
}
