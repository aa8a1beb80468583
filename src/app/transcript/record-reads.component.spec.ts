import { ComponentFixture, TestBed } from '@angular/core/testing';
import { ActivatedRoute, convertToParamMap } from '@angular/router';
import { RouterTestingModule } from '@angular/router/testing';
import { of, Subject } from 'rxjs';
import { RecordRead, SessionDetail } from '../core/api-models';
import { extensionStrings } from '../core/strings';
import { AlertLedger } from '../shared/alert-ledger';
import { DomHarness, entries, FakeGateway, FakeLiveEventStream, gatewayError, iso, NOW, provideAppContextStub, provideFakeEvents, provideFakeGateway, session } from '../testing';
import { ListPageRequest } from '../core/remote-support-gateway';
import { readInWords, RECORD_READS_PAGE_SIZE } from './record-reads.component';
import { TranscriptViewerComponent } from './transcript-viewer.component';
import { TranscriptModule } from './transcript.module';

/** "Who read this transcript" on the viewer, as the admin reads it. */
class RecordReadsHarness extends DomHarness {
  rows(): HTMLElement[] {
    return this.queryAll('[data-testid="record-reads"] [data-testid="record-read"]');
  }
  actions(): string[] {
    return this.rows().map((r) => r.getAttribute('data-action') ?? '');
  }
  whats(): string[] {
    return this.rows().map((r) => (r.querySelector('[data-testid="record-read-what"]')?.textContent ?? '').trim());
  }
}

const read = (overrides: Partial<RecordRead> = {}): RecordRead => ({
  at: iso(NOW),
  action: 'viewed',
  by: 'admin@contoso.com',
  byId: 'entra:72f988bf/6a1f0c2e',
  sessionId: session().id,
  detail: null,
  intact: true,
  ...overrides,
});

