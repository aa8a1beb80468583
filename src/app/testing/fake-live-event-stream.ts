import { BehaviorSubject, Subject } from 'rxjs';
import { LiveEvent, LiveEventType } from '../core/api-models';
import { LiveEventStream, StreamState } from '../core/live-event-stream';

/** A live event stream a spec drives by hand: `emit('session.started', data)`. */
export class FakeLiveEventStream {
  private readonly subject = new Subject<LiveEvent>();
  private readonly stateSubject = new BehaviorSubject<StreamState>('open');
  readonly events$ = this.subject.asObservable();
  readonly state$ = this.stateSubject.asObservable();
  private nextId = 1;

  get state(): StreamState {
    return this.stateSubject.value;
  }

  emit(type: LiveEventType, data: unknown): void {
    this.subject.next({ id: String(this.nextId++), type, data });
  }

  setState(state: StreamState): void {
    this.stateSubject.next(state);
  }

  get observed(): boolean {
    return this.subject.observed;
  }

  /** Sessions whose transcripts are watched now (a polling transport would read them). */
  readonly watching: string[] = [];

  watchTranscript(sessionId: string): () => void {
    this.watching.push(sessionId);
    return () => {
      const i = this.watching.indexOf(sessionId);
      if (i >= 0) this.watching.splice(i, 1);
    };
  }
}

export const provideFakeEvents = (fake: FakeLiveEventStream) => ({ provide: LiveEventStream, useValue: fake });
