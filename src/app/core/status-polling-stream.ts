import { DOCUMENT } from '@angular/common';
import { inject, InjectionToken } from '@angular/core';
import { BehaviorSubject, forkJoin, Observable, of, share, Subscription } from 'rxjs';
import { catchError, map, switchMap } from 'rxjs/operators';
import { AccessRequest, AgentOperation, ClusterStatus, LiveEvent, LiveEventType, RelayView, SessionDetail, SessionView } from './api-models';
import { Clock } from './clock';
import { LiveEventStream, StreamState } from './live-event-stream';

/** How often the status is read while the page is visible, and the longest wait after failures. */
export const POLLING = { intervalMs: 5000, maxBackoffMs: 60_000 } as const;

/** What the polling stream reads: the gateway's status and a session's transcript. */
export interface PolledGateway {
  status(): Observable<ClusterStatus>;
  session(id: string, page?: { offset: number; limit: number }): Observable<SessionDetail>;
  accessRequest(id: string): Observable<{ request: AccessRequest }>;
}

/** Whether the page is visible, and when that changes (the browser's document, or a fake). */
export interface PageVisibility {
  readonly hidden: boolean;
  readonly changes$: Observable<unknown>;
}

/** The page's visibility, from the browser's document unless a test provides another. */
export const PAGE_VISIBILITY = new InjectionToken<PageVisibility>('rs.page-visibility', { providedIn: 'root', factory: () => documentVisibility(inject(DOCUMENT)) });

export function documentVisibility(document: Document): PageVisibility {
  return {
    get hidden() {
      return document.visibilityState === 'hidden';
    },
    changes$: new Observable<unknown>((subscriber) => {
      const listener = (event: Event) => subscriber.next(event);
      document.addEventListener('visibilitychange', listener);
      return () => document.removeEventListener('visibilitychange', listener);
    }),
  };
}

const event = (type: LiveEventType, data: unknown): LiveEvent => ({ id: null, type, data });

/**
 * The events the admin API's stream would have sent between two readings of
 * the status: grants created, replaced, revoked or expired; sessions started
 * and ended; agent progress; the relay listener's state, error or attempts
 * (`relay.state`); and, for each command a live session ran, a
 * `transcript.entry` of kind `command` without a `seq` (enough for counters;
 * a transcript being watched gets its real entries, see watchTranscript).
 */
export function statusChanges(before: ClusterStatus, after: ClusterStatus, transcriptsRead: ReadonlySet<string> = new Set()): LiveEvent[] {
  const events: LiveEvent[] = [];
  const was = before.activeGrant;
  const is = after.activeGrant;
  if (was && (!is || is.id !== was.id)) {
    if (is) events.push(event('grant.superseded', { ...was, state: 'superseded' }));
    else if (Date.parse(was.expiresAt) <= Date.parse(after.now)) events.push(event('grant.expired', { ...was, state: 'expired' }));
    else events.push(event('grant.revoked', { ...was, state: 'revoked' }));
  }
  if (is && (!was || was.id !== is.id)) events.push(event('grant.created', is));

  const earlier = new Map<string, SessionView>(before.liveSessions.map((s) => [s.id, s]));
  const now = new Set(after.liveSessions.map((s) => s.id));
  for (const s of after.liveSessions) {
    const prior = earlier.get(s.id);
    if (!prior) events.push(event('session.started', s));
    else if (!transcriptsRead.has(s.id)) {
      for (let i = prior.commandCount; i < s.commandCount; i++) events.push(event('transcript.entry', { sessionId: s.id, kind: 'command', seq: null }));
    }
  }
  for (const s of before.liveSessions) if (!now.has(s.id)) events.push(event('session.ended', s));

  const op = after.agentOperation;
  const prior = before.agentOperation;
  if (op && JSON.stringify(op) !== JSON.stringify(prior)) {
    if (op.status === 'running') events.push(event('agent.progress', op));
    else if (!prior || prior.id !== op.id || prior.status === 'running') events.push(event('agent.finished', op as AgentOperation));
  }

  const relayWas = before.relay ?? null;
  const relayIs = after.relay ?? null;
  if (relayChanged(relayWas, relayIs)) events.push(event('relay.state', relayIs && relayEventData(relayIs)));
  events.push(...requestChanges(before, after), ...approvalChanges(before, after));
  // A grant found changed without the record key, as the gateway's integrity.failed tells it on the event stream.
  const known = new Set(before.tamperedGrants);
  for (const id of after.tamperedGrants) if (!known.has(id)) events.push(event('integrity.failed', { kind: 'grant', grantId: id, problem: `grant ${id} was changed without the record key` }));
  return events;
}

