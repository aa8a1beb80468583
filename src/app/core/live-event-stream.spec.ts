import { LiveEvent } from './api-models';
import { EventSourceLike, ServerSentEventStream, StreamState } from './live-event-stream';

class FakeEventSource implements EventSourceLike {
  static last: FakeEventSource | null = null;
  readyState = 0;
  onopen: ((event: Event) => void) | null = null;
  onerror: ((event: Event) => void) | null = null;
  closed = false;
  readonly listeners = new Map<string, (event: MessageEvent) => void>();
  constructor(readonly url: string, readonly init: { withCredentials: boolean }) {
    FakeEventSource.last = this;
  }
  addEventListener(type: string, listener: (event: MessageEvent) => void): void {
    this.listeners.set(type, listener);
  }
  close(): void {
    this.closed = true;
    this.readyState = 2;
  }
  send(type: string, data: string, id = '7'): void {
    this.listeners.get(type)?.({ data, lastEventId: id } as MessageEvent);
  }
}

describe('ServerSentEventStream', () => {
  let stream: ServerSentEventStream;

  beforeEach(() => {
    FakeEventSource.last = null;
    stream = new ServerSentEventStream(
      () => 'https://gw.test/api/nodes/hci-cl01.contoso.local/features/remoteSupport/events',
      (url: string, init: { withCredentials: boolean }) => new FakeEventSource(url, init),
    );
  });

  it('listens on the URL it is given, with credentials', () => {
    const sub = stream.events$.subscribe();
    expect(FakeEventSource.last!.url).toBe('https://gw.test/api/nodes/hci-cl01.contoso.local/features/remoteSupport/events');
    expect(FakeEventSource.last!.init.withCredentials).toBe(true);
    sub.unsubscribe();
  });

  it('delivers each named event with its parsed data and id', () => {
    const seen: LiveEvent[] = [];
    const sub = stream.events$.subscribe((e) => seen.push(e));
    FakeEventSource.last!.send('grant.expired', '{"id":"g-1"}', '42');
    FakeEventSource.last!.send('transcript.entry', 'not json');
    expect(seen).toEqual([{ id: '42', type: 'grant.expired', data: { id: 'g-1' } }]);
    sub.unsubscribe();
  });

  it('shares one connection and closes it when the last subscriber leaves', () => {
    const a = stream.events$.subscribe();
    const source = FakeEventSource.last!;
    const b = stream.events$.subscribe();
    expect(FakeEventSource.last).toBe(source);
    a.unsubscribe();
    expect(source.closed).toBe(false);
    b.unsubscribe();
    expect(source.closed).toBe(true);
  });

  it('tells whether it is connected', () => {
    const states: StreamState[] = [];
    stream.state$.subscribe((s) => states.push(s));
    const sub = stream.events$.subscribe();
    FakeEventSource.last!.onopen!(new Event('open'));
    FakeEventSource.last!.readyState = 0;
    FakeEventSource.last!.onerror!(new Event('error'));
    sub.unsubscribe();
    expect(states).toEqual(['idle', 'connecting', 'open', 'reconnecting', 'idle']);
  });

  it('opens the stream again, less and less often, when the browser gives up on it', () => {
    jest.useFakeTimers();
    try {
      const sub = stream.events$.subscribe();
      const first = FakeEventSource.last!;
      first.readyState = 2; // an HTTP error: EventSource does not retry by itself
      first.onerror!(new Event('error'));
      expect(stream.state).toBe('reconnecting');
      jest.advanceTimersByTime(1999);
      expect(FakeEventSource.last).toBe(first);
      jest.advanceTimersByTime(1);
      const second = FakeEventSource.last!;
      expect(second).not.toBe(first);
      second.readyState = 2;
      second.onerror!(new Event('error'));
      jest.advanceTimersByTime(2000);
      expect(FakeEventSource.last).toBe(second); // waits 4 s the second time
      jest.advanceTimersByTime(2000);
      expect(FakeEventSource.last).not.toBe(second);
      FakeEventSource.last!.onopen!(new Event('open'));
      expect(stream.state).toBe('open');
      sub.unsubscribe();
      expect(FakeEventSource.last!.closed).toBe(true);
    } finally {
      jest.useRealTimers();
    }
  });
});
