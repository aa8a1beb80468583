import { ChangeDetectorRef, Component, ElementRef, NgZone, OnDestroy, OnInit, ViewChild } from '@angular/core';
import { ActivatedRoute } from '@angular/router';
import { EMPTY, Subscription } from 'rxjs';
import { expand, finalize, map } from 'rxjs/operators';
import { ChainCheck, LiveEvent, SessionDetail, SessionView, TranscriptEntry, TranscriptKind } from '../core/api-models';
import { formatDateTime, formatDurationSeconds, formatEndReason, formatUtc } from '../core/format';
import { LiveEventStream } from '../core/live-event-stream';
import { RemoteSupportGateway } from '../core/remote-support-gateway';
import { extensionStrings, format } from '../core/strings';
import { downloadFile, exportFile } from '../core/transcript-export';
import { TranscriptExportFormat } from '../core/remote-support-gateway';
import { AlertLedger } from '../shared/alert-ledger';
import { RecordReadsComponent } from './record-reads.component';
import { findMatches } from './transcript-find';
import { EntryReading, readTranscript } from './transcript-reading';

/** How many entries one request reads (the API's maximum). */
export const TRANSCRIPT_PAGE_SIZE = 1000;

const toIso = (at: unknown): string => (typeof at === 'number' ? new Date(at).toISOString() : String(at));

/**
 * One session's transcript: every command, output, denial and system event
 * in order with its time and node; find-in-transcript; follow live while the
 * session runs; the integrity check of the hash chain; download as text or JSON.
 */
@Component({
  selector: 'rs-transcript-viewer',
  templateUrl: './transcript-viewer.component.html',
})
export class TranscriptViewerComponent implements OnInit, OnDestroy {
  readonly strings = extensionStrings();
  readonly time = formatDateTime;
  readonly utc = formatUtc;
  readonly duration = formatDurationSeconds;
  readonly endReason = formatEndReason;

  sessionId = '';
  session: SessionView | null = null;
  entries: TranscriptEntry[] = [];
  total = 0;
  loading = false;
  loadFailed = false;
  follow = true;
  verification: ChainCheck | null = null;
  verifying = false;
  verifyError: string | null = null;

  findText = '';
  matches: number[] = [];
  currentMatch = -1;
  /** The entry a search result pointed at (?seq=), shown highlighted. */
  focusSeq: number | null = null;
  /** Whether the admin came from the history (?from=history): Back returns there. */
  fromHistory = false;
  /**
   * The session whose reads "Who read this transcript" shows: set once the
   * transcript has loaded, so the list holds the admin's own opening of it.
   */
  readsFor: string | null = null;

  @ViewChild(RecordReadsComponent) private recordReads?: RecordReadsComponent;

  private readonly subscriptions = new Subscription();
  private loadSubscription?: Subscription;
  private unwatch?: () => void;

  constructor(
    private readonly route: ActivatedRoute,
    private readonly gateway: RemoteSupportGateway,
    private readonly events: LiveEventStream,
    private readonly alerts: AlertLedger,
    private readonly host: ElementRef<HTMLElement>,
    private readonly zone: NgZone,
    private readonly changes: ChangeDetectorRef,
  ) {}

  ngOnInit(): void {
    this.subscriptions.add(
      this.route.paramMap.subscribe((params) => {
        const id = params.get('sessionId') ?? '';
        const q = this.route.snapshot.queryParamMap;
        this.focusSeq = q.get('seq') ? Number(q.get('seq')) : null;
        this.findText = q.get('find') ?? '';
        this.fromHistory = q.get('from') === 'history';
        this.open(id);
      }),
    );
    this.subscriptions.add(this.events.events$.subscribe((e) => this.onEvent(e)));
  }

  ngOnDestroy(): void {
    this.unwatch?.();
    this.loadSubscription?.unsubscribe();
    this.subscriptions.unsubscribe();
  }

  get live(): boolean {
    return !!this.session && this.session.endedAt === null;
  }

  /** A live entry arrived while a read was under way: read again once it is done. */
  private newerWhileLoading = false;

  get loadedAll(): boolean {
    return this.entries.length >= this.total;
  }

