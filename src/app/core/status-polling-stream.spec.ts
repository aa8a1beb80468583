import { Observable, of, Subject, Subscription, throwError } from 'rxjs';
import { FakeClock } from '../testing/fake-clock';
import { entries, grant, iso, NOW, operation, relay, session, status } from '../testing/fixtures';
import { AccessRequest, ClusterStatus, LiveEvent, RepairApprovalView, SessionDetail, SessionView } from './api-models';
import { GatewayError } from './gateway-error';
import { StreamState } from './live-event-stream';
import { POLLING, statusChanges, StatusPollingStream } from './status-polling-stream';

class FakeVisibility {
  hidden = false;
  readonly changes$ = new Subject<void>();
  set(hidden: boolean): void {
    this.hidden = hidden;
    this.changes$.next();
  }
}

/** A gateway whose status answers come from a queue the spec fills; `hold()` leaves the next one unanswered. */
class PolledFake {
  answers: Array<() => Observable<ClusterStatus>> = [];
  statusCalls = 0;
  transcripts = new Map<string, SessionDetail>();
  sessionCalls: string[] = [];
  private last: ClusterStatus = status();

  status(): Observable<ClusterStatus> {
    this.statusCalls += 1;
    const next = this.answers.shift();
    return next ? next() : of(this.last);
  }
  requests = new Map<string, AccessRequest>();
  requestCalls: string[] = [];
  accessRequest(id: string): Observable<{ request: AccessRequest }> {
    this.requestCalls.push(id);
    const request = this.requests.get(id);
    return request ? of({ request }) : throwError(() => new GatewayError('RequestNotFound', 'no such request', 0));
  }
  session(id: string): Observable<SessionDetail> {
    this.sessionCalls.push(id);
    const detail = this.transcripts.get(id);
    return detail ? of(detail) : throwError(() => new GatewayError('SessionNotFound', 'no such session', 0));
  }
  answer(s: ClusterStatus): void {
    this.last = s;
    this.answers.push(() => of(s));
  }
  fail(): void {
    this.answers.push(() => throwError(() => new GatewayError('GatewayUnreachable', 'down', 0)));
  }
  hold(): Subject<ClusterStatus> {
    const subject = new Subject<ClusterStatus>();
    this.answers.push(() => subject);
    return subject;
  }
}