/**
 * Access requests that appeared, changed (a question, an answer, a state) or
 * left the open list between two readings. One that left was answered,
 * started (a later start) or expired; the status cannot say which, so it is
 * `request.updated` with the request as it was last seen (the stream reads
 * its outcome, see withOutcomes).
 */
function requestChanges(before: ClusterStatus, after: ClusterStatus): LiveEvent[] {
  if (!before.openRequests || !after.openRequests) return [];
  const events: LiveEvent[] = [];
  const earlier = new Map(before.openRequests.map((r) => [r.id, r]));
  const now = new Set(after.openRequests.map((r) => r.id));
  for (const r of after.openRequests) {
    const prior = earlier.get(r.id);
    if (!prior) events.push(event('request.created', r));
    else if (prior.state !== r.state || prior.messages.length !== r.messages.length) events.push(event('request.updated', r));
  }
  for (const r of before.openRequests) if (!now.has(r.id)) events.push(event('request.updated', r));
  return events;
}

/** Repairs that began to wait (`repair.pending`) or stopped waiting (`repair.decided`) between two readings. */
function approvalChanges(before: ClusterStatus, after: ClusterStatus): LiveEvent[] {
  if (!before.pendingApprovals || !after.pendingApprovals) return [];
  const was = new Set(before.pendingApprovals.map((a) => a.id));
  const is = new Set(after.pendingApprovals.map((a) => a.id));
  return [
    ...after.pendingApprovals.filter((a) => !was.has(a.id)).map((a) => event('repair.pending', a)),
    ...before.pendingApprovals.filter((a) => !is.has(a.id)).map((a) => event('repair.decided', a)),
  ];
}

/**
 * Whether the relay changed in a way the gateway announces: its state, its
 * error or the failed attempts. Turned off between two readings (a gateway
 * restarted without it) counts too, with null as the event's data: the event
 * stream would have reconnected then, and the page read the status again.
 */
function relayChanged(was: RelayView | null, is: RelayView | null): boolean {
  if (!was || !is) return was !== is;
  return was.state !== is.state || was.error !== is.error || was.attempts !== is.attempts;
}

/** The relay as the event stream sends it: the status's view with times as epoch ms. */
function relayEventData(relay: RelayView): Omit<RelayView, 'since' | 'nextRetryAt' | 'connectedAt'> & { since: number; nextRetryAt: number | null; connectedAt: number | null } {
  const ms = (iso: string | null) => (iso === null ? null : Date.parse(iso));
  return { ...relay, since: Date.parse(relay.since), nextRetryAt: ms(relay.nextRetryAt), connectedAt: ms(relay.connectedAt) };
}

/** The largest transcript read at once when following a session (the module reads the whole transcript). */
const TRANSCRIPT_LIMIT = 1_000_000;

/**
 * Live updates on the PowerShell path, where there is no event stream: reads
 * the status every 5 s while the page is visible (never two readings at
 * once; after a failure it waits 10, 20, 40, then 60 s) and turns what
 * changed into the admin API's events, so components work as on the direct
 * path. While readings fail it says `reconnecting` and emits nothing: the page
 * keeps the last good state. One loop is shared by all subscribers and stops
 * when the last one leaves.
 */
export class StatusPollingStream extends LiveEventStream {
  private readonly stateSubject = new BehaviorSubject<StreamState>('idle');
  readonly state$ = this.stateSubject.asObservable();
  readonly events$: Observable<LiveEvent>;
  /** Watched transcripts: how many watchers, and the last entry seen (null until first read). */
  private readonly watched = new Map<string, { watchers: number; lastSeq: number | null }>();

  constructor(private readonly gateway: PolledGateway, private readonly clock: Clock, private readonly visibility: PageVisibility) {
    super();
    this.events$ = new Observable<LiveEvent>((subscriber) => {
      let previous: ClusterStatus | null = null;
      let busy = false;
      let closed = false;
      let failures = 0;
      let cancelTimer: (() => void) | null = null;
      let reading: Subscription | null = null;

      const schedule = (delayMs: number) => {
        cancelTimer?.();
        cancelTimer = this.clock.setTimer(delayMs, () => {
          cancelTimer = null;
          read();
        });
      };
      const read = () => {
        if (closed || busy) return;
        // Hidden: no reading until the page shows again (see the visibility listener).
        if (this.visibility.hidden) return;
        busy = true;
        const done = (delayMs: number) => {
          busy = false;
          reading = null;
          if (!closed) schedule(delayMs);
        };
        const failed = () => {
          failures += 1;
          this.setState('reconnecting');
          done(Math.min(POLLING.intervalMs * 2 ** failures, POLLING.maxBackoffMs));
        };
        reading = this.readOnce(previous).subscribe({
          next: ({ status, events }) => {
            previous = status;
            failures = 0;
            this.setState('open');
            for (const e of events) subscriber.next(e);
            done(POLLING.intervalMs);
          },
          error: failed,
          // An answer with nothing in it counts as a failure, so the loop never stalls.
          complete: () => busy && failed(),
        });
      };
      const visibility = this.visibility.changes$.subscribe(() => {
        if (this.visibility.hidden || busy || closed) return;
        cancelTimer?.();
        cancelTimer = null;
        read();
      });

      this.setState('connecting');
      read();
      return () => {
        closed = true;
        cancelTimer?.();
        reading?.unsubscribe();
        visibility.unsubscribe();
        this.setState('idle');
      };
    }).pipe(share());
  }