  /** Loads the session and its whole transcript, a page at a time. */
  open(id: string): void {
    // Live entries of this session: the event stream sends them anyway; a polling transport reads them while watched.
    this.unwatch?.();
    this.unwatch = this.events.watchTranscript(id);
    this.sessionId = id;
    this.session = null;
    this.entries = [];
    this.total = 0;
    this.verification = null;
    this.verifyError = null;
    this.loadFailed = false;
    this.newerWhileLoading = false;
    this.readsFor = null;
    this.loadFrom(0);
  }

  private loadFrom(offset: number): void {
    this.loading = true;
    this.loadSubscription?.unsubscribe();
    const page = (from: number) => this.gateway.session(this.sessionId, { offset: from, limit: TRANSCRIPT_PAGE_SIZE });
    this.loadSubscription = page(offset)
      .pipe(
        expand((detail: SessionDetail) => {
          const t = detail.transcript;
          const next = t ? t.offset + t.entries.length : 0;
          return t && t.entries.length > 0 && next < t.total ? page(next) : EMPTY;
        }),
        map((detail) => this.addPage(detail)),
        finalize(() => {
          this.loading = false;
          this.refreshMatches();
          this.scrollToFocus();
        }),
      )
      .subscribe({
        error: (error: unknown) => {
          this.loadFailed = true;
          this.alerts.error(this.strings.Errors.loadTranscript, error);
        },
        complete: () => {
          // The gateway recorded the opening with the first page: the reads now include it.
          this.readsFor = this.sessionId;
          // Entries announced while this read was under way may be newer than what it read: read on from here.
          if (this.newerWhileLoading) {
            this.newerWhileLoading = false;
            this.loadFrom(this.entries.length);
          }
        },
      });
  }

  private addPage(detail: SessionDetail): void {
    this.session = detail.session;
    const t = detail.transcript;
    if (!t) return;
    this.total = Math.max(t.total, this.total);
    this.append(t.entries);
  }

  /** Adds entries in sequence order, ignoring any already shown. */
  private append(entries: readonly TranscriptEntry[]): void {
    const last = this.entries.length ? this.entries[this.entries.length - 1]!.seq : 0;
    const fresh = entries.filter((e) => e.seq > last).sort((a, b) => a.seq - b.seq);
    if (!fresh.length) return;
    this.entries = [...this.entries, ...fresh];
    this.total = Math.max(this.total, this.entries.length);
  }

  private onEvent(event: LiveEvent): void {
    const data = event.data as { sessionId?: string; id?: string } | null;
    if (!data) return;
    if (event.type === 'transcript.entry' && data.sessionId === this.sessionId && this.loading) {
      // Not dropped: the read under way may have missed it, so another read follows it.
      this.newerWhileLoading = true;
      return;
    }
    if (event.type === 'transcript.entry' && data.sessionId === this.sessionId) {
      const raw = event.data as TranscriptEntry & { sessionId: string; at: unknown };
      const entry: TranscriptEntry = { seq: raw.seq, at: toIso(raw.at), kind: raw.kind, node: raw.node, text: raw.text, prevHash: raw.prevHash, hash: raw.hash };
      const last = this.entries.length ? this.entries[this.entries.length - 1]!.seq : 0;
      if (entry.seq === last + 1) {
        this.append([entry]);
        if (this.session && entry.kind === 'command') this.session = { ...this.session, commandCount: this.session.commandCount + 1 };
      } else if (entry.seq > last + 1) {
        this.loadFrom(this.entries.length); // a gap (missed events): read what is missing
        return;
      }
      this.refreshMatches();
      if (this.follow) this.scrollToEnd();
      this.changes.markForCheck();
    }
    if (event.type === 'session.ended' && data.id === this.sessionId) {
      this.gateway.session(this.sessionId).subscribe({ next: (d) => (this.session = d.session), error: () => undefined });
    }
  }

  // ---- find in transcript ----

  findChanged(text: string): void {
    this.findText = text;
    this.refreshMatches();
    if (this.matches.length) this.goToMatch(0);
  }

  nextMatch(): void {
    if (this.matches.length) this.goToMatch((this.currentMatch + 1) % this.matches.length);
  }