describe('StatusPollingStream', () => {
  let clock: FakeClock;
  let visibility: FakeVisibility;
  let gateway: PolledFake;
  let stream: StatusPollingStream;
  let seen: LiveEvent[];
  let states: StreamState[];
  let subscription: Subscription;

  beforeEach(() => {
    clock = new FakeClock();
    visibility = new FakeVisibility();
    gateway = new PolledFake();
    stream = new StatusPollingStream(gateway, clock, visibility);
    seen = [];
    states = [];
    stream.state$.subscribe((s) => states.push(s));
  });

  afterEach(() => subscription?.unsubscribe());

  const start = () => (subscription = stream.events$.subscribe((e) => seen.push(e)));

  it('reads the status at once, then every 5 seconds', () => {
    start();
    expect(gateway.statusCalls).toBe(1);
    clock.advance(POLLING.intervalMs - 1);
    expect(gateway.statusCalls).toBe(1);
    clock.advance(1);
    expect(gateway.statusCalls).toBe(2);
    clock.advance(3 * POLLING.intervalMs);
    expect(gateway.statusCalls).toBe(5);
    expect(states).toEqual(['idle', 'connecting', 'open']);
  });

  it('never starts a reading while one is still running', () => {
    const held = gateway.hold();
    start();
    clock.advance(60_000);
    expect(gateway.statusCalls).toBe(1);
    held.next(status());
    held.complete();
    expect(gateway.statusCalls).toBe(1);
    clock.advance(POLLING.intervalMs);
    expect(gateway.statusCalls).toBe(2);
  });

  it('waits longer after each failure, says it is reconnecting, and recovers', () => {
    gateway.fail();
    gateway.fail();
    gateway.fail();
    gateway.fail();
    gateway.fail();
    start();
    expect(stream.state).toBe('reconnecting');
    const waits: number[] = [];
    let last = clock.now();
    for (let i = 0; i < 5; i++) {
      const before = gateway.statusCalls;
      while (gateway.statusCalls === before) clock.advance(1000);
      waits.push(clock.now() - last);
      last = clock.now();
    }
    expect(waits).toEqual([10_000, 20_000, 40_000, 60_000, 60_000]);
    expect(stream.state).toBe('open');
    expect(states).toEqual(['idle', 'connecting', 'reconnecting', 'open']);
    clock.advance(POLLING.intervalMs);
    expect(gateway.statusCalls).toBe(7); // back to every 5 s
  });

  it('emits nothing while readings fail, so the page keeps what it shows', () => {
    gateway.answer(status());
    start();
    gateway.fail();
    clock.advance(POLLING.intervalMs);
    expect(stream.state).toBe('reconnecting');
    expect(seen).toEqual([]);
  });

  it('turns what changed between readings into the API\'s events', () => {
    gateway.answer(status());
    start();
    expect(seen).toEqual([]); // the first reading is where things stand, not news
    gateway.answer(status({ activeGrant: grant(), liveSessions: [session()] }));
    clock.advance(POLLING.intervalMs);
    expect(seen.map((e) => e.type)).toEqual(['grant.created', 'session.started']);
    expect(seen[0]!.data).toEqual(grant());
  });

  it('stops reading while the page is hidden and reads at once when it shows again', () => {
    start();
    visibility.set(true);
    clock.advance(10 * POLLING.intervalMs);
    expect(gateway.statusCalls).toBe(1);
    visibility.set(false);
    expect(gateway.statusCalls).toBe(2);
    clock.advance(POLLING.intervalMs);
    expect(gateway.statusCalls).toBe(3);
  });

  it('shares one loop between subscribers and stops it, timers and all, when the last leaves', () => {
    start();
    const other = stream.events$.subscribe();
    expect(gateway.statusCalls).toBe(1);
    subscription.unsubscribe();
    clock.advance(POLLING.intervalMs);
    expect(gateway.statusCalls).toBe(2);
    other.unsubscribe();
    expect(clock.pendingTimers).toBe(0);
    expect(stream.state).toBe('idle');
    clock.advance(10 * POLLING.intervalMs);
    expect(gateway.statusCalls).toBe(2);
  });

  it('cancels a reading in flight when the last subscriber leaves', () => {
    const held = gateway.hold();
    start();
    subscription.unsubscribe();
    expect(held.observed).toBe(false);
    expect(clock.pendingTimers).toBe(0);
  });

  it('reads a watched live session\'s transcript and emits its new entries in order', () => {
    const live = session();
    const all = entries(6);
    gateway.answer(status({ liveSessions: [live] }));
    gateway.transcripts.set(live.id, { session: live, transcript: { offset: 0, limit: 4, total: 4, entries: all.slice(0, 4) } });
    const unwatch = stream.watchTranscript(live.id);
    start();
    expect(gateway.sessionCalls).toEqual([live.id]);
    // The first reading sends what is there: the viewer keeps what it lacks, so nothing written since its own read is lost.
    expect(seen.map((e) => (e.data as { seq: number }).seq)).toEqual([1, 2, 3, 4]);
    seen.length = 0;
    gateway.transcripts.set(live.id, { session: live, transcript: { offset: 0, limit: 6, total: 6, entries: [...all].reverse() } });
    gateway.answer(status({ liveSessions: [{ ...live, commandCount: live.commandCount + 1 }] }));
    clock.advance(POLLING.intervalMs);
    expect(seen.map((e) => [e.type, (e.data as { seq: number }).seq, (e.data as { sessionId: string }).sessionId])).toEqual([
      ['transcript.entry', 5, live.id],
      ['transcript.entry', 6, live.id],
    ]);
    unwatch();
    clock.advance(POLLING.intervalMs);
    expect(gateway.sessionCalls).toHaveLength(2);
  });

  it('reads a watched transcript once more after its session ended, then no more', () => {
    const live = session();
    gateway.answer(status({ liveSessions: [live] }));
    gateway.transcripts.set(live.id, { session: live, transcript: { offset: 0, limit: 2, total: 2, entries: entries(2) } });
    stream.watchTranscript(live.id);
    start();
    gateway.answer(status({ liveSessions: [] }));
    clock.advance(POLLING.intervalMs);
    clock.advance(POLLING.intervalMs);
    // Its transcript once at each of the two readings that knew it, and its record once to learn why it ended.
    expect(gateway.sessionCalls).toEqual([live.id, live.id, live.id]);
    expect(seen.map((e) => e.type)).toEqual(['transcript.entry', 'transcript.entry', 'session.ended']);
  });

  it('reads a request that left the open list to tell what became of it, as the event stream would', () => {
    const open = (id: string, state: AccessRequest['state'] = 'pending') => ({ id, state, messages: [], expiresAt: iso(NOW - 60_000) }) as unknown as AccessRequest;
    gateway.answer(status({ openRequests: [open('started', 'scheduled'), open('lapsed'), open('lost'), open('asked')] }));
    gateway.requests.set('started', { ...open('started'), state: 'approved' });
    gateway.requests.set('lapsed', { ...open('lapsed'), state: 'expired' });
    start();
    gateway.answer(status({ openRequests: [open('asked', 'info-requested')] }));
    clock.advance(POLLING.intervalMs);
    expect(seen.map((e) => [e.type, (e.data as AccessRequest).id, (e.data as AccessRequest).state])).toEqual([
      ['request.updated', 'asked', 'info-requested'],
      ['request.updated', 'started', 'approved'],
      ['request.expired', 'lapsed', 'expired'],
      ['request.updated', 'lost', 'pending'],
    ]);
    // Only the requests that left the list are read; one that cannot be read is sent as last seen.
    expect(gateway.requestCalls).toEqual(['started', 'lapsed', 'lost']);
  });

  it('reads a session that ended to tell why, as the event stream would, and keeps the status\'s view when it cannot', () => {
    const a = session({ id: 'a' });
    const b = session({ id: 'b' });
    gateway.answer(status({ liveSessions: [a, b] }));
    gateway.transcripts.set('a', { session: { ...a, endedAt: iso(NOW), endReason: 'revoked', endedBy: 'admin@contoso.com' } });
    start();
    gateway.answer(status({ liveSessions: [] }));
    clock.advance(POLLING.intervalMs);
    const ended = seen.filter((e) => e.type === 'session.ended').map((e) => e.data as SessionView);
    expect(ended.map((s) => [s.id, s.endReason])).toEqual([
      ['a', 'revoked'],
      ['b', null],
    ]);
    expect(gateway.sessionCalls).toEqual(['a', 'b']);
  });
});

