import { Clock, Disposable, startTimeout } from '../domain/clock';
import { NotificationEvent } from './notification-event';
import { AttemptOutcome, DEFAULT_RETRY, nextDelayMs, RetryPolicy } from './retry-policy';

/** Where notifications go: one webhook, or the email recipients. */
export interface DeliveryTarget {
  kind: 'webhook' | 'email';
  /** How the target is shown in the log and the API: the webhook's origin and path (never its query), or the recipients. */
  name: string;
  /** One attempt; it ends early when `signal` aborts (the attempt's time limit, or shutdown). */
  send(event: NotificationEvent, signal: AbortSignal): Promise<AttemptOutcome>;
  close(): Promise<void>;
}

export type DeliveryState = 'pending' | 'delivered' | 'failed' | 'dropped';

/** The outcome of one event's delivery to one target. */
export interface DeliveryRecord {
  /** The event's id (X-RemoteSupport-Delivery). */
  eventId: string;
  eventType: string;
  cluster: string;
  kind: 'webhook' | 'email';
  target: string;
  state: DeliveryState;
  attempts: number;
  lastStatus: number | null;
  lastError: string | null;
  /** Epoch ms. */
  queuedAt: number;
  updatedAt: number;
  nextAttemptAt: number | null;
}

export interface DeliveryQueueOptions {
  clock: Clock;
  log: (line: string) => void;
  /** Told of every change of a delivery's record (the notifier's log of recent deliveries). */
  onRecord?: (record: DeliveryRecord) => void;
  retry?: RetryPolicy;
  /** In [0, 1): the jitter's source (tests fix it). */
  random?: () => number;
  /** Deliveries waiting or being tried at once; beyond it the oldest is dropped. */
  maxPending?: number;
  /** How long one attempt may take, on the injected clock. */
  attemptTimeoutMs?: number;
}

export const DEFAULT_MAX_PENDING = 100;
export const DEFAULT_ATTEMPT_TIMEOUT_MS = 10_000;

interface Pending {
  event: NotificationEvent;
  record: DeliveryRecord;
  timer: Disposable | null;
  abort: AbortController | null;
}

/**
 * One target's deliveries. {@link DeliveryQueue.enqueue} returns at once: the
 * gateway never waits on a receiver. Each delivery is tried, and tried again
 * after a backoff on the injected clock, until it is delivered, given up or
 * out of attempts; at most `maxPending` are held, and when more arrive the
 * oldest is dropped (logged and counted).
 */
export class DeliveryQueue {
  private readonly pending: Pending[] = [];
  private readonly retry: RetryPolicy;
  private readonly random: () => number;
  private readonly maxPending: number;
  private readonly attemptTimeoutMs: number;
  private closed = false;
  /** Deliveries dropped because the queue was full. */
  dropped = 0;

  constructor(readonly target: DeliveryTarget, private readonly options: DeliveryQueueOptions) {
    this.retry = options.retry ?? DEFAULT_RETRY;
    this.random = options.random ?? Math.random;
    this.maxPending = options.maxPending ?? DEFAULT_MAX_PENDING;
    this.attemptTimeoutMs = options.attemptTimeoutMs ?? DEFAULT_ATTEMPT_TIMEOUT_MS;
  }

  /** Queues the event for this target and starts its first attempt; never waits. */
  enqueue(event: NotificationEvent): void {
    if (this.closed) return;
    const now = this.options.clock.now();
    const record: DeliveryRecord = {
      eventId: event.id, eventType: event.type, cluster: event.cluster, kind: this.target.kind, target: this.target.name,
      state: 'pending', attempts: 0, lastStatus: null, lastError: null, queuedAt: now, updatedAt: now, nextAttemptAt: now,
    };
    if (this.pending.length >= this.maxPending) this.drop(this.pending[0]!);
    const item: Pending = { event, record, timer: null, abort: null };
    this.pending.push(item);
    this.changed(record);
    void this.attempt(item);
  }

  get size(): number {
    return this.pending.length;
  }

