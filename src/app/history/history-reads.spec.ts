import { Component } from '@angular/core';
import { ComponentFixture, TestBed } from '@angular/core/testing';
import { RouterTestingModule } from '@angular/router/testing';
import { TooltipModule } from '@microsoft/windows-admin-center-sdk/angular';
import { of } from 'rxjs';
import { RecordRead } from '../core/api-models';
import { ListPageRequest } from '../core/remote-support-gateway';
import { AlertLedger } from '../shared/alert-ledger';
import { ToolRefresh } from '../tool/tool-refresh';
import { DomHarness, FakeClock, FakeGateway, FakeLiveEventStream, gatewayError, iso, NOW, provideAppContextStub, provideFakeClock, provideFakeEvents, provideFakeGateway } from '../testing';
import { RECORD_READS_PAGE_SIZE } from '../transcript/record-reads.component';
import { HistoryModule } from './history.module';

@Component({ template: `<sme-tooltip-host></sme-tooltip-host><rs-history></rs-history>` })
class HostComponent {}

/** History's "Who read the record", as the admin uses it. */
class ReadsHarness extends DomHarness {
  rows(): HTMLElement[] {
    return this.queryAll('[data-testid="history-reads"] [data-testid="record-read"]');
  }
  cells(row: HTMLElement): string[] {
    return Array.from(row.querySelectorAll('td')).map((td) => (td.textContent ?? '').replace(/\s+/g, ' ').trim());
  }
}

const read = (overrides: Partial<RecordRead> = {}): RecordRead => ({
  at: iso(NOW),
  action: 'viewed',
  by: 'admin@contoso.com',
  byId: 'entra:t/admin',
  sessionId: '11111111-1111-4111-8111-111111111111',
  detail: null,
  intact: true,
  ...overrides,
});

