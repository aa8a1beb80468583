import { ToolRefresh } from '../tool/tool-refresh';
import { AfterViewChecked, AfterViewInit, Component, ElementRef, Inject, NgZone, OnDestroy, OnInit, ViewChild } from '@angular/core';
import { DataTableComponent } from '@microsoft/windows-admin-center-sdk/angular';
import { Subject, Subscription } from 'rxjs';
import { debounceTime, finalize } from 'rxjs/operators';
import { GrantView, LiveEvent, SearchHit, SessionView } from '../core/api-models';
import { Clock, CLOCK } from '../core/clock';
import { formatCount, formatDateTime, formatDurationSeconds, formatEndReason, formatUtc, toDateInput, zoneName } from '../core/format';
import { LiveEventStream } from '../core/live-event-stream';
import { RemoteSupportGateway } from '../core/remote-support-gateway';
import { extensionStrings, format } from '../core/strings';
import { AlertLedger } from '../shared/alert-ledger';
import { RecordReadsComponent } from '../transcript/record-reads.component';

/** The sessions table shows at most this many rows before it scrolls; with fewer, it is as tall as its rows. */
export const TABLE_MAX_ROWS = 10;
/** The SDK data table's header height, in pixels. */
const TABLE_HEADER_PX = 29;
/**
 * The height of a row, in pixels: two lines, so a level ("Diagnostics and
 * repair"), a time (date, then time of day) or an end reason wraps between
 * words instead of being cut. The SDK's table needs one height for every row.
 */
export const TABLE_ROW_PX = 48;

/** Whether text is a date as `YYYY-MM-DD` that exists (2026-02-30 does not). */
export function isIsoDate(text: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (!m) return false;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return d.getUTCFullYear() === Number(m[1]) && d.getUTCMonth() === Number(m[2]) - 1 && d.getUTCDate() === Number(m[3]);
}

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
 * every transcript, the consent history with expired and revoked grants
 * of the last 30 days, and, when the admin asks, who read the record.
 */
@Component({
  selector: 'rs-history',
  templateUrl: './history.component.html',
})
export class HistoryComponent implements OnInit, AfterViewInit, AfterViewChecked, OnDestroy {
  readonly strings = extensionStrings();
  readonly time = formatDateTime;
  readonly utc = formatUtc;
  readonly rowHeight = TABLE_ROW_PX;
  readonly duration = formatDurationSeconds;
  readonly endReason = formatEndReason;

  /** The date part of a time as formatDateTime writes it (`2026-12-03`). */
  datePart(iso: string | null): string {
    return formatDateTime(iso).split(' ')[0] ?? '';
  }

  /** The time of day and zone of a time as formatDateTime writes it (`07:54 PST`). */
  timePart(iso: string | null): string {
    return formatDateTime(iso).split(' ').slice(1).join(' ');
  }

  // Tooltips with the full value, for the cells the table may cut at a narrow width.
  readonly tipEngineer = (s: SessionView) => s.engineer;
  readonly tipCase = (s: SessionView) => s.supportCase ?? '';
  readonly tipLevel = (s: SessionView) => this.level(s);

  /** A session's level as an admin reads it ("Diagnostics and repair"). */
  level(s: Pick<SessionView, 'accessLevel'>): string {
    return this.strings.Level[s.accessLevel];
  }
  readonly tipNodes = (s: SessionView) => s.nodes.join(', ');
  readonly tipStarted = (s: SessionView) => `${formatDateTime(s.startedAt)} (${formatUtc(s.startedAt)})`;
  /** When and why a session ended, in full (the table has no column of its own for the end time). */
  readonly tipEnded = (s: SessionView) => (s.endedAt ? format(this.strings.History.endedAtTip, this.endReason(s), formatDateTime(s.endedAt), formatUtc(s.endedAt)) : this.endReason(s));
  readonly tipDuration = this.tipEnded;
  readonly tipEndReason = this.tipEnded;

  /** The date the history starts from, `YYYY-MM-DD` (empty: every session). */
  fromDate: string;
  /** Why the date typed was not used; null when it was. */
  fromDateError: string | null = null;
  /** An example of the date format, today's date. */
  readonly dateExample: string;
  /** The viewer's time zone as times name it. */
  readonly zone: string;
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

