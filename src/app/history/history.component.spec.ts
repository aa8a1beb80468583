import { Component } from '@angular/core';
import { ComponentFixture, fakeAsync, flush, TestBed, tick } from '@angular/core/testing';
import { RouterTestingModule } from '@angular/router/testing';
import { TooltipModule } from '@microsoft/windows-admin-center-sdk/angular';
import { AlertLedger } from '../shared/alert-ledger';
import {
  DomHarness, FakeClock, FakeGateway, FakeLiveEventStream, gatewayError, grant, iso, NOW,
  provideAppContextStub, provideFakeClock, provideFakeEvents, provideFakeGateway, session,
} from '../testing';
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

  beforeEach(() => {
    gateway = new FakeGateway();
    events = new FakeLiveEventStream();
  });

  it('shows the sessions of the last 7 days by default', async () => {
    await create();
    expect(page.query<HTMLInputElement>('[data-testid="from-date"]')!.value).toBe('2026-11-18');
    expect(gateway.sessions).toHaveBeenCalledWith('2026-11-18');
  });

  it('reads the sessions again from the date the admin picks', async () => {
    await create();
    await page.type('[data-testid="from-date"]', '2026-11-01');
    expect(gateway.sessions).toHaveBeenLastCalledWith('2026-11-01');
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
      expect(page.testIdText('session-count')).toBe('500 session(s)');
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
  });

  it('searches across transcripts and links each hit to its transcript entry', async () => {
    gateway.answer('searchTranscripts', {
      query: 'ClusSvc',
      hits: [{ sessionId: 's-1', seq: 4, at: iso(NOW), kind: 'command', node: 'hci-n01', engineer: 'e@support.example', snippet: 'Restart-Service [ClusSvc]' }],
    });
    await create();
    await page.type('[data-testid="search-input"]', 'ClusSvc');
    await page.clickTestId('search-button');
    expect(gateway.searchTranscripts).toHaveBeenCalledWith('ClusSvc', '2026-11-18');
    const hit = page.query('[data-testid="search-hits"] li')!;
    expect(hit.querySelector('mark')!.textContent).toBe('ClusSvc');
    expect(hit.querySelector('a')!.getAttribute('href')).toBe('/sessions/s-1?seq=4&find=ClusSvc&from=history');
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
    expect(gateway.access).toHaveBeenCalledWith(true);
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
