import { Component, NgZone } from '@angular/core';
import { TestBed } from '@angular/core/testing';
import { Router } from '@angular/router';
import { RouterTestingModule } from '@angular/router/testing';
import { NotificationState } from '@microsoft/windows-admin-center-sdk/core';
import { AlertLedger } from '../shared/alert-ledger';
import { FakeNotificationCenter, provideNotificationCenter } from '../shared/notification-center.fake';
import { SharedUiModule } from '../shared/shared-ui.module';
import { iso, NOW, DomHarness, FakeClock, FakeGateway, FakeLiveEventStream, provideFakeClock, provideFakeEvents, provideFakeGateway, status } from '../testing';
import { ToolFrameComponent } from '../tool/tool-frame.component';
import { accessRequest, approvedRequest, deniedRequest, questionedRequest, requestList } from './request-fixtures';
import { RequestNotifications } from './request-notifications';
import { RequestsModule } from './requests.module';

describe('RequestNotifications', () => {
  let gateway: FakeGateway;
  let events: FakeLiveEventStream;
  let center: FakeNotificationCenter;
  let service: RequestNotifications;

  beforeEach(() => {
    gateway = new FakeGateway();
    events = new FakeLiveEventStream();
    center = new FakeNotificationCenter();
    gateway.answer('accessRequests', requestList(accessRequest(), accessRequest({ id: 'r-2' }), questionedRequest()));
    TestBed.configureTestingModule({ providers: [provideFakeGateway(gateway), provideFakeEvents(events), provideNotificationCenter(center)] });
    service = TestBed.inject(RequestNotifications);
    service.start();
  });

  afterEach(() => service.ngOnDestroy());

  const state = (id: string) => FakeNotificationCenter.stateName(center.items.get(`rs-request-${id}`)!.state);

  it('counts the requests waiting for the admin\'s answer, not those waiting for the engineer', () => {
    expect(gateway.accessRequests).toHaveBeenCalledWith(true);
    expect(service.waiting).toBe(2);
    expect(service.waitingLabel).toBe(', 2 waiting');
  });

  it('counts again on each request event', () => {
    gateway.answer('accessRequests', requestList(accessRequest()));
    events.emit('request.updated', accessRequest({ id: 'r-2', state: 'denied' }));
    expect(service.waiting).toBe(1);
  });

  it('raises a warning when an engineer asks, saying who, what and for which case', () => {
    events.emit('request.created', accessRequest());
    const n = center.items.get(`rs-request-${accessRequest().id}`)!;
    expect(FakeNotificationCenter.stateName(n.state)).toBe(NotificationState[NotificationState.Warning]);
    expect(n.title).toBe('Access requested');
    expect(n.message).toBe('engineer@support.example asks for Diagnostics and repair for 4 hours on case 2612030010000042. Answer on the Requests tab before 2026-11-25 23:55 UTC.');
  });

  it('updates the same notification when the request is answered, saying who answered', () => {
    events.emit('request.created', accessRequest({ id: 'r-a' }));
    events.emit('request.updated', approvedRequest({ id: 'r-a' }));
    expect(state('r-a')).toBe('Success');
    expect(center.items.get('rs-request-r-a')!.message).toBe('admin@contoso.com approved the request from third@support.example (case CASE-3).');
    expect(center.items.get('rs-request-r-a')!.updates).toBe(1);
    events.emit('request.created', accessRequest({ id: 'r-d' }));
    events.emit('request.updated', deniedRequest({ id: 'r-d' }));
    expect(state('r-d')).toBe('Informational');
    expect(center.items.get('rs-request-r-d')!.message).toBe('admin@contoso.com denied the request from fourth@support.example (case CASE-4).');
  });

  it('tells when a request expired unanswered', () => {
    events.emit('request.expired', accessRequest({ id: 'r-x', state: 'expired' }));
    expect(state('r-x')).toBe('Informational');
    expect(center.items.get('rs-request-r-x')!.title).toBe('Access request expired');
    expect(center.items.get('rs-request-r-x')!.message).toBe('The request from engineer@support.example (case 2612030010000042) expired unanswered.');
  });

  it('says nothing about a question asked or answered', () => {
    events.emit('request.updated', questionedRequest());
    expect(center.items.size).toBe(0);
  });
});

