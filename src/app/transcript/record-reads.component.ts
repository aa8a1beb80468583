import { Component, Input, OnChanges, OnDestroy } from '@angular/core';
import { Subscription } from 'rxjs';
import { finalize } from 'rxjs/operators';
import { RecordRead } from '../core/api-models';
import { formatCount, formatDateTime, formatUtc } from '../core/format';
import { RemoteSupportGateway } from '../core/remote-support-gateway';
import { ExtensionStrings, extensionStrings, format } from '../core/strings';
import { AlertLedger } from '../shared/alert-ledger';

/** Reads of the record asked for per page, on a transcript and in History. */
export const RECORD_READS_PAGE_SIZE = 50;

/**
 * A read of the record as the admin reads it: "Opened", "Exported as JSON",
 * "Verified: intact", "Searched the transcripts for “Stop-Service”". The
 * gateway's `detail` holds the export's format, the verification's outcome
 * or the words searched.
 */
export function readInWords(read: Pick<RecordRead, 'action' | 'detail'>, strings: ExtensionStrings): string {
  const s = strings.RecordReads;
  switch (read.action) {
    case 'exported': {
      const name = read.detail ? (s.Format as Record<string, string | undefined>)[read.detail] ?? read.detail : null;
      return name ? format(s.exportedAs, name) : s.Action.exported;
    }
    case 'verified':
      return read.detail === 'valid' ? s.verifiedValid : read.detail ? s.verifiedProblems : s.Action.verified;
    case 'searched':
      return read.detail ? format(s.searchedFor, read.detail) : s.Action.searched;
    default:
      return (s.Action as Record<string, string | undefined>)[read.action] ?? read.action;
  }
}

/**
 * Who read the record (the audit of the audit): on a transcript, the reads of
 * that session (`scope="session"`, loaded once `sessionId` is set, which the
 * viewer does after the transcript loaded, so the admin's own opening is in
 * the list); in History, every read of the cluster's record (`scope="cluster"`)
 * with the session each is about. Newest first, a page at a time.
 */
@Component({
  selector: 'rs-record-reads',
  templateUrl: './record-reads.component.html',
})
export class RecordReadsComponent implements OnChanges, OnDestroy {
  /** The session whose reads are shown (scope "session"); until it is set, nothing is read. */
  @Input() sessionId: string | null = null;
  /** "session": one transcript's reads; "cluster": every read of the record, with the session each is about. */
  @Input() scope: 'session' | 'cluster' = 'session';

  readonly strings = extensionStrings();
  readonly time = formatDateTime;
  readonly utc = formatUtc;

  reads: RecordRead[] = [];
  /** The nextCursor of the last page read; null once every read is loaded. */
  cursor: string | null = null;
  /** The first page's count, or null when the gateway did not count the list. */
  total: number | null = 0;
  loading = false;
  loadingMore = false;
  /** Why the last read failed, or null. */
  failed: string | null = null;
  /** Whether a first page has come (before it, "nobody read it" would be a guess). */
  loaded = false;
  /** On a transcript, the admin may fold the list away. */
  expanded = true;

  /** Bumped by every first-page read, so a page asked for before it is not added after it. */
  private generation = 0;
  private readonly subscriptions = new Subscription();

  constructor(
    private readonly gateway: RemoteSupportGateway,
    private readonly alerts: AlertLedger,
  ) {}

  get cluster(): boolean {
    return this.scope === 'cluster';
  }

  ngOnChanges(): void {
    this.reload();
  }

  ngOnDestroy(): void {
    this.generation++;
    this.subscriptions.unsubscribe();
  }

  /** Reads the first page again (after the admin verified or exported, whose reads are then recorded). */
  reload(): void {
    const generation = ++this.generation;
    if (!this.cluster && !this.sessionId) {
      this.reads = [];
      this.cursor = null;
      this.loaded = false;
      return;
    }
    this.loading = true;
    this.loadingMore = false;
    this.failed = null;
    this.subscriptions.add(
      this.gateway
        .recordReads(this.cluster ? undefined : this.sessionId ?? undefined, { limit: RECORD_READS_PAGE_SIZE })
        .pipe(finalize(() => generation === this.generation && (this.loading = false)))
        .subscribe({
          next: (r) => {
            if (generation !== this.generation) return;
            this.reads = r.reads;
            this.cursor = r.nextCursor ?? null;
            this.total = r.total ?? (r.nextCursor ? null : r.reads.length);
            this.loaded = true;
          },
          error: (error: unknown) => generation === this.generation && this.fail(error),
        }),
    );
  }

  /** Reads the next page and adds it below the others. */
  loadMore(): void {
    const cursor = this.cursor;
    if (cursor === null || this.loading || this.loadingMore) return;
    const generation = this.generation;
    this.loadingMore = true;
    this.failed = null;
    this.subscriptions.add(
      this.gateway
        .recordReads(this.cluster ? undefined : this.sessionId ?? undefined, { limit: RECORD_READS_PAGE_SIZE, cursor })
        .pipe(finalize(() => generation === this.generation && (this.loadingMore = false)))
        .subscribe({
          next: (r) => {
            if (generation !== this.generation) return;
            this.reads = [...this.reads, ...r.reads];
            this.cursor = r.nextCursor ?? null;
            this.total = this.total === null ? null : Math.max(r.total ?? this.total, this.reads.length);
          },
          error: (error: unknown) => generation === this.generation && this.fail(error),
        }),
    );
  }

  what(read: RecordRead): string {
    return readInWords(read, this.strings);
  }

  get countText(): string {
    const s = this.strings.RecordReads;
    const n = this.reads.length;
    if (this.cursor === null) return formatCount(n, s.countOne, s.count);
    return this.total === null ? format(s.countMore, n) : format(s.countOfTotal, n, this.total);
  }

  /** The date part of a time as formatDateTime writes it (`2026-12-03`). */
  datePart(iso: string): string {
    return formatDateTime(iso).split(' ')[0] ?? '';
  }

  /** The time of day and zone of a time as formatDateTime writes it (`07:54 PST`). */
  timePart(iso: string): string {
    return formatDateTime(iso).split(' ').slice(1).join(' ');
  }

  shortId(id: string): string {
    return id.length > 8 ? `${id.slice(0, 8)}…` : id;
  }

  private fail(error: unknown): void {
    const s = this.strings.RecordReads;
    this.failed = error instanceof Error ? error.message : String(error);
    this.alerts.error(s.loadFailed, error);
  }
}
