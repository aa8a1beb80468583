import { Disposable } from '../domain/clock';

/** Every kind of live event the admin API streams. One table, shared with the UI. */
export const EVENT_TYPES = [
  'grant.created',
  'grant.superseded',
  'grant.revoked',
  'grant.expired',
  'agent.progress',
  'agent.finished',
  'session.started',
  'session.ended',
  'transcript.entry',
  'relay.state',
  'request.created',
  'request.updated',
  'request.expired',
  'repair.pending',
  'repair.decided',
  'denylist.changed',
  // A verify found problems, or a grant changed without the record key was met (notified to admins).
  'integrity.failed',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

export interface LiveEvent {
  id: number;
  type: EventType;
  cluster: string;
  at: number;
  data: unknown;
}

type Listener = (event: LiveEvent) => void;

/**
 * Fans live events out to subscribers (the server-sent event streams). Keeps
 * the last few hundred so a reconnecting stream can resume from Last-Event-ID.
 */
export class EventHub {
  private nextId: number;
  private readonly listeners = new Set<Listener>();
  private readonly recent: LiveEvent[] = [];

  constructor(private readonly now: () => number, private readonly keep = 500) {
    // Ids start from the clock (in microseconds) so they keep growing across
    // restarts: a stream resuming with an id from before a restart gets every
    // event of the new run instead of silently skipping the first ones.
    this.nextId = Math.floor(now()) * 1000;
  }

  publish(type: EventType, cluster: string, data: unknown): LiveEvent {
    const event: LiveEvent = { id: this.nextId++, type, cluster, at: this.now(), data };
    this.recent.push(event);
    if (this.recent.length > this.keep) this.recent.shift();
    for (const listener of [...this.listeners]) {
      try {
        listener(event);
      } catch {
        // One broken subscriber must not stop the others from hearing the event.
      }
    }
    return event;
  }

  subscribe(listener: Listener): Disposable {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  }

  /** Events after `lastId` still held, oldest first. */
  since(lastId: number): LiveEvent[] {
    return this.recent.filter((e) => e.id > lastId);
  }

  get subscriberCount(): number {
    return this.listeners.size;
  }
}