describe('History: who read the record', () => {
  let gateway: FakeGateway;
  let fixture: ComponentFixture<HostComponent>;
  let page: ReadsHarness;
  /** The cluster's reads, newest first. */
  let all: RecordRead[];

  /** Answers from `all` a page at a time, as the gateway does (only the first page counts the list). */
  function serveReads(): void {
    gateway.recordReads.mockImplementation((sessionId?: string, p?: ListPageRequest) => {
      const list = all.filter((r) => !sessionId || r.sessionId === sessionId);
      const start = p?.cursor ? Number(p.cursor.slice('after-'.length)) : 0;
      const end = start + (p?.limit ?? 100);
      return of({ reads: list.slice(start, end), nextCursor: end < list.length ? `after-${end}` : null, total: p?.cursor ? null : list.length });
    });
  }

  async function create(): Promise<void> {
    TestBed.configureTestingModule({
      imports: [HistoryModule, RouterTestingModule, TooltipModule],
      declarations: [HostComponent],
      providers: [provideFakeGateway(gateway), provideFakeEvents(new FakeLiveEventStream()), provideAppContextStub(), provideFakeClock(new FakeClock())],
    });
    TestBed.inject(AlertLedger).clear();
    fixture = TestBed.createComponent(HostComponent);
    page = new ReadsHarness(fixture);
    await page.settle();
  }

  beforeEach(() => {
    gateway = new FakeGateway();
    all = [
      read({ at: iso(NOW - 60_000), action: 'searched', sessionId: null, detail: 'Restart-Service ClusSvc', by: 'auditor@contoso.com', byId: 'entra:t/auditor' }),
      read({ at: iso(NOW - 2 * 60_000), action: 'exported', detail: 'json', sessionId: '22222222-2222-4222-8222-222222222222' }),
      read({ at: iso(NOW - 3 * 60_000), action: 'verified', detail: 'valid' }),
      read({ at: iso(NOW - 4 * 60_000), action: 'viewed', intact: false }),
    ];
    serveReads();
  });

  it('reads who read the record only when the admin asks, for the whole cluster', async () => {
    await create();
    expect(gateway.recordReads).not.toHaveBeenCalled();
    expect(page.byTestId('history-reads')).toBeNull();
    const button = page.byTestId('history-view-reads')!;
    expect(button.textContent!.trim()).toBe('Show who read the record');
    expect(button.getAttribute('aria-expanded')).toBe('false');
    await page.clickTestId('history-view-reads');
    expect(gateway.recordReads).toHaveBeenCalledWith(undefined, { limit: RECORD_READS_PAGE_SIZE });
    expect(button.getAttribute('aria-expanded')).toBe('true');
    expect(button.getAttribute('aria-controls')).toBe('rs-history-reads');
    await page.clickTestId('history-view-reads');
    expect(page.byTestId('history-reads')).toBeNull();
  });

  it('lists every read in words: when, who, what, and the transcript it was about, with the words of a search', async () => {
    await create();
    await page.clickTestId('history-view-reads');
    const rows = page.rows();
    expect(rows.map((r) => r.getAttribute('data-action'))).toEqual(['searched', 'exported', 'verified', 'viewed']);
    expect(page.cells(rows[0]!)).toEqual(['2026-11-25 11:59 UTC', 'auditor@contoso.com', 'Searched the transcripts for “Restart-Service ClusSvc”', 'All transcripts']);
    expect(page.cells(rows[1]!)).toEqual(['2026-11-25 11:58 UTC', 'admin@contoso.com', 'Exported as JSON', 'Open 22222222…']);
    expect(page.cells(rows[2]!)[2]).toBe('Verified: intact');
    expect(rows[3]!.querySelector('[data-testid="record-read-what"]')!.textContent).toBe('Opened');
    expect(rows[3]!.getAttribute('data-intact')).toBe('false');
    expect(rows[3]!.querySelector('[data-testid="record-read-warning"]')!.textContent!.trim()).toBe('⚠ This row was changed without the record key: what it says may not be true.');
    expect(rows.filter((r) => r.querySelector('[data-testid="record-read-warning"]'))).toHaveLength(1);
    expect(rows[0]!.querySelector('[data-testid="record-read-session"]')).toBeNull();
    const link = rows[1]!.querySelector('[data-testid="record-read-session"]')!;
    expect(link.getAttribute('href')).toBe('/sessions/22222222-2222-4222-8222-222222222222?from=history');
    expect(link.getAttribute('aria-label')).toBe('Open the transcript of session 22222222-2222-4222-8222-222222222222');
    expect(page.testIdText('record-reads-count')).toBe('4 reads');
    // One place per page: the transcript's own section is not here.
    expect(page.byTestId('record-reads')).toBeNull();
  });

  it('reads the next page with Show more, until every read is shown', async () => {
    all = Array.from({ length: 120 }, (_, i) => read({ at: iso(NOW - i * 60_000), sessionId: `s-${i}` }));
    await create();
    await page.clickTestId('history-view-reads');
    expect(page.rows()).toHaveLength(RECORD_READS_PAGE_SIZE);
    expect(page.testIdText('record-reads-count')).toBe('50 of 120 reads');
    await page.clickTestId('record-reads-more');
    expect(gateway.recordReads).toHaveBeenLastCalledWith(undefined, { limit: RECORD_READS_PAGE_SIZE, cursor: 'after-50' });
    await page.clickTestId('record-reads-more');
    expect(page.rows().map((r) => r.querySelector('a')!.getAttribute('href'))).toEqual(all.map((r) => `/sessions/${r.sessionId}?from=history`));
    expect(page.byTestId('record-reads-more')).toBeNull();
    expect(page.testIdText('record-reads-count')).toBe('120 reads');
  });

  it('says when nobody read the record', async () => {
    all = [];
    await create();
    await page.clickTestId('history-view-reads');
    expect(page.testIdText('record-reads-none')).toBe('Nobody read the record in the last 90 days.');
    expect(page.byTestId('record-reads-table')).toBeNull();
  });

  it('says why the reads could not be read, keeps the rows already read, and tries again', async () => {
    all = Array.from({ length: 60 }, (_, i) => read({ at: iso(NOW - i * 60_000), sessionId: `s-${i}` }));
    await create();
    gateway.fail('recordReads', gatewayError('Unauthenticated', 'Sign in first', null, 401));
    await page.clickTestId('history-view-reads');
    expect(page.testIdText('record-reads-error')).toContain('Could not read who read the record');
    expect(TestBed.inject(AlertLedger).alerts[0]!.message).toContain('Could not read who read the record: you are not signed in');
    expect(page.rows()).toHaveLength(0);

    serveReads();
    await page.clickTestId('record-reads-retry');
    expect(page.rows()).toHaveLength(RECORD_READS_PAGE_SIZE);
    gateway.fail('recordReads', gatewayError('ServiceUnavailable', 'The gateway is restarting', null, 503));
    await page.clickTestId('record-reads-more');
    expect(page.rows()).toHaveLength(RECORD_READS_PAGE_SIZE);
    expect(page.testIdText('record-reads-error')).toContain('The gateway is restarting');
    serveReads();
    await page.clickTestId('record-reads-retry');
    expect(page.rows()).toHaveLength(60);
    expect(page.byTestId('record-reads-error')).toBeNull();
  });

  it('reads them again after the admin searches (a search is a read) and on the toolbar\'s Refresh', async () => {
    await create();
    await page.clickTestId('history-view-reads');
    expect(page.rows()).toHaveLength(4);
    all = [read({ at: iso(NOW), action: 'searched', sessionId: null, detail: 'Get-VM' }), ...all];
    await page.type('[data-testid="search-input"]', 'Get-VM');
    await page.clickTestId('search-button');
    expect(page.cells(page.rows()[0]!)[2]).toBe('Searched the transcripts for “Get-VM”');
    all = [read({ at: iso(NOW + 1000), action: 'exported', detail: 'text' }), ...all];
    TestBed.inject(ToolRefresh).request();
    await page.settle();
    expect(page.rows()).toHaveLength(6);
    expect(page.cells(page.rows()[0]!)[2]).toBe('Exported as text');
  });
});