@Component({ template: '<rs-open-requests-summary [requests]="requests"></rs-open-requests-summary>' })
class SummaryHostComponent {
  requests: ReturnType<typeof accessRequest>[] | undefined = [];
}

describe('OpenRequestsSummaryComponent', () => {
  function render(requests: ReturnType<typeof accessRequest>[] | undefined) {
    TestBed.configureTestingModule({ imports: [RequestsModule, RouterTestingModule], declarations: [SummaryHostComponent] });
    const fixture = TestBed.createComponent(SummaryHostComponent);
    fixture.componentInstance.requests = requests;
    fixture.detectChanges();
    return new DomHarness(fixture);
  }

  it('is hidden when no request waits for an answer', () => {
    expect(render([questionedRequest()]).byTestId('open-requests-summary')).toBeNull();
    TestBed.resetTestingModule();
    expect(render(undefined).byTestId('open-requests-summary')).toBeNull();
  });

  it('counts the waiting requests and links the first few, oldest first, to the Requests tab with each selected', () => {
    const waiting = [0, 1, 2, 3].map((i) => accessRequest({ id: `r-${i}`, engineer: `e${i}@support.example`, requestedAt: iso(NOW - (10 - i) * 60_000) }));
    const page = render([...waiting].reverse());
    expect(page.text('[data-testid="open-requests-summary"] h2')).toBe('4 access requests wait for your answer');
    const links = page.queryAll<HTMLAnchorElement>('[data-testid="open-request-link"]');
    expect(links.map((a) => a.getAttribute('data-request-id'))).toEqual(['r-0', 'r-1', 'r-2']);
    expect(links[0]!.textContent!.trim()).toBe('e0@support.example · case 2612030010000042 · Diagnostics and repair for 4 hours · asked 2026-11-25 11:50 UTC');
    expect(links[0]!.getAttribute('href')).toBe('/requests?id=r-0');
    expect(page.testIdText('open-requests-more')).toBe('1 more on the Requests tab');
  });

  it('says "1 access request" for one', () => {
    const page = render([accessRequest()]);
    expect(page.text('[data-testid="open-requests-summary"] h2')).toBe('1 access request waits for your answer');
  });
});

@Component({ template: '<p data-testid="view">a view</p>' })
class ViewComponent {}

@Component({ template: '<router-outlet></router-outlet>' })
class RootComponent {}

describe('the Requests tab\'s badge', () => {
  it('shows how many requests wait for an answer, named for screen readers, and follows the events', async () => {
    const gateway = new FakeGateway();
    const events = new FakeLiveEventStream();
    gateway.answer('accessRequests', requestList(accessRequest(), accessRequest({ id: 'r-2' })));
    gateway.answer('status', status());
    await TestBed.configureTestingModule({
      imports: [SharedUiModule, RouterTestingModule.withRoutes([{ path: '', component: ToolFrameComponent, children: [{ path: '', component: ViewComponent }] }])],
      declarations: [ToolFrameComponent, ViewComponent, RootComponent],
      providers: [provideFakeGateway(gateway), provideFakeEvents(events), provideNotificationCenter(new FakeNotificationCenter()), provideFakeClock(new FakeClock())],
    }).compileComponents();
    TestBed.inject(AlertLedger).clear();
    const fixture = TestBed.createComponent(RootComponent);
    const page = new DomHarness(fixture);
    await TestBed.inject(NgZone).run(() => TestBed.inject(Router).navigateByUrl('/'));
    await page.settle();
    expect(page.testIdText('requests-badge')).toBe('2, 2 waiting');
    expect(page.testIdText('tab-requests')).toBe('Requests2, 2 waiting');
    expect(page.query('[data-testid="requests-badge"] [aria-hidden="true"]')!.textContent).toBe('2');
    gateway.answer('accessRequests', requestList());
    events.emit('request.updated', accessRequest({ state: 'denied' }));
    await page.settle();
    expect(page.byTestId('requests-badge')).toBeNull();
    TestBed.inject(RequestNotifications).ngOnDestroy();
  });
});