describe('statusChanges', () => {
  const types = (before: ClusterStatus, after: ClusterStatus) => statusChanges(before, after).map((e) => e.type);
  const request = (id: string, extra: Partial<AccessRequest> = {}) =>
    ({ id, state: 'pending', messages: [], expiresAt: iso(NOW + 3_600_000), ...extra }) as AccessRequest;
  const approval = (id: string) => ({ id, state: 'pending', cmdlet: 'Restart-Service', node: 'hci-n02' }) as RepairApprovalView;

  it('reports access requests that appeared, changed or left the open list, the last as last seen (never a made-up outcome)', () => {
    const a = request('a');
    const b = request('b', { state: 'scheduled', expiresAt: iso(NOW - 60_000) });
    const events = statusChanges(status({ openRequests: [a, b] }), status({ openRequests: [{ ...a, state: 'info-requested', messages: [{ at: iso(NOW), from: 'admin', by: 'x', text: '?' }] }, request('c')] }));
    expect(events.map((e) => [e.type, (e.data as AccessRequest).id, (e.data as AccessRequest).state])).toEqual([
      ['request.updated', 'a', 'info-requested'],
      ['request.created', 'c', 'pending'],
      ['request.updated', 'b', 'scheduled'],
    ]);
    expect(statusChanges(status({ openRequests: [a] }), status({ openRequests: [a] }))).toEqual([]);
  });

  it('reports repairs that began or stopped waiting', () => {
    const events = statusChanges(status({ pendingApprovals: [approval('x'), approval('y')] }), status({ pendingApprovals: [approval('y'), approval('z')] }));
    expect(events.map((e) => [e.type, (e.data as RepairApprovalView).id])).toEqual([
      ['repair.pending', 'z'],
      ['repair.decided', 'x'],
    ]);
  });

  it('says nothing of requests or repairs when a reading lacks them (a gateway without them)', () => {
    expect(statusChanges(status({}), status({ openRequests: [request('a')], pendingApprovals: [approval('x')] }))).toEqual([]);
  });

  it('reports a grant newly found changed without the record key as integrity.failed, once', () => {
    const events = statusChanges(status({ tamperedGrants: ['g-1'] }), status({ tamperedGrants: ['g-1', 'g-2'] }));
    expect(events).toEqual([{ id: null, type: 'integrity.failed', data: { kind: 'grant', grantId: 'g-2', problem: 'grant g-2 was changed without the record key' } }]);
    expect(statusChanges(status({ tamperedGrants: ['g-2'] }), status({ tamperedGrants: ['g-2'] }))).toEqual([]);
  });

  it('tells a revoked grant from an expired one by the gateway\'s time', () => {
    const g = grant({ expiresAt: new Date(NOW + 60_000).toISOString() });
    expect(types(status({ activeGrant: g }), status({ activeGrant: null }))).toEqual(['grant.revoked']);
    expect(types(status({ activeGrant: g }), status({ activeGrant: null, now: new Date(NOW + 60_000).toISOString() }))).toEqual(['grant.expired']);
  });

  it('reports a replaced grant as superseded, then the new one as created', () => {
    const events = statusChanges(status({ activeGrant: grant() }), status({ activeGrant: grant({ id: 'g-2', accessLevel: 'DiagnosticsRepair' }) }));
    expect(events.map((e) => [e.type, (e.data as { id: string }).id])).toEqual([
      ['grant.superseded', 'g-1'],
      ['grant.created', 'g-2'],
    ]);
  });

  it('reports sessions that started and ended, and one command entry per command run', () => {
    const a = session({ id: 'a', commandCount: 3 });
    const b = session({ id: 'b' });
    const events = statusChanges(status({ liveSessions: [a, b] }), status({ liveSessions: [{ ...a, commandCount: 5 }, session({ id: 'c' })] }));
    expect(events.map((e) => [e.type, (e.data as { id?: string; sessionId?: string }).id ?? (e.data as { sessionId: string }).sessionId])).toEqual([
      ['transcript.entry', 'a'],
      ['transcript.entry', 'a'],
      ['session.started', 'c'],
      ['session.ended', 'b'],
    ]);
    expect(events[0]!.data).toEqual({ sessionId: 'a', kind: 'command', seq: null });
  });

  it('leaves command counting to the real entries of a transcript being read', () => {
    const a = session({ id: 'a', commandCount: 3 });
    expect(statusChanges(status({ liveSessions: [a] }), status({ liveSessions: [{ ...a, commandCount: 4 }] }), new Set(['a']))).toEqual([]);
  });

  it('reports agent progress while an operation runs and its end once', () => {
    const running = operation();
    const progressed = operation({ nodes: [{ node: 'hci-n01', status: 'running', step: 'Register JEA endpoint', stepsDone: 2, stepsTotal: 4, error: null }] });
    const done = operation({ status: 'succeeded', finishedAt: new Date(NOW).toISOString() });
    expect(types(status(), status({ agentOperation: running }))).toEqual(['agent.progress']);
    expect(types(status({ agentOperation: running }), status({ agentOperation: running }))).toEqual([]);
    expect(types(status({ agentOperation: running }), status({ agentOperation: progressed }))).toEqual(['agent.progress']);
    expect(types(status({ agentOperation: progressed }), status({ agentOperation: done }))).toEqual(['agent.finished']);
    expect(types(status({ agentOperation: done }), status({ agentOperation: { ...done } }))).toEqual([]);
    expect(types(status(), status({ agentOperation: done }))).toEqual(['agent.finished']); // ran and ended between two readings
  });

  it('reports the relay when its state, error or failed attempts change, with times as the event stream sends them', () => {
    const listening = relay();
    const dropped = relay({ state: 'reconnecting', since: iso(NOW), error: 'the control channel closed (1006)', attempts: 1, nextRetryAt: iso(NOW + 5000), connectedAt: null });
    const again = { ...dropped, attempts: 2, nextRetryAt: iso(NOW + 10_000) };
    const events = statusChanges(status({ relay: listening }), status({ relay: dropped }));
    expect(events).toEqual([
      { id: null, type: 'relay.state', data: { ...dropped, since: NOW, nextRetryAt: NOW + 5000, connectedAt: null } },
    ]);
    expect(types(status({ relay: dropped }), status({ relay: again }))).toEqual(['relay.state']);
    expect(types(status({ relay: dropped }), status({ relay: { ...dropped, error: 'the relay refused the listener token (401)' } }))).toEqual(['relay.state']);
    expect(types(status({ relay: again }), status({ relay: relay({ connectedAt: iso(NOW + 10_000) }) }))).toEqual(['relay.state']);
  });

  it('reports nothing for the relay while it stays as it was, or stays off', () => {
    expect(types(status({ relay: relay() }), status({ relay: relay(), now: iso(NOW + 5000) }))).toEqual([]);
    expect(types(status({ relay: null }), status({ relay: null }))).toEqual([]);
    expect(types(status(), status({ relay: null }))).toEqual([]); // a gateway without the relay, then one with it off
  });

  it('reports the relay turned on or off between readings (a gateway restarted with other settings)', () => {
    expect(statusChanges(status({ relay: relay() }), status({ relay: null }))).toEqual([{ id: null, type: 'relay.state', data: null }]);
    expect(types(status({ relay: null }), status({ relay: relay({ state: 'closed' }) }))).toEqual(['relay.state']);
  });
});
