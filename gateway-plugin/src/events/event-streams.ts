import { Disposable } from '../domain/clock';
import { createError } from '../domain/errors';
import { WIRE_LIMIT_DEFAULTS, WireLimits } from '../domain/wire-limits';
import { EventHub, LiveEvent } from './event-hub';

/** How many live event streams the gateway keeps, and how far behind one may fall. */
export interface EventStreamLimits {
  /** Streams open at once, all admins together. */
  maxStreams: number;
  /** Streams one admin may hold open at once. */
  maxStreamsPerAdmin: number;
  /**
   * Bytes written to a stream and not yet taken by its client. A subscriber
   * that would go past this is dropped (its connection closed); it resumes
   * with Last-Event-ID, so a slow reader loses nothing the hub still holds.
   */
  maxBufferedBytes: number;
}

/** The event streams' limits from the configured wire limits. */
export function eventStreamLimitsOf(limits: WireLimits): EventStreamLimits {
  return { maxStreams: limits.eventStreams, maxStreamsPerAdmin: limits.eventStreamsPerAdmin, maxBufferedBytes: limits.eventBufferKiB * 1024 };
}

export const DEFAULT_EVENT_STREAM_LIMITS: Readonly<EventStreamLimits> = eventStreamLimitsOf(WIRE_LIMIT_DEFAULTS);

/** What HTTP adds to each write (the chunk's length line), counted so the limit holds on the wire. */
const FRAMING_BYTES = 16;

/** Where one stream's text goes: the HTTP response, as the stream sees it. */
export interface StreamSink {
  write(text: string): void;
  /** Bytes written and not yet sent to the client (the response's and its socket's buffers). */
  readonly bufferedBytes: number;
  /** Closes the connection at once, dropping what is buffered. */
  drop(): void;
}

/** One open stream. */
export interface EventStream extends Disposable {
  /** Writes a comment line that keeps the connection open through proxies; false once the stream is closed or dropped. */
  heartbeat(): boolean;
}

/** What the event streams hold now, for tests, the bench and diagnostics. */
export interface EventStreamStats {
  open: number;
  /** Streams dropped because their client fell behind, since the gateway started. */
  dropped: number;
  /** The most bytes any stream has held buffered; never more than maxBufferedBytes. */
  peakBufferedBytes: number;
}

/**
 * The admin API's server-sent event streams: each subscriber of the hub
 * writes to its own sink and is dropped when its client stops reading, so a
 * stalled client costs at most `maxBufferedBytes`; the number of streams is
 * capped per admin and in total.
 */
export class EventStreams {
  private readonly perAdmin = new Map<string, number>();
  private readonly open = new Set<Disposable>();
  private dropped = 0;
  private peak = 0;
  /** The last event as text: each event is serialized once, however many streams it goes to. */
  private last: { event: LiveEvent; text: string } | null = null;

  constructor(private readonly hub: EventHub, readonly limits: EventStreamLimits = DEFAULT_EVENT_STREAM_LIMITS) {}

  /**
   * Opens a stream of the cluster's events for an admin, replaying what the
   * hub still holds after `lastId`. Refuses with TooManyEventStreams when a
   * cap is reached. Dispose it when the connection closes.
   */
  subscribe(admin: string, cluster: string, lastId: number | undefined, sink: StreamSink): EventStream {
    this.admit(admin);
    let closed = false;
    const write = (text: string): boolean => {
      if (closed) return false;
      // Checked before writing, so a stream never holds more than the limit.
      if (sink.bufferedBytes + Buffer.byteLength(text) + FRAMING_BYTES > this.limits.maxBufferedBytes) {
        this.dropped++;
        stream.dispose();
        sink.drop();
        return false;
      }
      sink.write(text);
      this.peak = Math.max(this.peak, sink.bufferedBytes);
      return true;
    };
    const send = (e: LiveEvent) => {
      if (e.cluster === cluster) write(this.textOf(e));
    };
    let subscription: Disposable | null = null;
    const stream: Disposable = {
      dispose: () => {
        if (closed) return;
        closed = true;
        subscription?.dispose();
        this.open.delete(stream);
        const left = (this.perAdmin.get(admin) ?? 1) - 1;
        if (left > 0) this.perAdmin.set(admin, left);
        else this.perAdmin.delete(admin);
      },
    };
    this.open.add(stream);
    this.perAdmin.set(admin, (this.perAdmin.get(admin) ?? 0) + 1);
    write(`retry: 2000\n: connected to ${cluster}\n\n`);
    if (lastId !== undefined) for (const e of this.hub.since(lastId)) send(e);
    if (!closed) subscription = this.hub.subscribe(send);
    return { dispose: () => stream.dispose(), heartbeat: () => write(': keep-alive\n\n') };
  }

  private textOf(event: LiveEvent): string {
    if (this.last?.event !== event) this.last = { event, text: `id: ${event.id}\nevent: ${event.type}\ndata: ${JSON.stringify(event.data)}\n\n` };
    return this.last.text;
  }

  /** Throws TooManyEventStreams when the admin may not open another stream now. */
  admit(admin: string): void {
    const { maxStreams, maxStreamsPerAdmin } = this.limits;
    if (this.open.size >= maxStreams) {
      throw createError('TooManyEventStreams', `The gateway already serves ${maxStreams} event streams, the most it allows; close one (another tab or console) and retry`);
    }
    if ((this.perAdmin.get(admin) ?? 0) >= maxStreamsPerAdmin) {
      throw createError('TooManyEventStreams', `${admin} already has ${maxStreamsPerAdmin} event streams open, the most one admin may; close one (another tab or console) and retry`);
    }
  }

  stats(): EventStreamStats {
    return { open: this.open.size, dropped: this.dropped, peakBufferedBytes: this.peak };
  }
}
