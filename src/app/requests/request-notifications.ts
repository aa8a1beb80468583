import { Injectable, NgZone, OnDestroy } from '@angular/core';
import { BehaviorSubject, EMPTY, Subject, Subscription } from 'rxjs';
import { catchError, filter, map, startWith, switchMap } from 'rxjs/operators';
import type { AccessRequest, LiveEvent } from '../core/api-models';
import { formatDateTime } from '../core/format';
import { LiveEventStream } from '../core/live-event-stream';
import { RemoteSupportGateway } from '../core/remote-support-gateway';
import { extensionStrings, format } from '../core/strings';
import { AdminNotifications } from '../shared/admin-notifications';
import { askedWords, waitsForAdmin } from './request-words';

/** The live events about access requests. */
export const REQUEST_EVENTS: ReadonlySet<string> = new Set(['request.created', 'request.updated', 'request.expired']);

/** The request a live event carries (the gateway sends the request as the API shows it), or null. */
export function requestOf(event: LiveEvent): AccessRequest | null {
  const data = event.data as Partial<AccessRequest> | null;
  return data && typeof data.id === 'string' && typeof data.state === 'string' ? (data as AccessRequest) : null;
}

/**
 * Access requests where the admin is, whatever view is open: WAC's
 * notification center hears of each new request (a warning: someone waits),
 * of its answer (the same notification, updated: who answered) and of its
 * expiry unanswered; and the Requests tab's badge counts the requests waiting
 * for an answer. Started once by the tool frame; stops with the app.
 */
@Injectable({ providedIn: 'root' })
export class RequestNotifications implements OnDestroy {
  private readonly waitingSubject = new BehaviorSubject<number>(0);
  /** How many requests wait for the admin's answer now. */
  readonly waiting$ = this.waitingSubject.asObservable();
  private readonly recount = new Subject<void>();
  private subscriptions: Subscription | null = null;

  constructor(
    private readonly gateway: RemoteSupportGateway,
    private readonly live: LiveEventStream,
    private readonly notifications: AdminNotifications,
    private readonly zone: NgZone,
  ) {}

  get waiting(): number {
    return this.waitingSubject.value;
  }

  /** The badge's words for a screen reader, after the tab's name: "Requests, 2 waiting". */
  get waitingLabel(): string {
    return format(extensionStrings().Requests.Badge.waiting, this.waiting);
  }

  /** Counts the waiting requests and listens for changes; a second call does nothing. */
  start(): void {
    if (this.subscriptions) return;
    this.subscriptions = new Subscription();
    this.subscriptions.add(
      this.recount
        .pipe(
          startWith(undefined),
          // A newer event's count replaces one still on its way.
          switchMap(() => this.gateway.accessRequests(true).pipe(catchError(() => EMPTY))),
          map((list) => list.requests.filter(waitsForAdmin).length),
        )
        .subscribe((n) => this.zone.run(() => this.waitingSubject.next(n))),
    );
    this.subscriptions.add(
      this.live.events$.pipe(filter((e) => REQUEST_EVENTS.has(e.type))).subscribe((event) => this.zone.run(() => this.onEvent(event))),
    );
  }

  /** Counts again now (after the admin answered on the Requests tab). */
  refresh(): void {
    this.recount.next();
  }

  ngOnDestroy(): void {
    this.subscriptions?.unsubscribe();
    this.subscriptions = null;
  }

  private onEvent(event: LiveEvent): void {
    this.recount.next();
    const request = requestOf(event);
    if (!request) return;
    if (event.type === 'request.created') {
      this.raise(request);
      return;
    }
    if (event.type === 'request.expired' || request.state !== 'pending' && request.state !== 'info-requested') {
      this.answered(event.type === 'request.expired' ? { ...request, state: 'expired' } : request);
    }
  }

  private raise(request: AccessRequest): void {
    const s = extensionStrings().Requests.Notify;
    this.notifications.notify(idOf(request), 'warning', s.createdTitle, format(s.created, request.engineer, askedWords(request), request.supportCase, formatDateTime(request.expiresAt)));
  }

  private answered(request: AccessRequest): void {
    const s = extensionStrings().Requests.Notify;
    const who = request.answeredBy ?? '';
    switch (request.state) {
      case 'approved':
        this.notifications.notify(idOf(request), 'success', s.approvedTitle, format(s.approved, who, request.engineer, request.supportCase));
        break;
      case 'scheduled':
        this.notifications.notify(idOf(request), 'success', s.approvedTitle, format(s.scheduled, who, request.engineer, request.supportCase, formatDateTime(request.approved?.startAt)));
        break;
      case 'denied':
        this.notifications.notify(idOf(request), 'info', s.deniedTitle, format(s.denied, who, request.engineer, request.supportCase));
        break;
      case 'expired':
        this.notifications.notify(idOf(request), 'info', s.expiredTitle, format(s.expired, request.engineer, request.supportCase));
        break;
      default:
        break;
    }
  }
}

/** One notification per request: its answer or expiry updates the "requested" one. */
function idOf(request: AccessRequest): string {
  return `request-${request.id}`;
}
