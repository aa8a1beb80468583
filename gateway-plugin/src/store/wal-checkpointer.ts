import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { Db } from './database';

/** What one `PRAGMA wal_checkpoint(PASSIVE)` reported: frames in the WAL, and how many of them are now in the database file. */
export interface CheckpointResult {
  busy: number;
  log: number;
  checkpointed: number;
}

/** SQLite's default: the writer checkpoints itself once the WAL holds this many pages. */
const SQLITE_AUTOCHECKPOINT_PAGES = 1000;

export interface WalCheckpointerOptions {
  dataDir: string;
  /** How often the worker checkpoints, in milliseconds of real time; 250 when absent. */
  intervalMs?: number;
  /** Told when the worker fails and the writer goes back to checkpointing itself. */
  onError?: (e: Error) => void;
}

/**
 * Moves the WAL into the database file on a worker thread of its own, so the
 * gateway's writer never does it inside a commit.
 *
 * Left to itself SQLite checkpoints in the commit that takes the WAL past
 * 1,000 pages: that commit writes and fsyncs about 4 MB of the database file
 * on the event loop, which is what held a `/health` probe 160–240 ms during a
 * large retention purge. Here the writer's automatic checkpoint is off and a
 * second connection, on a worker thread, runs PASSIVE checkpoints: they never
 * wait for a lock and never block the writer or the readers. Durability is
 * unchanged, since a commit is durable once it is in the WAL.
 *
 * The period is real time, not the gateway's clock: it is housekeeping of
 * the disk, not a decision about a grant. If the worker fails, the writer
 * checkpoints itself again as before.
 */
export class WalCheckpointer {
  private readonly worker: Worker;
  private readonly waiting: ((r: CheckpointResult) => void)[] = [];
  private stopped = false;

  constructor(private readonly db: Db, options: WalCheckpointerOptions) {
    this.worker = new Worker(join(__dirname, 'checkpoint-worker.js'), { workerData: { dataDir: options.dataDir, intervalMs: options.intervalMs ?? 250 } });
    // Housekeeping never keeps the process alive.
    this.worker.unref();
    db.pragma('wal_autocheckpoint = 0');
    this.worker.on('message', (r: CheckpointResult) => this.waiting.shift()?.(r));
    const failed = (e: Error) => {
      if (this.stopped) return;
      this.stopped = true;
      this.selfCheckpointing();
      options.onError?.(e);
    };
    this.worker.on('error', failed);
    this.worker.on('exit', (code) => failed(new Error(`The WAL checkpoint worker stopped (exit code ${code})`)));
  }

  /** Checkpoints now, on the worker, and tells what it did (tests; the worker also runs on its own period). */
  checkpoint(): Promise<CheckpointResult> {
    if (this.stopped) return Promise.reject(new Error('The WAL checkpoint worker is stopped'));
    return new Promise((resolve) => {
      this.waiting.push(resolve);
      this.worker.postMessage('checkpoint');
    });
  }

  /** Stops the worker; the writer checkpoints itself again (and at its own close, as SQLite does). */
  async close(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    await this.worker.terminate();
    this.selfCheckpointing();
  }

  private selfCheckpointing(): void {
    if (this.db.open) this.db.pragma(`wal_autocheckpoint = ${SQLITE_AUTOCHECKPOINT_PAGES}`);
  }
}
