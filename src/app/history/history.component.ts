import { AfterViewInit, Component, ElementRef, Inject, OnDestroy, OnInit, ViewChild } from '@angular/core';
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
/** Sessions and grants read per page, as the admin scrolls or asks for more. */
export const HISTORY_PAGE_SIZE = 100;
/** The sessions table asks for the next page once its scroll is this close (in pixels) to the last loaded row. */
const LOAD_AHEAD_PX = 360;

/** What a list holds so far: the rows loaded, and the cursor of the next page (null when every row is loaded). */
export interface LoadedList<T> {
  items: T[];
  cursor: string | null;
}

/**
 * A list after its first page was read again (a live event): the new first
 * page, then the rows loaded before that come after its last row, so the
 * admin keeps what they scrolled to. When the new page's last row is not
 * among the loaded ones (many new rows), only the new page is kept.
 */
export function refreshFirstPage<T extends { id: string }>(loaded: LoadedList<T>, first: LoadedList<T>): LoadedList<T> {
  const last = first.items[first.items.length - 1];
  const at = last ? loaded.items.findIndex((x) => x.id === last.id) : -1;
  if (first.cursor === null || at < 0) return first;
  return { items: [...first.items, ...loaded.items.slice(at + 1)], cursor: loaded.cursor };
}

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
export class HistoryComponent implements OnInit, AfterViewInit, OnDestroy {
  readonly strings = extensionStrings();
  readonly time = formatDateTime;
  readonly duration = formatDurationSeconds;
  readonly endReason = formatEndReason;

  fromDate: string;
  sessions: SessionView[] = [];
  /** The nextCursor of the last session page read; null once every session is loaded. */
  sessionsCursor: string | null = null;
  /** Sessions in the whole period (every page), as the first page counted them. */
  /** The first page's count of the list, or null when the gateway did not count it (more than it counts cheaply). */
  sessionsTotal: number | null = 0;
  loadingSessions = false;
  loadingMoreSessions = false;
  grants: GrantView[] = [];
  grantsCursor: string | null = null;
  loadingGrants = false;
  loadingMoreGrants = false;

  @ViewChild('sessionsHost') private sessionsHost?: ElementRef<HTMLElement>;
  /** Bumped by every first-page read, so a page asked for before it is not added after it. */
  private sessionReads = 0;
  private grantReads = 0;