describe('RecordReadsComponent (who read this transcript)', () => {
  const SESSION = session({ endedAt: iso(NOW - 60_000), endReason: 'closed', durationSeconds: 540 });
  const strings = extensionStrings();
  let gateway: FakeGateway;
  let fixture: ComponentFixture<TranscriptViewerComponent>;
  let page: RecordReadsHarness;
  /** The reads the fake gateway has recorded, oldest first (as it records them). */
  let recorded: RecordRead[];
  let clock: number;

  /** As the gateway does: opening a transcript (its first page), exporting and verifying are recorded, and listed newest first, a page at a time. */
  function recordLikeTheGateway(): void {
    const record = (action: RecordRead['action'], detail: string | null = null) => recorded.push(read({ at: iso((clock += 1000)), action, detail }));
    gateway.session.mockImplementation((_id: string, p?: { offset: number; limit: number }) => {
      if (p?.offset === 0) record('viewed');
      const all = entries(4);
      return of(p ? { session: SESSION, transcript: { offset: p.offset, limit: p.limit, total: all.length, entries: all.slice(p.offset, p.offset + p.limit) } } : { session: SESSION });
    });
    gateway.verify.mockImplementation(() => {
      record('verified', 'valid');
      return of({ verification: { valid: true, entries: 4, firstBadSeq: null, problem: null } });
    });
    gateway.exportTranscript.mockImplementation((_id: string, format: 'json' | 'text') => {
      record('exported', format);
      return of('x');
    });
    gateway.recordReads.mockImplementation((sessionId?: string, p?: ListPageRequest) => {
      const newestFirst = [...recorded].reverse().filter((r) => !sessionId || r.sessionId === sessionId);
      const start = p?.cursor ? Number(p.cursor.slice('after-'.length)) : 0;
      const end = start + (p?.limit ?? 100);
      return of({ reads: newestFirst.slice(start, end), nextCursor: end < newestFirst.length ? `after-${end}` : null, total: p?.cursor ? null : newestFirst.length });
    });
  }

  async function create(): Promise<void> {
    await TestBed.configureTestingModule({
      imports: [TranscriptModule, RouterTestingModule],
      providers: [
        provideFakeGateway(gateway),
        provideFakeEvents(new FakeLiveEventStream()),
        provideAppContextStub(),
        { provide: ActivatedRoute, useValue: { paramMap: of(convertToParamMap({ sessionId: SESSION.id })), snapshot: { queryParamMap: convertToParamMap({}) } } },
      ],
    }).compileComponents();
    TestBed.inject(AlertLedger).clear();
    fixture = TestBed.createComponent(TranscriptViewerComponent);
    page = new RecordReadsHarness(fixture);
    await page.settle();
  }

  beforeEach(() => {
    gateway = new FakeGateway();
    recorded = [];
    clock = NOW;
    recordLikeTheGateway();
  });

  it('says in words what each read did, and who did it when', () => {
    expect(readInWords(read({ action: 'viewed' }), strings)).toBe('Opened');
    expect(readInWords(read({ action: 'exported', detail: 'json' }), strings)).toBe('Exported as JSON');
    expect(readInWords(read({ action: 'exported', detail: 'text' }), strings)).toBe('Exported as text');
    expect(readInWords(read({ action: 'verified', detail: 'valid' }), strings)).toBe('Verified: intact');
    expect(readInWords(read({ action: 'verified', detail: 'problems found' }), strings)).toBe('Verified: problems found');
    expect(readInWords(read({ action: 'verified', detail: null }), strings)).toBe('Verified');
    expect(readInWords(read({ action: 'searched', sessionId: null, detail: 'Stop-Service ClusSvc' }), strings)).toBe('Searched the transcripts for “Stop-Service ClusSvc”');
  });

  it('lists the reads of the transcript newest first, in words, with the time in the admin\'s zone (UTC on hover) and who read it', async () => {
    recorded.push(
      read({ at: iso(NOW - 3 * 60_000), action: 'exported', detail: 'text', by: 'auditor@contoso.com', byId: 'entra:t/auditor' }),
      read({ at: iso(NOW - 2 * 60_000), action: 'verified', detail: 'problems found' }),
      read({ at: iso(NOW - 60_000), action: 'exported', detail: 'json' }),
    );
    await create();
    expect(page.byTestId('record-reads')).not.toBeNull();
    expect(page.actions()).toEqual(['viewed', 'exported', 'verified', 'exported']);
    expect(page.whats()).toEqual(['Opened', 'Exported as JSON', 'Verified: problems found', 'Exported as text']);
    const last = page.rows()[3]!;
    expect(last.querySelector('[data-testid="record-read-who"]')!.textContent!.trim()).toBe('auditor@contoso.com');
    expect(last.querySelector('[data-testid="record-read-who"]')!.getAttribute('title')).toBe('entra:t/auditor');
    const when = last.querySelector('[data-testid="record-read-when"]')!;
    expect(when.textContent).toBe('2026-11-25 11:57 UTC');
    expect(when.getAttribute('title')).toBe('2026-11-25 11:57:00 UTC');
    expect(page.text('[data-testid="record-reads"] h2')).toBe('Who read this transcript (4 reads)');
    // Never the gateway's codes.
    expect(page.text('[data-testid="record-reads-table"]')).not.toMatch(/\bviewed\b|\bexported\b|\bverified\b|\bjson\b/);
  });

  it('warns on a row that was changed without the record key', async () => {
    recorded.push(read({ at: iso(NOW - 60_000), action: 'exported', detail: 'json', intact: false }));
    await create();
    const [own, changed] = page.rows();
    expect(own!.querySelector('[data-testid="record-read-warning"]')).toBeNull();
    expect(changed!.getAttribute('data-intact')).toBe('false');
    expect(changed!.querySelector('[data-testid="record-read-warning"]')!.textContent).toContain('This row was changed without the record key: what it says may not be true.');
  });

  it('reads who read the transcript only after the transcript loaded, so the admin\'s own opening is in the list', async () => {
    const slow = new Subject<SessionDetail>();
    gateway.session.mockImplementationOnce(() => {
      recorded.push(read({ at: iso(NOW + 1000), action: 'viewed' }));
      return slow;
    });
    await create();
    expect(gateway.recordReads).not.toHaveBeenCalled();
    slow.next({ session: SESSION, transcript: { offset: 0, limit: 1000, total: 4, entries: entries(4) } });
    slow.complete();
    await page.settle();
    expect(gateway.recordReads).toHaveBeenCalledTimes(1);
    expect(gateway.recordReads).toHaveBeenCalledWith(SESSION.id, { limit: RECORD_READS_PAGE_SIZE });
    expect(page.whats()).toEqual(['Opened']);
    expect(page.rows()[0]!.querySelector('[data-testid="record-read-who"]')!.textContent!.trim()).toBe('admin@contoso.com');
  });

  it('reads the next page with Show more, until every read is shown', async () => {
    for (let i = 0; i < 70; i++) recorded.push(read({ at: iso(NOW - (100 - i) * 60_000), action: i % 2 ? 'verified' : 'exported', detail: i % 2 ? 'valid' : 'json' }));
    await create();
    expect(page.rows()).toHaveLength(RECORD_READS_PAGE_SIZE);
    expect(page.text('[data-testid="record-reads"] h2')).toBe('Who read this transcript (50 of 71 reads)');
    await page.clickTestId('record-reads-more');
    expect(gateway.recordReads).toHaveBeenLastCalledWith(SESSION.id, { limit: RECORD_READS_PAGE_SIZE, cursor: 'after-50' });
    expect(page.rows()).toHaveLength(71);
    expect(page.byTestId('record-reads-more')).toBeNull();
    expect(page.text('[data-testid="record-reads"] h2')).toBe('Who read this transcript (71 reads)');
  });

  it('shows the admin\'s verification and exports among the reads as soon as they are done', async () => {
    (URL as unknown as { createObjectURL: () => string }).createObjectURL = () => 'blob:test';
    (URL as unknown as { revokeObjectURL: () => void }).revokeObjectURL = () => undefined;
    jest.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(() => undefined);
    await create();
    expect(page.whats()).toEqual(['Opened']);
    await page.clickTestId('verify');
    expect(page.whats()).toEqual(['Verified: intact', 'Opened']);
    await page.clickTestId('download-json');
    await page.clickTestId('download-text');
    expect(page.whats()).toEqual(['Exported as text', 'Exported as JSON', 'Verified: intact', 'Opened']);
    jest.restoreAllMocks();
  });

  it('says so when nobody read the transcript, and can be folded away', async () => {
    gateway.answer('recordReads', { reads: [], nextCursor: null, total: 0 });
    await create();
    expect(page.testIdText('record-reads-none')).toBe('Nobody has read this transcript yet.');
    const toggle = page.byTestId('record-reads-toggle')!;
    expect(toggle.getAttribute('aria-expanded')).toBe('true');
    await page.clickTestId('record-reads-toggle');
    expect(toggle.getAttribute('aria-expanded')).toBe('false');
    expect(page.query<HTMLElement>('#rs-record-reads-list')!.hidden).toBe(true);
  });

  it('says why the reads could not be read, and reads them again on Try again', async () => {
    gateway.fail('recordReads', gatewayError('Forbidden', 'Only cluster administrators may read the audit', null, 403));
    await create();
    expect(page.testIdText('record-reads-error')).toContain('Could not read who read the record: Only cluster administrators may read the audit');
    expect(TestBed.inject(AlertLedger).alerts[0]!.message).toBe('Could not read who read the record: Only cluster administrators may read the audit');
    // The transcript itself is still shown.
    expect(page.queryAll('[data-testid="entries"] li')).toHaveLength(4);
    recordLikeTheGateway();
    await page.clickTestId('record-reads-retry');
    expect(page.byTestId('record-reads-error')).toBeNull();
    expect(page.whats()).toEqual(['Opened']);
  });
});