  previousMatch(): void {
    if (this.matches.length) this.goToMatch((this.currentMatch - 1 + this.matches.length) % this.matches.length);
  }

  get matchText(): string {
    if (!this.findText.trim()) return '';
    if (!this.matches.length) return this.strings.Transcript.noMatches;
    return format(this.strings.Transcript.matchCount, this.currentMatch + 1, this.matches.length);
  }

  isCurrentMatch(seq: number): boolean {
    return this.currentMatch >= 0 && this.matches[this.currentMatch] === seq;
  }

  private refreshMatches(): void {
    const current = this.currentMatch >= 0 ? this.matches[this.currentMatch] : undefined;
    this.matches = findMatches(this.readings.map((r) => ({ seq: r.seq, text: r.searchable, node: r.node })), this.findText);
    const kept = current === undefined ? -1 : this.matches.indexOf(current);
    this.currentMatch = kept >= 0 ? kept : this.matches.length ? 0 : -1;
  }

  private goToMatch(index: number): void {
    this.currentMatch = index;
    this.scrollToSeq(this.matches[index]!);
  }

  // ---- integrity and export ----

  verify(): void {
    this.verifying = true;
    this.verifyError = null;
    this.gateway
      .verify(this.sessionId)
      .pipe(finalize(() => (this.verifying = false)))
      .subscribe({
        next: (r) => {
          this.verification = r.verification;
          // The gateway recorded this verification: show it among the reads.
          this.recordReads?.reload();
        },
        error: (error: unknown) => (this.verifyError = error instanceof Error ? error.message : String(error)),
      });
  }

  get verificationText(): string {
    const v = this.verification;
    if (!v) return '';
    return v.valid ? format(this.strings.Transcript.intact, v.entries) : format(this.strings.Transcript.tampered, v.firstBadSeq ?? '?', v.problem ?? '');
  }

  downloadText(): void {
    this.download('text');
  }

  downloadJson(): void {
    this.download('json');
  }

  /** Saves the gateway's export of the session: the same file the CLI and the API give. */
  private download(format: TranscriptExportFormat): void {
    if (!this.session) return;
    const id = this.sessionId;
    this.gateway.exportTranscript(id, format).subscribe({
      next: (content) => {
        const file = exportFile(id, format);
        downloadFile(file.name, file.type, content);
        // The gateway recorded this export: show it among the reads.
        this.recordReads?.reload();
      },
      error: (error: unknown) => this.alerts.error(this.strings.Errors.exportTranscript, error),
    });
  }

  kindName(kind: TranscriptKind): string {
    return this.strings.Transcript.Kind[kind] ?? kind;
  }

  byseq(_: number, e: { seq: number }): number {
    return e.seq;
  }

  /** An entry's time with seconds and the zone named (its UTC time on hover). */
  entryTime(at: string): string {
    return formatDateTime(at, { seconds: true });
  }

  private readFor: { entries: TranscriptEntry[]; session: SessionView } | null = null;
  private read: EntryReading[] = [];

  /** The entries as a person reads them (prompt, command, output, denial in words); read again only when entries change. */
  get readings(): EntryReading[] {
    const session = this.session;
    if (!session) return [];
    if (this.readFor?.entries !== this.entries || this.readFor.session !== session) {
      this.read = readTranscript(this.entries, session.accessLevel, session.nodes, this.strings);
      this.readFor = { entries: this.entries, session };
    }
    return this.read;
  }


  // ---- scrolling (after Angular has rendered) ----

  private scrollToEnd(): void {
    this.afterRender(() => {
      const list = this.host.nativeElement.querySelector<HTMLElement>('.rs-transcript-entries');
      const last = list?.lastElementChild as HTMLElement | null;
      last?.scrollIntoView?.({ block: 'end' });
    });
  }

  private scrollToSeq(seq: number): void {
    this.afterRender(() => this.host.nativeElement.querySelector<HTMLElement>(`[data-seq="${seq}"]`)?.scrollIntoView?.({ block: 'center' }));
  }

  private scrollToFocus(): void {
    if (this.focusSeq !== null) this.scrollToSeq(this.focusSeq);
  }

  private afterRender(action: () => void): void {
    this.zone.runOutsideAngular(() => setTimeout(action, 0));
  }
}
