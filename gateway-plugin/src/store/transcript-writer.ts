import { TranscriptEntry } from '../domain/transcript';
import type { PendingEntry, TranscriptSink } from '../ports/store-ports';
import { SessionLedger } from './session-ledger';

/**
 * Group commit for transcripts. Concurrent sessions queue their entries; one
 * flush per event-loop turn writes everything queued in a single transaction
 * (one fsync) and then resolves each writer. A caller awaiting `write` knows
 * its entry is durable, and durability does not cap throughput at one fsync
 * per command.
 */
export class TranscriptWriter implements TranscriptSink {
  private queue: { item: PendingEntry; resolve: (e: TranscriptEntry) => void; reject: (e: unknown) => void }[] = [];
  private scheduled = false;
  private flushes = 0;
  private written = 0;

  constructor(private readonly sessions: SessionLedger) {}

  /**
   * Queues an entry; resolves once it is committed. With `end`, the entry is
   * the session's last and the session ends in the same transaction, so the
   * sessions a revoke ends together share one commit.
   */
  write(sessionId: string, kind: PendingEntry['kind'], node: string | null, text: string, end?: PendingEntry['end']): Promise<TranscriptEntry> {
    return new Promise((resolve, reject) => {
      this.queue.push({ item: { sessionId, kind, node, text, ...(end ? { end } : {}) }, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  /** Counters for benchmarks: how many transactions carried how many entries. */
  get stats(): { flushes: number; entries: number } {
    return { flushes: this.flushes, entries: this.written };
  }

  private flush(): void {
    this.scheduled = false;
    const batch = this.queue;
    this.queue = [];
    if (batch.length === 0) return;
    try {
      const entries = this.sessions.appendBatch(batch.map((b) => b.item));
      this.flushes++;
      this.written += entries.length;
      batch.forEach((b, i) => b.resolve(entries[i]!));
    } catch (batchError) {
      // One bad entry (e.g. an unknown session) must not fail the others: retry one by one.
      for (const b of batch) {
        try {
          b.resolve(this.sessions.appendBatch([b.item])[0]!);
        } catch (e) {
          b.reject(e ?? batchError);
        }
      }
    }
  }
}