  get state(): StreamState {
    return this.stateSubject.value;
  }

  private setState(state: StreamState): void {
    if (this.stateSubject.value !== state) this.stateSubject.next(state);
  }

  override watchTranscript(sessionId: string): () => void {
    const entry = this.watched.get(sessionId) ?? { watchers: 0, lastSeq: null };
    entry.watchers += 1;
    this.watched.set(sessionId, entry);
    let stopped = false;
    return () => {
      if (stopped) return;
      stopped = true;
      entry.watchers -= 1;
      if (entry.watchers === 0) this.watched.delete(sessionId);
    };
  }

  /** One reading: the status, then the watched transcripts of sessions that are (or just were) live. */
  private readOnce(previous: ClusterStatus | null): Observable<{ status: ClusterStatus; events: LiveEvent[] }> {
    return this.gateway.status().pipe(
      switchMap((status) => {
        const live = new Set([...status.liveSessions, ...(previous?.liveSessions ?? [])].map((s) => s.id));
        const ids = [...this.watched.keys()].filter((id) => live.has(id));
        const changes = previous ? statusChanges(previous, status, new Set(ids)) : [];
        const entries = ids.length ? forkJoin(ids.map((id) => this.newEntries(id))).pipe(map((lists) => lists.flat())) : of([] as LiveEvent[]);
        const open = new Set((status.openRequests ?? []).map((r) => r.id));
        return forkJoin([entries, this.withOutcomes(changes, open)]).pipe(map(([found, events]) => ({ status, events: [...found, ...events] })));
      }),
    );
  }

  /**
   * What the status cannot say, read as the event stream would have told it
   * (one call each): why a session that left the live list ended, so that
   * `session.ended` carries its end reason and time; and what became of a
   * request that left the open list (answered, started or expired), sent as
   * `request.updated` with the request as it is now, or `request.expired`.
   * A record that cannot be read leaves the event as the status gave it.
   */
  private withOutcomes(events: LiveEvent[], openNow: ReadonlySet<string>): Observable<LiveEvent[]> {
    const left = (e: LiveEvent) => e.type === 'request.updated' && !openNow.has((e.data as AccessRequest).id);
    if (!events.some((e) => e.type === 'session.ended' || left(e))) return of(events);
    return forkJoin(
      events.map((e): Observable<LiveEvent> => {
        if (e.type === 'session.ended') {
          return this.gateway.session((e.data as SessionView).id).pipe(
            map(({ session }) => (session?.endedAt ? { ...e, data: session } : e)),
            catchError(() => of(e)),
          );
        }
        if (!left(e)) return of(e);
        return this.gateway.accessRequest((e.data as AccessRequest).id).pipe(
          map(({ request }): LiveEvent => (request ? { ...e, type: request.state === 'expired' ? 'request.expired' : 'request.updated', data: request } : e)),
          catchError(() => of(e)),
        );
      }),
    );
  }

  /** A watched session's entries after the last one seen (all of them at the first reading). */
  private newEntries(sessionId: string): Observable<LiveEvent[]> {
    return this.gateway.session(sessionId, { offset: 0, limit: TRANSCRIPT_LIMIT }).pipe(
      map((detail) => {
        const watch = this.watched.get(sessionId);
        const entries = detail.transcript?.entries ?? [];
        if (!watch) return [];
        const last = entries.reduce((max, e) => Math.max(max, e.seq), 0);
        const since = watch.lastSeq;
        watch.lastSeq = Math.max(last, since ?? 0);
        // The first reading sends what is there too: the viewer keeps only what it lacks, and nothing
        // written between its own read and this one is lost.
        return entries.filter((e) => since === null || e.seq > since).sort((a, b) => a.seq - b.seq).map((e) => event('transcript.entry', { sessionId, ...e }));
      }),
      // A transcript that could not be read now is read next time; the viewer fills gaps itself.
      catchError(() => of([] as LiveEvent[])),
    );
  }
}
