import { InjectionToken } from '@angular/core';
import { BehaviorSubject, Observable, share } from 'rxjs';
import { LIVE_EVENT_TYPES, LiveEvent, LiveEventType } from './api-models';

/** Whether live updates flow: the frame says so when they do not. */
export type StreamState = 'idle' | 'connecting' | 'open' | 'reconnecting';

/**
 * The gateway's live updates as components see them: the admin API's events
 * (`grant.created`, `session.started`, `transcript.entry`…) and whether they
 * flow. Each transport brings its own (server-sent events on the HTTPS path,
 * polling on the PowerShell path); components inject this class.
 */
export abstract class LiveEventStream {
  abstract readonly events$: Observable<LiveEvent>;
  abstract readonly state$: Observable<StreamState>;
  abstract readonly state: StreamState;

  /**
   * Asks for a live session's new transcript entries as `transcript.entry`
   * events while the returned function has not been called. The event stream
   * sends them anyway; a polling source has to read them.
   */
  watchTranscript(_sessionId: string): () => void {
    return () => undefined;
  }
}

/** The part of the browser's EventSource the stream uses; tests pass a fake. */
export interface EventSourceLike {
  readonly readyState: number;
  onopen: ((event: Event) => void) | null;
  onerror: ((event: Event) => void) | null;
  addEventListener(type: string, listener: (event: MessageEvent) => void): void;
  close(): void;
}

export type EventSourceFactory = (url: string, init: { withCredentials: boolean }) => EventSourceLike;

export const EVENT_SOURCE_FACTORY = new InjectionToken<EventSourceFactory>('rs.event-source-factory', {
  providedIn: 'root',
  factory: () => (url, init) => new EventSource(url, init) as unknown as EventSourceLike,
});

const CLOSED = 2;
/** How long to wait before opening the stream again after the browser gave up on it. */
const RETRY_MS = { first: 2000, max: 30_000 } as const;

/**
 * The gateway's live event stream (server-sent events on
 * `{gateway}/api/nodes/{cluster}/features/remoteSupport/events`, with the
 * session cookie). One connection is shared by every subscriber and closed
 * when the last one leaves; the browser reconnects by itself after a drop
 * and resumes from the last event id.
 */
export class ServerSentEventStream extends LiveEventStream {
  private readonly stateSubject = new BehaviorSubject<StreamState>('idle');
  readonly state$ = this.stateSubject.asObservable();
  readonly events$: Observable<LiveEvent>;

  /** @param url the stream's URL, read when it connects. */
  constructor(readonly url: () => string, private readonly factory: EventSourceFactory) {
    super();
    this.events$ = new Observable<LiveEvent>((subscriber) => {
      let source: EventSourceLike | null = null;
      let retry: ReturnType<typeof setTimeout> | undefined;
      let delay: number = RETRY_MS.first;
      const connect = () => {
        this.stateSubject.next(this.stateSubject.value === 'reconnecting' ? 'reconnecting' : 'connecting');
        const current = this.factory(this.url(), { withCredentials: true });
        source = current;
        current.onopen = () => {
          delay = RETRY_MS.first;
          this.stateSubject.next('open');
        };
        current.onerror = () => {
          this.stateSubject.next('reconnecting');
          // The browser retries dropped connections by itself, but gives up on an HTTP error
          // (a gateway restarting, a sign-in that lapsed): then try again, less and less often.
          if (current.readyState === CLOSED) {
            current.close();
            retry = setTimeout(connect, delay);
            delay = Math.min(delay * 2, RETRY_MS.max);
          }
        };
        for (const type of LIVE_EVENT_TYPES) {
          current.addEventListener(type, (event: MessageEvent) => {
            let data: unknown = null;
            try {
              data = JSON.parse(String(event.data));
            } catch {
              return; // not an event of the API's shape: ignore it rather than break the stream
            }
            subscriber.next({ id: event.lastEventId || null, type: type as LiveEventType, data });
          });
        }
      };
      connect();
      return () => {
        clearTimeout(retry);
        source?.close();
        this.stateSubject.next('idle');
      };
    }).pipe(share());
  }

  get state(): StreamState {
    return this.stateSubject.value;
  }
}