  /** Stops retrying and aborts attempts in flight; what is still pending is lost (docs/notifications.md: not durable). */
  async close(): Promise<void> {
    this.closed = true;
    for (const item of this.pending.splice(0)) {
      item.timer?.dispose();
      item.abort?.abort();
    }
    await this.target.close();
  }

  private async attempt(item: Pending): Promise<void> {
    item.timer = null;
    if (this.closed || !this.pending.includes(item)) return;
    const { clock } = this.options;
    const abort = new AbortController();
    item.abort = abort;
    const limit = startTimeout(clock, this.attemptTimeoutMs, () => abort.abort(new Error(`no answer within ${this.attemptTimeoutMs / 1000} s`)));
    let outcome: AttemptOutcome;
    try {
      // The limit ends the attempt even where the client cannot stop at once (undici finishes a TLS handshake first).
      const sending = this.target.send(item.event, abort.signal);
      sending.catch(() => {});
      outcome = await Promise.race([sending, whenAborted(abort.signal)]);
    } catch (e) {
      outcome = { kind: 'retry', status: null, error: abort.signal.aborted ? `no answer within ${this.attemptTimeoutMs / 1000} s` : errorText(e) };
    } finally {
      limit.dispose();
      item.abort = null;
    }
    // Dropped or shut down while the attempt ran: its record already says so.
    if (this.closed || !this.pending.includes(item)) return;
    const record = item.record;
    record.attempts++;
    record.lastStatus = outcome.status;
    record.lastError = outcome.kind === 'delivered' ? null : outcome.error;
    record.updatedAt = clock.now();
    const what = `${this.target.kind} ${this.target.name}: ${record.eventType} ${record.eventId}`;
    if (outcome.kind === 'delivered') {
      this.finish(item, 'delivered');
      this.options.log(`${what} delivered (attempt ${record.attempts}${outcome.status !== null ? `, ${outcome.status}` : ''})`);
      return;
    }
    const reason = outcome.error ?? `status ${outcome.status}`;
    if (outcome.kind === 'give-up' || record.attempts >= this.retry.maxAttempts) {
      this.finish(item, 'failed');
      this.options.log(`${what} FAILED after ${record.attempts} attempt(s): ${reason}${outcome.kind === 'give-up' ? ' (not retried)' : ''}`);
      return;
    }
    const wait = nextDelayMs(record.attempts, outcome, this.random, this.retry);
    record.nextAttemptAt = clock.now() + wait;
    this.changed(record);
    this.options.log(`${what} attempt ${record.attempts} failed (${reason}); next in ${Math.round(wait / 1000)} s`);
    item.timer = clock.setTimer(record.nextAttemptAt, () => void this.attempt(item));
  }

  private finish(item: Pending, state: DeliveryState): void {
    item.record.state = state;
    item.record.nextAttemptAt = null;
    this.remove(item);
    this.changed(item.record);
  }

  private drop(item: Pending): void {
    item.timer?.dispose();
    item.abort?.abort();
    item.record.lastError = `dropped: ${this.maxPending} deliveries to this target were already waiting`;
    item.record.updatedAt = this.options.clock.now();
    this.dropped++;
    this.finish(item, 'dropped');
    this.options.log(`${this.target.kind} ${this.target.name}: ${item.record.eventType} ${item.record.eventId} DROPPED: ${this.maxPending} deliveries were already waiting (${this.dropped} dropped so far)`);
  }

  private remove(item: Pending): void {
    const i = this.pending.indexOf(item);
    if (i >= 0) this.pending.splice(i, 1);
  }

  private changed(record: DeliveryRecord): void {
    this.options.onRecord?.(record);
  }
}

/** Rejects with the signal's reason once it aborts. */
export function whenAborted(signal: AbortSignal): Promise<never> {
  return new Promise((_resolve, reject) => {
    if (signal.aborted) reject(signal.reason);
    else signal.addEventListener('abort', () => reject(signal.reason), { once: true });
  });
}

/** An error as one line: its code and message. */
export function errorText(e: unknown): string {
  const code = (e as { code?: unknown } | null)?.code;
  const message = e instanceof Error ? e.message : String(e);
  return typeof code === 'string' && !message.includes(code) ? `${code}: ${message}` : message;
}