  query = '';
  searchedFor: string | null = null;
  hits: SearchHit[] | null = null;
  /** The nextCursor of the last page of hits read; null once every hit is loaded. */
  hitsCursor: string | null = null;
  searching = false;
  loadingMoreHits = false;
  searchError: string | null = null;
  /** The search the hits belong to; a page asked for by an earlier search is not added to a later one's. */
  private searchReads = 0;
  private searchFrom: string | undefined;

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
    // A burst of events causes one read of each list's first page; the pages loaded after it stay.
    this.subscriptions.add(this.sessionReloads.pipe(debounceTime(300)).subscribe(() => this.loadSessions(true)));
    this.subscriptions.add(this.grantReloads.pipe(debounceTime(300)).subscribe(() => this.loadGrants(true)));
    this.subscriptions.add(this.events.events$.subscribe((e) => this.onEvent(e)));
  }

  ngAfterViewInit(): void {
    // The data table scrolls inside its own container, and scroll events do not bubble: listen in the capture phase.
    this.sessionsHost?.nativeElement.addEventListener('scroll', this.onSessionsScroll, true);
  }

  ngOnDestroy(): void {
    this.sessionsHost?.nativeElement.removeEventListener('scroll', this.onSessionsScroll, true);
    this.subscriptions.unsubscribe();
  }

  /** Reads the first page of sessions: it replaces the list, or with `keepLoaded` it refreshes the list's head. */
  loadSessions(keepLoaded = false): void {
    const read = ++this.sessionReads;
    this.loadingSessions = true;
    this.loadingMoreSessions = false;
    this.gateway
      .sessions(this.fromDate || undefined, { limit: HISTORY_PAGE_SIZE })
      .pipe(finalize(() => read === this.sessionReads && (this.loadingSessions = false)))
      .subscribe({
        next: (r) => {
          if (read !== this.sessionReads) return;
          const first = { items: r.sessions, cursor: r.nextCursor ?? null };
          const list = keepLoaded ? refreshFirstPage({ items: this.sessions, cursor: this.sessionsCursor }, first) : first;
          this.sessions = list.items;
          this.sessionsCursor = list.cursor;
          this.sessionsTotal = r.total ?? (r.nextCursor ? null : r.sessions.length);
        },
        error: (error: unknown) => this.alerts.error(this.strings.Errors.loadHistory, error),
      });
  }

  /** Reads the next page of sessions and adds it to the list (nothing when every session is loaded or a read is under way). */
  loadMoreSessions(): void {
    const cursor = this.sessionsCursor;
    if (cursor === null || this.loadingSessions || this.loadingMoreSessions) return;
    const read = this.sessionReads;
    this.loadingMoreSessions = true;
    this.gateway
      .sessions(this.fromDate || undefined, { limit: HISTORY_PAGE_SIZE, cursor })
      .pipe(finalize(() => read === this.sessionReads && (this.loadingMoreSessions = false)))
      .subscribe({
        next: (r) => {
          if (read !== this.sessionReads) return;
          this.sessions = [...this.sessions, ...r.sessions];
          this.sessionsCursor = r.nextCursor ?? null;
          // Only the first page counts the list; sessions that started since may make it longer.
          this.sessionsTotal = this.sessionsTotal === null ? null : Math.max(r.total ?? this.sessionsTotal, this.sessions.length);
        },
        error: (error: unknown) => this.alerts.error(this.strings.Errors.loadHistory, error),
      });
  }

  /** Reads the first page of grants: it replaces the list, or with `keepLoaded` it refreshes the list's head. */
  loadGrants(keepLoaded = false): void {
    const read = ++this.grantReads;
    this.loadingGrants = true;
    this.loadingMoreGrants = false;
    this.gateway
      .access(true, { limit: HISTORY_PAGE_SIZE })
      .pipe(finalize(() => read === this.grantReads && (this.loadingGrants = false)))
      .subscribe({
        next: (r) => {
          if (read !== this.grantReads) return;
          const first = { items: r.grants, cursor: r.nextCursor ?? null };
          const list = keepLoaded ? refreshFirstPage({ items: this.grants, cursor: this.grantsCursor }, first) : first;
          this.grants = list.items;
          this.grantsCursor = list.cursor;
        },
        error: (error: unknown) => this.alerts.error(this.strings.Errors.loadConsent, error),
      });
  }

  /** Reads the next page of grants and adds it to the table. */
  loadMoreGrants(): void {
    const cursor = this.grantsCursor;
    if (cursor === null || this.loadingGrants || this.loadingMoreGrants) return;
    const read = this.grantReads;
    this.loadingMoreGrants = true;
    this.gateway
      .access(true, { limit: HISTORY_PAGE_SIZE, cursor })
      .pipe(finalize(() => read === this.grantReads && (this.loadingMoreGrants = false)))
      .subscribe({
        next: (r) => {
          if (read !== this.grantReads) return;
          this.grants = [...this.grants, ...r.grants];
          this.grantsCursor = r.nextCursor ?? null;
        },
        error: (error: unknown) => this.alerts.error(this.strings.Errors.loadConsent, error),
      });
  }

  fromDateChanged(value: string): void {
    this.fromDate = value;
    this.loadSessions();
  }

  /** Reads the first page of hits, newest first. */
  search(): void {
    const q = this.query.trim();
    if (!q) return;
    const read = ++this.searchReads;
    const from = this.fromDate || undefined;
    this.searching = true;
    this.loadingMoreHits = false;
    this.searchError = null;
    this.gateway
      .searchTranscripts(q, from, { limit: HISTORY_PAGE_SIZE })
      .pipe(finalize(() => read === this.searchReads && (this.searching = false)))
      .subscribe({
        next: (r) => {
          if (read !== this.searchReads) return;
          this.hits = r.hits;
          this.hitsCursor = r.nextCursor ?? null;
          this.searchedFor = q;
          this.searchFrom = from;
        },
        error: (error: unknown) => {
          if (read !== this.searchReads) return;
          this.hits = null;
          this.hitsCursor = null;
          this.searchError = error instanceof Error ? error.message : String(error);
        },
      });
  }

  /** Reads the next page of hits of the search shown (same words and date) and adds it below the others. */
  loadMoreHits(): void {
    const cursor = this.hitsCursor;
    const q = this.searchedFor;
    if (cursor === null || q === null || this.searching || this.loadingMoreHits) return;
    const read = this.searchReads;
    this.loadingMoreHits = true;
    this.searchError = null;
    this.gateway
      .searchTranscripts(q, this.searchFrom, { limit: HISTORY_PAGE_SIZE, cursor })
      .pipe(finalize(() => read === this.searchReads && (this.loadingMoreHits = false)))
      .subscribe({
        next: (r) => {
          if (read !== this.searchReads) return;
          this.hits = [...(this.hits ?? []), ...r.hits];
          this.hitsCursor = r.nextCursor ?? null;
        },
        // The hits read so far stay; the error says why no more came (SearchTooBroad: narrow the search).
        error: (error: unknown) => {
          if (read !== this.searchReads) return;
          this.searchError = error instanceof Error ? error.message : String(error);
        },
      });
  }

  grantState(g: GrantView): string {
    return this.strings.History.GrantState[g.state] ?? g.state;
  }

  readonly snippet = snippetParts;

  /** Near the end of the loaded rows, the next page is read, so the table grows as the admin scrolls. */
  private readonly onSessionsScroll = (event: Event): void => {
    const container = event.target as HTMLElement;
    if (!container.classList?.contains('sme-table-scroll-container')) return;
    if (container.scrollTop + container.offsetHeight >= container.scrollHeight - LOAD_AHEAD_PX) this.loadMoreSessions();
  };

  private onEvent(event: LiveEvent): void {
    if (event.type === 'session.started' || event.type === 'session.ended') this.sessionReloads.next();
    if (event.type.startsWith('grant.')) this.grantReloads.next();
  }
}
