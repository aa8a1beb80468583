import { Component } from '@angular/core';
import { ComponentFixture, fakeAsync, flush, TestBed, tick } from '@angular/core/testing';
import { RouterTestingModule } from '@angular/router/testing';
import { TooltipModule } from '@microsoft/windows-admin-center-sdk/angular';
import { AlertLedger } from '../shared/alert-ledger';
import { ToolRefresh } from '../tool/tool-refresh';
import {
  DomHarness, FakeClock, FakeGateway, FakeLiveEventStream, gatewayError, grant, iso, NOW,
  provideAppContextStub, provideFakeClock, provideFakeEvents, provideFakeGateway, session,
} from '../testing';
import { of } from 'rxjs';
import { HISTORY_PAGE_SIZE, HistoryComponent, isIsoDate, refreshFirstPage, TABLE_MAX_ROWS } from './history.component';
import { HistoryModule } from './history.module';

/** The data table's tooltips need the host the SDK's root (sme-ux) provides in the app. */
@Component({ template: `<sme-tooltip-host></sme-tooltip-host><rs-history></rs-history>` })
class HostComponent {}

describe('HistoryComponent', () => {
  let gateway: FakeGateway;
  let events: FakeLiveEventStream;
  let fixture: ComponentFixture<HostComponent>;
  let page: DomHarness;

  /** Creates the page without waiting for it; inside fakeAsync, tick() then lets it settle. */
  function createNow(): void {
    TestBed.configureTestingModule({
      imports: [HistoryModule, RouterTestingModule, TooltipModule],
      declarations: [HostComponent],
      providers: [provideFakeGateway(gateway), provideFakeEvents(events), provideAppContextStub(), provideFakeClock(new FakeClock())],
    });
    TestBed.inject(AlertLedger).clear();
    fixture = TestBed.createComponent(HostComponent);
    page = new DomHarness(fixture);
    fixture.detectChanges();
  }

  async function create(): Promise<void> {
    createNow();
    await page.settle();
  }

  const many = (n: number) =>
    Array.from({ length: n }, (_, i) => session({ id: `s-${i}`, engineer: `engineer${i}@support.example`, startedAt: iso(NOW - i * 60_000), endedAt: iso(NOW - i * 60_000 + 30_000), endReason: 'closed', durationSeconds: 30 }));

  /** Answers session reads from `all` a page at a time, with cursors named after where each page stops. */
  const pagedSessions = (all: ReturnType<typeof many>) =>
    gateway.sessions.mockImplementation((_from?: string, p?: { limit: number; cursor?: string | null }) => {
      const start = p?.cursor ? Number(p.cursor.slice('after-'.length)) : 0;
      const end = start + (p?.limit ?? 100);
      // As the gateway does, only the first page counts the list.
      return of({ fromDate: '2026-11-18', sessions: all.slice(start, end), nextCursor: end < all.length ? `after-${end}` : null, total: p?.cursor ? null : all.length });
    });

  beforeEach(() => {
    gateway = new FakeGateway();
    events = new FakeLiveEventStream();
  });

  describe('refreshFirstPage', () => {
    const rows = (...ids: string[]) => ids.map((id) => ({ id }));
    it('puts the new first page before the rows loaded after its last one, keeping the cursor of the loaded ones', () => {
      expect(refreshFirstPage({ items: rows('c', 'b', 'a', 'z', 'y'), cursor: 'after-y' }, { items: rows('new', 'c', 'b'), cursor: 'after-b' })).toEqual({
        items: rows('new', 'c', 'b', 'a', 'z', 'y'),
        cursor: 'after-y',
      });
    });
    it('keeps the new page alone when its last row was not loaded, or when it is the whole list', () => {
      expect(refreshFirstPage({ items: rows('c', 'b'), cursor: 'after-b' }, { items: rows('e', 'd'), cursor: 'after-d' })).toEqual({ items: rows('e', 'd'), cursor: 'after-d' });
      expect(refreshFirstPage({ items: rows('c', 'b', 'a'), cursor: null }, { items: rows('c', 'a'), cursor: null })).toEqual({ items: rows('c', 'a'), cursor: null });
    });
  });

  it('shows the sessions of the last 7 days by default', async () => {
    await create();
    expect(page.query<HTMLInputElement>('[data-testid="from-date"]')!.value).toBe('2026-11-18');
    expect(gateway.sessions).toHaveBeenCalledWith('2026-11-18', { limit: HISTORY_PAGE_SIZE });
  });

  it('reads the sessions again from the date the admin picks', async () => {
    await create();
    await page.type('[data-testid="from-date"]', '2026-11-01');
    expect(gateway.sessions).toHaveBeenLastCalledWith('2026-11-01', { limit: HISTORY_PAGE_SIZE });
  });

  it('takes the date as year-month-day, never the US month/day, and says so', async () => {
    await create();
    expect(page.testIdText('from-date-format')).toBe('Year-month-day, e.g. 2026-11-25');
    const input = page.query<HTMLInputElement>('[data-testid="from-date"]')!;
    expect(input.type).toBe('text');
    await page.type('[data-testid="from-date"]', '11/01/2026');
    expect(page.testIdText('from-date-error')).toBe('Enter a date as year-month-day, e.g. 2026-11-25');
    expect(input.getAttribute('aria-invalid')).toBe('true');
    expect(gateway.sessions).toHaveBeenCalledTimes(1);
    await page.type('[data-testid="from-date"]', '2026-02-30');
    expect(page.byTestId('from-date-error')).not.toBeNull();
    await page.type('[data-testid="from-date"]', '2026-11-20');
    expect(page.byTestId('from-date-error')).toBeNull();
    expect(gateway.sessions).toHaveBeenLastCalledWith('2026-11-20', { limit: HISTORY_PAGE_SIZE });
    expect(isIsoDate('2024-02-29')).toBe(true);
    expect(isIsoDate('2026-2-3')).toBe(false);
  });

  it('reads the lists again when the toolbar\'s Refresh is pressed', async () => {
    pagedSessions(many(1));
    await create();
    expect(page.testIdText('session-count')).toBe('1 session');
    pagedSessions(many(3));
    TestBed.inject(ToolRefresh).request();
    await page.settle();
    expect(page.testIdText('session-count')).toBe('3 sessions');
    expect(gateway.access).toHaveBeenCalledTimes(2);
  });

  it('says which time zone times are in', async () => {
    await create();
    expect(page.testIdText('time-zone-note')).toContain('(UTC)');
  });

  it('sizes the sessions table to its rows, up to a scrolling maximum (no empty box under a few rows)', async () => {
    gateway.answer('sessions', { fromDate: '2026-11-18', sessions: many(2) });
    await create();
    const host = () => page.byTestId('sessions-table')!;
    const two = parseInt(host().style.height, 10);
    gateway.answer('sessions', { fromDate: '2026-11-18', sessions: many(3) });
    await page.type('[data-testid="from-date"]', '2026-11-10');
    const three = parseInt(host().style.height, 10);
    expect(three).toBeGreaterThan(two);
    expect(three - two).toBeLessThan(60); // one row more, not a fixed box
    gateway.answer('sessions', { fromDate: '2026-11-18', sessions: many(300) });
    await page.type('[data-testid="from-date"]', '2026-11-01');
    const tall = parseInt(host().style.height, 10);
    gateway.answer('sessions', { fromDate: '2026-11-18', sessions: many(TABLE_MAX_ROWS) });
    await page.type('[data-testid="from-date"]', '2026-11-02');
    expect(parseInt(host().style.height, 10)).toBe(tall);
  });

  describe('sessions table', () => {
    // jsdom has no layout: give the table's scroll container a viewport of 360 px and
    // a scroll height for every row, as a browser would.
    const ROW = 36;
    let rows = 0;
    let scrollTop = 0;
    beforeEach(() => {
      scrollTop = 0;
      jest.spyOn(Element.prototype, 'scrollTop', 'get').mockImplementation(function (this: Element) {
        return (this as HTMLElement).classList?.contains('sme-table-scroll-container') ? scrollTop : 0;
      });
      jest.spyOn(Element.prototype, 'scrollTop', 'set').mockImplementation(function (this: Element, v: number) {
        if ((this as HTMLElement).classList?.contains('sme-table-scroll-container')) scrollTop = v;
      });
      const isContainer = (el: HTMLElement) => el.classList?.contains('sme-table-scroll-container');
      jest.spyOn(HTMLElement.prototype, 'offsetHeight', 'get').mockImplementation(function (this: HTMLElement) {
        return isContainer(this) ? 360 : this.classList?.contains('sme-table-row') ? ROW : 0;
      });
      jest.spyOn(HTMLElement.prototype, 'scrollHeight', 'get').mockImplementation(function (this: HTMLElement) {
        return isContainer(this) ? rows * ROW : 0;
      });
    });
    afterEach(() => jest.restoreAllMocks());

    const renderedEngineers = () =>
      page.queryAll('[data-testid="sessions-table"] .sme-table-row-data[data-rendered-item-index]').map((r) => /engineer(\d+)@/.exec(r.textContent ?? '')?.[1]).filter((x): x is string => !!x).map(Number);

    it('renders only a page of rows of a long history, newest first', fakeAsync(() => {
      rows = 500;
      gateway.answer('sessions', { fromDate: '2026-11-18', sessions: many(500) });
      createNow();
      // Whatever the table schedules to lay out its rows runs now, not after a guessed real delay.
      flush();
      fixture.detectChanges();
      expect(page.testIdText('session-count')).toBe('500 sessions');
      const shown = renderedEngineers();
      expect(shown.length).toBeGreaterThan(5);
      expect(shown.length).toBeLessThan(100);
      expect(shown[0]).toBe(0);
      const first = page.query('[data-testid="sessions-table"] .sme-table-row-data[data-rendered-item-index]')!;
      expect(first.textContent).toContain('Closed by the engineer');
      expect(first.querySelector('[data-testid="open-transcript"]')!.getAttribute('href')).toBe('/sessions/s-0?from=history');
      fixture.destroy();
      flush();
    }));

    it('shows levels as an admin reads them, times with their zone, and the full value of each cell on hover', fakeAsync(() => {
      rows = 1;
      gateway.answer('sessions', { fromDate: '2026-11-18', sessions: [{ ...many(1)[0]!, accessLevel: 'DiagnosticsRepair' }] });
      createNow();
      flush();
      fixture.detectChanges();
      const first = page.query('[data-testid="sessions-table"] .sme-table-row-data[data-rendered-item-index]')!;
      expect(first.querySelector('[data-testid="session-level"]')!.textContent).toBe('Diagnostics and repair');
      expect(first.textContent).not.toContain('DiagnosticsRepair');
      const started = first.querySelector('[data-testid="session-started"]')!;
      expect(started.querySelector('.rs-when-date')!.textContent).toBe('2026-11-25');
      expect(started.querySelector('.rs-when-time')!.textContent).toBe('12:00 UTC');
      const component = fixture.debugElement.children[1]!.componentInstance as HistoryComponent;
      const s = component.sessions[0]!;
      expect(component.tipLevel(s)).toBe('Diagnostics and repair');
      expect(component.tipStarted(s)).toBe('2026-11-25 12:00 UTC (2026-11-25 12:00:00 UTC)');
      expect(component.tipEngineer(s)).toBe('engineer0@support.example');
      fixture.destroy();
      flush();
    }));

    it('labels a session the relay cut', fakeAsync(() => {
      rows = 1;
      gateway.answer('sessions', { fromDate: '2026-11-18', sessions: [{ ...many(1)[0]!, endReason: 'relay-disconnected' }] });
      createNow();
      flush();
      fixture.detectChanges();
      const first = page.query('[data-testid="sessions-table"] .sme-table-row-data[data-rendered-item-index]')!;
      expect(first.textContent).toContain('Relay connection lost');
      fixture.destroy();
      flush();
    }));

    /** Scrolls the sessions table's container to `top` pixels, as the admin's wheel would. */
    const scrollTo = (top: number) => {
      const container = page.query<HTMLElement>('[data-testid="sessions-table"] .sme-table-scroll-container')!;
      container.scrollTop = top;
      container.dispatchEvent(new Event('scroll'));
      flush();
      fixture.detectChanges();
    };

    it('reads the next page of sessions as the admin scrolls near the end of the loaded rows, until the last', fakeAsync(() => {
      const all = many(250);
      pagedSessions(all);
      rows = 100;
      createNow();
      flush();
      fixture.detectChanges();
      expect(page.testIdText('session-count')).toBe('100 of 250 sessions; more load as you scroll');
      expect(gateway.sessions).toHaveBeenCalledTimes(1);

      scrollTo(360);
      expect(gateway.sessions).toHaveBeenCalledTimes(1);

      scrollTo(100 * ROW - 360);
      expect(gateway.sessions).toHaveBeenLastCalledWith('2026-11-18', { limit: HISTORY_PAGE_SIZE, cursor: 'after-100' });
      expect(page.testIdText('session-count')).toBe('200 of 250 sessions; more load as you scroll');

      rows = 200;
      scrollTo(200 * ROW - 360);
      expect(gateway.sessions).toHaveBeenLastCalledWith('2026-11-18', { limit: HISTORY_PAGE_SIZE, cursor: 'after-200' });
      expect(page.testIdText('session-count')).toBe('250 sessions');
      expect(page.query('[data-testid="more-sessions"]')).toBeNull();

      rows = 250;
      scrollTo(250 * ROW - 360);
      expect(gateway.sessions).toHaveBeenCalledTimes(3);
      fixture.destroy();
      flush();
    }));
  });

  it('says how many are loaded so far when the gateway did not count a long list', async () => {
    const all = many(150);
    gateway.sessions.mockImplementation((_from?: string, p?: { limit: number; cursor?: string | null }) => {
      const start = p?.cursor ? Number(p.cursor.slice('after-'.length)) : 0;
      const end = start + (p?.limit ?? 100);
      // A list longer than the gateway counts cheaply: no total, even on the first page.
      return of({ fromDate: '2026-11-18', sessions: all.slice(start, end), nextCursor: end < all.length ? `after-${end}` : null, total: null });
    });
    await create();
    expect(page.testIdText('session-count')).toBe('100 sessions so far; more load as you scroll');
    await page.clickTestId('more-sessions');
    expect(page.testIdText('session-count')).toBe('150 sessions');
  });

  it('reads the next page of sessions with Show more, and each session once', async () => {
    const all = many(150);
    pagedSessions(all);
    await create();
    expect(page.testIdText('more-sessions')).toBe('Show more sessions');
    await page.clickTestId('more-sessions');
    expect(gateway.sessions).toHaveBeenLastCalledWith('2026-11-18', { limit: HISTORY_PAGE_SIZE, cursor: 'after-100' });
    const component = fixture.debugElement.children[1]!.componentInstance as HistoryComponent;
    expect(component.sessions.map((x) => x.id)).toEqual(all.map((x) => x.id));
    expect(page.query('[data-testid="more-sessions"]')).toBeNull();
  });

  it('keeps the pages the admin loaded when a live event reads the first page again', fakeAsync(() => {
    const all = many(250);
    pagedSessions(all);
    createNow();
    tick();
    const component = fixture.debugElement.children[1]!.componentInstance as HistoryComponent;
    component.loadMoreSessions();
    tick();
    expect(component.sessions.length).toBe(200);

    const started = session({ id: 's-new', engineer: 'newcomer@support.example', startedAt: iso(NOW + 60_000) });
    pagedSessions([started, ...all]);
    events.emit('session.started', started);
    tick(300);
    expect(component.sessions.map((x) => x.id)).toEqual(['s-new', ...all.slice(0, 200).map((x) => x.id)]);
    expect(component.sessionsCursor).toBe('after-200');
    fixture.destroy();
    flush();
  }));

  it('reads the next page of grants with Show more', async () => {
    const first = [grant(), grant({ id: 'g-1', state: 'expired', endReason: 'expired' })];
    gateway.access.mockImplementation((_all: boolean, p?: { limit: number; cursor?: string | null }) =>
      of(p?.cursor === 'after-2' ? { grants: [grant({ id: 'g-2', state: 'revoked', endReason: 'revoked' })], nextCursor: null, total: null } : { grants: first, nextCursor: 'after-2', total: 3 }),
    );
    await create();
    expect(page.queryAll('[data-testid="consent-table"] tbody tr').length).toBe(2);
    await page.clickTestId('more-grants');
    expect(gateway.access).toHaveBeenLastCalledWith(true, { limit: HISTORY_PAGE_SIZE, cursor: 'after-2' });
    expect(page.queryAll('[data-testid="consent-table"] tbody tr').map((r) => r.getAttribute('data-grant-id'))).toEqual([first[0]!.id, 'g-1', 'g-2']);
    expect(page.query('[data-testid="more-grants"]')).toBeNull();
  });

  it('searches across transcripts and links each hit to its transcript entry', async () => {
    gateway.answer('searchTranscripts', {
      query: 'ClusSvc',
      hits: [{ sessionId: 's-1', seq: 4, at: iso(NOW), kind: 'command', node: 'hci-n01', engineer: 'e@support.example', snippet: 'Restart-Service [ClusSvc]' }],
    });
    await create();
    await page.type('[data-testid="search-input"]', 'ClusSvc');
    await page.clickTestId('search-button');
    expect(gateway.searchTranscripts).toHaveBeenCalledWith('ClusSvc', '2026-11-18', { limit: HISTORY_PAGE_SIZE });
    const hit = page.query('[data-testid="search-hits"] li')!;
    expect(hit.querySelector('mark')!.textContent).toBe('ClusSvc');
    expect(hit.querySelector('a')!.getAttribute('href')).toBe('/sessions/s-1?seq=4&find=ClusSvc&from=history');
  });

  /** `n` hits, newest first, each in its own session. */
  const hitsOf = (n: number) =>
    Array.from({ length: n }, (_, i) => ({ sessionId: `s-${i}`, seq: 1, at: iso(NOW - i * 1000), kind: 'command' as const, node: 'hci-n01', engineer: 'e@support.example', snippet: `Restart-[Service] ${i}` }));
  /** Answers searches from `all` a page at a time, with cursors named after where each page stops. */
  const pagedHits = (all: ReturnType<typeof hitsOf>) =>
    gateway.searchTranscripts.mockImplementation((q: string, _from?: string, p?: { limit: number; cursor?: string | null }) => {
      const start = p?.cursor ? Number(p.cursor.slice('after-'.length)) : 0;
      const end = start + (p?.limit ?? 100);
      return of({ query: q, hits: all.slice(start, end), nextCursor: end < all.length ? `after-${end}` : null });
    });
  const shownHits = () => page.queryAll('[data-testid="search-hits"] li').map((li) => li.getAttribute('data-session-id'));

  it('reads the next page of hits with Show more, for the words and date searched, until the last', async () => {
    const all = hitsOf(2 * HISTORY_PAGE_SIZE + 30);
    pagedHits(all);
    await create();
    await page.type('[data-testid="search-input"]', 'Service');
    await page.clickTestId('search-button');
    expect(shownHits()).toEqual(all.slice(0, HISTORY_PAGE_SIZE).map((h) => h.sessionId));
    expect(page.testIdText('hit-count')).toBe(`The newest ${HISTORY_PAGE_SIZE} entries that match "Service"; Show more reads older ones.`);

    // The words in the box and the date may change; Show more goes on with the search shown.
    await page.type('[data-testid="search-input"]', 'other words');
    await page.clickTestId('more-hits');
    expect(gateway.searchTranscripts).toHaveBeenLastCalledWith('Service', '2026-11-18', { limit: HISTORY_PAGE_SIZE, cursor: `after-${HISTORY_PAGE_SIZE}` });
    await page.clickTestId('more-hits');
    expect(gateway.searchTranscripts).toHaveBeenLastCalledWith('Service', '2026-11-18', { limit: HISTORY_PAGE_SIZE, cursor: `after-${2 * HISTORY_PAGE_SIZE}` });
    expect(shownHits()).toEqual(all.map((h) => h.sessionId));
    expect(page.testIdText('hit-count')).toBe(`${all.length} entries match "Service", newest first.`);
    expect(page.query('[data-testid="more-hits"]')).toBeNull();
    expect(gateway.searchTranscripts).toHaveBeenCalledTimes(3);
  });

  it('keeps the hits read when a later page fails, says why, and starts over on a new search', async () => {
    const all = hitsOf(HISTORY_PAGE_SIZE + 5);
    pagedHits(all);
    await create();
    await page.type('[data-testid="search-input"]', 'Service');
    await page.clickTestId('search-button');
    gateway.fail('searchTranscripts', gatewayError('SearchTooBroad', 'The search took longer than 2 s; narrow it', undefined));
    await page.clickTestId('more-hits');
    expect(shownHits().length).toBe(HISTORY_PAGE_SIZE);
    expect(page.testIdText('search-error')).toBe('The search took longer than 2 s; narrow it');

    pagedHits(all.slice(3));
    await page.clickTestId('search-button');
    expect(gateway.searchTranscripts).toHaveBeenLastCalledWith('Service', '2026-11-18', { limit: HISTORY_PAGE_SIZE });
    expect(shownHits()).toEqual(all.slice(3, 3 + HISTORY_PAGE_SIZE).map((h) => h.sessionId));
    expect(page.query('[data-testid="search-error"]')).toBeNull();
  });

  it('says when nothing matches, and shows a refused query next to the search', async () => {
    await create();
    await page.type('[data-testid="search-input"]', 'nothing');
    await page.clickTestId('search-button');
    expect(page.testIdText('no-hits')).toContain('"nothing"');
    gateway.fail('searchTranscripts', gatewayError('InvalidSearchQuery', 'q must have a word', 'q'));
    await page.clickTestId('search-button');
    expect(page.testIdText('search-error')).toBe('q must have a word');
  });

  it('shows the consent history with expired and revoked grants', async () => {
    gateway.answer('access', {
      grants: [grant(), grant({ id: 'g-0', state: 'revoked', endReason: 'revoked', endedAt: iso(NOW - 86_400_000), endedBy: 'admin2' }), grant({ id: 'g-x', state: 'expired', endReason: 'expired' })],
    });
    await create();
    expect(gateway.access).toHaveBeenCalledWith(true, { limit: HISTORY_PAGE_SIZE });
    const rows = page.queryAll('[data-testid="consent-table"] tbody tr');
    expect(rows.map((r) => r.getAttribute('data-state'))).toEqual(['active', 'revoked', 'expired']);
    expect(rows[1]!.textContent).toContain('Revoked');
    expect(rows[1]!.textContent).toContain('admin2');
  });

  it('reads sessions and grants again on live events, once the 300 ms burst has passed', fakeAsync(() => {
    createNow();
    tick();
    expect(gateway.sessions).toHaveBeenCalledTimes(1);
    events.emit('session.ended', session());
    events.emit('grant.revoked', grant());
    tick(299);
    expect(gateway.sessions).toHaveBeenCalledTimes(1);
    expect(gateway.access).toHaveBeenCalledTimes(1);
    tick(1);
    expect(gateway.sessions).toHaveBeenCalledTimes(2);
    expect(gateway.access).toHaveBeenCalledTimes(2);
    fixture.destroy();
    flush();
  }));
});