  /**
   * Whether "Who read the record" is shown. It is read when the admin asks,
   * not with every visit: most visits are about sessions.
   */
  showReads = false;

  @ViewChild(RecordReadsComponent) private recordReads?: RecordReadsComponent;
  @ViewChild('sessionsHost') private sessionsHost?: ElementRef<HTMLElement>;
  @ViewChild(DataTableComponent) private sessionsTable?: DataTableComponent;
  /** The table height last laid out: the table renders the rows that fit, so it lays them out again when it changes. */
  private laidOutHeight = 0;
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
    private readonly ngZone: NgZone,
    private readonly refresh: ToolRefresh,
  ) {
    this.fromDate = toDateInput(this.clock.now() - DEFAULT_HISTORY_DAYS * DAY_MS);
    this.dateExample = toDateInput(this.clock.now());
    this.zone = zoneName(this.clock.now());
  }

  /** As tall as its rows (no empty box under a short list), scrolling past TABLE_MAX_ROWS. */
  get tableHeight(): number {
    const rows = Math.min(Math.max(this.sessions.length, 1), TABLE_MAX_ROWS);
    return TABLE_HEADER_PX + rows * TABLE_ROW_PX + 2;
  }

  get sessionCountText(): string {
    const h = this.strings.History;
    const n = this.sessions.length;
    if (this.sessionsCursor === null) return formatCount(n, h.sessionCountOne, h.sessionCount);
    return this.sessionsTotal === null ? format(h.sessionCountMore, n) : format(h.sessionCountOfTotal, n, this.sessionsTotal);
  }

  get hitCountText(): string {
    const h = this.strings.History;
    const n = this.hits?.length ?? 0;
    const q = this.searchedFor ?? '';
    return this.hitsCursor === null ? formatCount(n, h.hitCountOne, h.hitCount, q) : format(h.hitCountMore, n, q);
  }

  ngOnInit(): void {
    this.loadSessions();
    this.loadGrants();
    // A burst of events causes one read of each list's first page; the pages loaded after it stay.
    this.subscriptions.add(this.sessionReloads.pipe(debounceTime(300)).subscribe(() => this.loadSessions(true)));
    this.subscriptions.add(this.grantReloads.pipe(debounceTime(300)).subscribe(() => this.loadGrants(true)));
    this.subscriptions.add(this.events.events$.subscribe((e) => this.onEvent(e)));
    // The toolbar's Refresh reads both lists again from their first page.
    this.subscriptions.add(this.refresh.requests$.subscribe(() => {
      this.loadSessions();
      this.loadGrants();
      this.recordReads?.reload();
    }));
  }

  ngAfterViewInit(): void {
    // The data table scrolls inside its own container, and scroll events do not bubble: listen in the capture phase.
    this.sessionsHost?.nativeElement.addEventListener('scroll', this.onSessionsScroll, true);
  }

  ngAfterViewChecked(): void {
    const height = this.tableHeight;
    if (height === this.laidOutHeight) return;
    this.laidOutHeight = height;
    // Only a table the browser has laid out has rows to lay out again (and a destroyed one has none).
    this.ngZone.runOutsideAngular(() =>
      setTimeout(() => {
        if (!this.destroyed && this.sessionsHost?.nativeElement.offsetHeight) this.sessionsTable?.refresh();
      }, 0),
    );
  }

  private destroyed = false;

  ngOnDestroy(): void {
    this.destroyed = true;
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

  /** A date typed as `YYYY-MM-DD` (or nothing, for every session) reads the sessions since then; anything else is explained and not used. */
  fromDateChanged(value: string): void {
    const text = value.trim();
    if (text && !isIsoDate(text)) {
      this.fromDateError = format(this.strings.History.fromDateInvalid, this.dateExample);
      return;
    }
    this.fromDateError = null;
    if (text === this.fromDate) return;
    this.fromDate = text;
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
          // The gateway recorded this search: show it among the reads.
          this.recordReads?.reload();
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

  /** Shows or hides who read the record (shown, it reads the first page). */
  toggleReads(): void {
    this.showReads = !this.showReads;
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
