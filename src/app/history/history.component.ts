import { Component, Inject, OnDestroy, OnInit } from '@angular/core';
import { Subject, Subscription } from 'rxjs';
import { debounceTime, finalize } from 'rxjs/operators';
import { GrantView, LiveEvent, SearchHit, SessionView } from '../core/api-models';
import { Clock, CLOCK } from '../core/clock';
import { formatDateTime, formatDurationSeconds, formatEndReason, toDateInput } from '../core/format';
import { LiveEventStream } from '../core/live-event-stream';
import { RemoteSupportGateway } from '../core/remote-support-gateway';
import { extensionStrings } from '../core/strings';
import { AlertLedger } from '../shared/alert-ledger';

/** The history's default window: sessions of the last 7 days. */
export const DEFAULT_HISTORY_DAYS = 7;
const DAY_MS = 86_400_000;

/** A piece of a search snippet: the gateway marks matched words with [brackets]. */
export interface SnippetPart {
  text: string;
  match: boolean;
}

export function snippetParts(snippet: string): SnippetPart[] {
  const parts: SnippetPart[] = [];
  const re = /\[([^\]]*)\]/g;
  let last = 0;
  for (let m = re.exec(snippet); m; m = re.exec(snippet)) {
    if (m.index > last) parts.push({ text: snippet.slice(last, m.index), match: false });
    parts.push({ text: m[1]!, match: true });
    last = m.index + m[0].length;
  }
  if (last < snippet.length) parts.push({ text: snippet.slice(last), match: false });
  return parts;
}

/**
 * History: sessions since a date (last 7 days by default), a search across
 * every transcript, and the consent history with expired and revoked grants
 * of the last 30 days.
 */
@Component({
  selector: 'rs-history',
  templateUrl: './history.component.html',
})
export class HistoryComponent implements OnInit, OnDestroy {
  readonly strings = extensionStrings();
  readonly time = formatDateTime;
  readonly duration = formatDurationSeconds;
  readonly endReason = formatEndReason;

  fromDate: string;
  sessions: SessionView[] = [];
  loadingSessions = false;
  grants: GrantView[] = [];
  loadingGrants = false;

  query = '';
  searchedFor: string | null = null;
  hits: SearchHit[] | null = null;
  searching = false;
  searchError: string | null = null;

  private readonly sessionReloads = new Subject<void>();
  private readonly grantReloads = new Subject<void>();
  private readonly subscriptions = new Subscription();

  constructor(
    private readonly gateway: RemoteSupportGateway,
    private readonly events: LiveEventStream,
    private readonly alerts: AlertLedger,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {
    this.fromDate = toDateInput(this.clock.now() - DEFAULT_HISTORY_DAYS * DAY_MS);
  }

  ngOnInit(): void {
    this.loadSessions();
    this.loadGrants();
    // A burst of events causes one read of each list.
    this.subscriptions.add(this.sessionReloads.pipe(debounceTime(300)).subscribe(() => this.loadSessions()));
    this.subscriptions.add(this.grantReloads.pipe(debounceTime(300)).subscribe(() => this.loadGrants()));
    this.subscriptions.add(this.events.events$.subscribe((e) => this.onEvent(e)));
  }

  ngOnDestroy(): void {
    this.subscriptions.unsubscribe();
  }

  loadSessions(): void {
    this.loadingSessions = true;
    this.gateway
      .sessions(this.fromDate || undefined)
      .pipe(finalize(() => (this.loadingSessions = false)))
      .subscribe({
        next: (r) => (this.sessions = r.sessions),
        error: (error: unknown) => this.alerts.error(this.strings.Errors.loadHistory, error),
      });
  }

  loadGrants(): void {
    this.loadingGrants = true;
    this.gateway
      .access(true)
      .pipe(finalize(() => (this.loadingGrants = false)))
      .subscribe({
        next: (r) => (this.grants = r.grants),
        error: (error: unknown) => this.alerts.error(this.strings.Errors.loadConsent, error),
      });
  }

  fromDateChanged(value: string): void {
    this.fromDate = value;
    this.loadSessions();
  }

  search(): void {
    const q = this.query.trim();
    if (!q) return;
    this.searching = true;
    this.searchError = null;
    this.gateway
      .searchTranscripts(q, this.fromDate || undefined)
      .pipe(finalize(() => (this.searching = false)))
      .subscribe({
        next: (r) => {
          this.hits = r.hits;
          this.searchedFor = q;
        },
        error: (error: unknown) => {
          this.hits = null;
          this.searchError = error instanceof Error ? error.message : String(error);
        },
      });
  }

  grantState(g: GrantView): string {
    return this.strings.History.GrantState[g.state] ?? g.state;
  }

  readonly snippet = snippetParts;

  private onEvent(event: LiveEvent): void {
    if (event.type === 'session.started' || event.type === 'session.ended') this.sessionReloads.next();
    if (event.type.startsWith('grant.')) this.grantReloads.next();
  }
}
