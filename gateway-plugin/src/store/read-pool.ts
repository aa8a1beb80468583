import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { Clock, Disposable, startTimeout } from '../domain/clock';
import { createError, RemoteSupportError } from '../domain/errors';
import type { ListPage, PageKey } from '../domain/list-page';
import type { ChainCheck } from '../domain/transcript';
import type { RecordReads, SearchPage, SessionRecord } from '../ports/store-ports';
import type { ReadReply, ReadRequest } from './record-reader';

/** How long each read may take, in milliseconds, counted from the request (waiting for a free worker included). */
export interface ReadBudgets {
  searchMs: number;
  historyMs: number;
  verifyMs: number;
  exportMs: number;
}

export const READ_BUDGETS: Readonly<ReadBudgets> = { searchMs: 2_000, historyMs: 5_000, verifyMs: 30_000, exportMs: 30_000 };

export interface ReadPoolOptions {
  dataDir: string;
  /** Starts each read's budget (the gateway's clock: tests move it). */
  clock: Clock;
  /** How many worker threads, at most (each with its own read-only connection); 2 when absent. */
  size?: number;
  budgets?: Partial<ReadBudgets>;
  /** The worker's script (tests give one that reads slowly); the pool's own read-worker.js when absent. */
  workerFile?: string;
  /** More data for the worker's script, next to the data directory. */
  workerData?: Record<string, unknown>;
}

type Request = ReadRequest extends infer R ? (R extends ReadRequest ? Omit<R, 'id'> : never) : never;

interface Job {
  request: Request;
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
  budget: Disposable;
  slot: Slot | null;
}

interface Slot {
  worker: Worker;
  job: Job | null;
}

function seconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${(ms / 1000).toFixed(1)} s`;
}

/**
 * Full-text search, the session history, verify and export off the event loop: a small pool of
 * worker threads, started when first needed, each with its own read-only
 * SQLite connection to the gateway's WAL database, so grants, revokes,
 * expiries and transcript appends never wait behind a read.
 *
 * Each read has a time budget. Past it the caller gets SearchTooBroad or
 * RecordReadTooLong, and the worker running it is terminated and replaced:
 * better-sqlite3 cannot interrupt a statement, but a thread's terminate()
 * takes effect at the statement's next call into JavaScript (the search's
 * read_checkpoint()), which ends the statement with the thread.
 */
export class ReadPool implements RecordReads {
  private readonly slots = new Set<Slot>();
  private readonly queue: Job[] = [];
  private readonly budgets: ReadBudgets;
  private readonly size: number;
  private readonly workerFile: string;
  private nextId = 1;
  private closed = false;

  constructor(private readonly options: ReadPoolOptions) {
    this.budgets = { ...READ_BUDGETS, ...options.budgets };
    this.size = Math.max(1, options.size ?? 2);
    this.workerFile = options.workerFile ?? join(__dirname, 'read-worker.js');
  }

  search(r: { cluster: string; query: string; from: number; limit: number; before: number | null; now: number }): Promise<SearchPage> {
    const budget = this.budgets.searchMs;
    return this.run({ op: 'search', ...r }, budget, () =>
      createError('SearchTooBroad', `The search took longer than ${seconds(budget)}; narrow it: add words, or a later fromDate`),
    ) as Promise<SearchPage>;
  }

  verify(r: { cluster: string; sessionId: string; now: number }): Promise<ChainCheck> {
    const budget = this.budgets.verifyMs;
    return this.run({ op: 'verify', ...r }, budget, () =>
      createError('RecordReadTooLong', `Verifying session ${r.sessionId} took longer than ${seconds(budget)}; try again when the gateway is less busy`),
    ) as Promise<ChainCheck>;
  }

  history(r: { cluster: string; from: number; limit: number; after: PageKey | null; now: number }): Promise<ListPage<SessionRecord>> {
    const budget = this.budgets.historyMs;
    return this.run({ op: 'history', ...r }, budget, () =>
      createError('RecordReadTooLong', `Listing the sessions took longer than ${seconds(budget)}; try again when the gateway is less busy`),
    ) as Promise<ListPage<SessionRecord>>;
  }

  async exportFile(r: { cluster: string; sessionId: string; format: 'json' | 'text'; now: number }): Promise<Buffer> {
    const budget = this.budgets.exportMs;
    const bytes = (await this.run({ op: 'export', ...r }, budget, () =>
      createError('RecordReadTooLong', `Exporting session ${r.sessionId} took longer than ${seconds(budget)}; try again when the gateway is less busy`),
    )) as Uint8Array;
    // The worker handed its buffer over (transferred, not copied).
    return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  /** How many worker threads are running now (for tests and the bench). */
  get workers(): number {
    return this.slots.size;
  }

  /** Fails every waiting and running read and stops the workers. */
  async close(): Promise<void> {
    this.closed = true;
    const stopping = new Error('The gateway is shutting down');
    for (const job of this.queue.splice(0)) this.settle(job, stopping);
    const slots = [...this.slots];
    this.slots.clear();
    for (const slot of slots) if (slot.job) this.settle(slot.job, stopping);
    await Promise.all(slots.map((s) => s.worker.terminate()));
  }

  private run(request: Request, budgetMs: number, tooLong: () => RemoteSupportError): Promise<unknown> {
    if (this.closed) return Promise.reject(new Error('The gateway is shutting down'));
    return new Promise((resolve, reject) => {
      const job: Job = { request, resolve, reject, slot: null, budget: { dispose: () => {} } };
      job.budget = startTimeout(this.options.clock, budgetMs, () => this.overBudget(job, tooLong()));
      this.queue.push(job);
      this.dispatch();
    });
  }

  private dispatch(): void {
    while (this.queue.length > 0) {
      const slot = [...this.slots].find((s) => s.job === null) ?? (this.slots.size < this.size ? this.spawn() : null);
      if (!slot) return;
      const job = this.queue.shift()!;
      slot.job = job;
      job.slot = slot;
      slot.worker.ref();
      slot.worker.postMessage({ id: this.nextId++, ...job.request } as ReadRequest);
    }
  }

  private spawn(): Slot {
    const worker = new Worker(this.workerFile, { workerData: { dataDir: this.options.dataDir, ...this.options.workerData } });
    const slot: Slot = { worker, job: null };
    this.slots.add(slot);
    worker.on('message', (reply: ReadReply) => {
      const job = slot.job;
      if (!job) return;
      slot.job = null;
      // An idle worker does not keep the process alive.
      worker.unref();
      if (reply.ok) this.settle(job, null, reply.value);
      else this.settle(job, new Error(reply.message));
      this.dispatch();
    });
    const lost = (error: Error) => {
      if (!this.slots.delete(slot)) return;
      if (slot.job) this.settle(slot.job, error);
      this.dispatch();
    };
    worker.on('error', lost);
    worker.on('exit', (code) => lost(new Error(`A read worker stopped (exit code ${code})`)));
    return slot;
  }

  /** Fails a read past its budget: out of the queue, or its worker terminated and, when needed, replaced. */
  private overBudget(job: Job, error: RemoteSupportError): void {
    const queued = this.queue.indexOf(job);
    if (queued >= 0) this.queue.splice(queued, 1);
    const slot = job.slot;
    if (slot && slot.job === job) {
      this.slots.delete(slot);
      slot.job = null;
      void slot.worker.terminate();
    }
    this.settle(job, error);
    this.dispatch();
  }

  private settle(job: Job, error: Error | null, value?: unknown): void {
    job.budget.dispose();
    job.slot = null;
    if (error) job.reject(error);
    else job.resolve(value);
  }
}
