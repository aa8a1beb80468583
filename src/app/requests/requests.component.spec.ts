import { ComponentFixture, TestBed } from '@angular/core/testing';
import { ActivatedRoute, convertToParamMap } from '@angular/router';
import { RouterTestingModule } from '@angular/router/testing';
import { BehaviorSubject } from 'rxjs';
import { AlertLedger } from '../shared/alert-ledger';
import { ToolRefresh } from '../tool/tool-refresh';
import {
  FakeClock, FakeGateway, FakeLiveEventStream, gatewayError, grant, iso, NOW, provideAppContextStub, provideFakeClock,
  provideFakeEvents, provideFakeGateway, status, TERMS,
} from '../testing';
import { accessRequest, approvedRequest, deniedRequest, extensionRequest, questionedRequest, requestList } from './request-fixtures';
import { RequestsComponent } from './requests.component';
import { RequestsHarness } from './requests.harness';
import { RequestsModule } from './requests.module';

describe('RequestsComponent', () => {
  let gateway: FakeGateway;
  let events: FakeLiveEventStream;
  let clock: FakeClock;
  let alerts: AlertLedger;
  let fixture: ComponentFixture<RequestsComponent>;
  let page: RequestsHarness;
  let query: BehaviorSubject<ReturnType<typeof convertToParamMap>>;

  const pending = accessRequest();
  const all = [deniedRequest(), approvedRequest(), questionedRequest(), pending, extensionRequest()];

  async function create(): Promise<void> {
    TestBed.configureTestingModule({
      imports: [RequestsModule, RouterTestingModule],
      providers: [
        provideFakeGateway(gateway), provideFakeEvents(events), provideFakeClock(clock), provideAppContextStub(),
        { provide: ActivatedRoute, useValue: { queryParamMap: query.asObservable(), snapshot: { queryParamMap: query.value } } },
      ],
    });
    alerts = TestBed.inject(AlertLedger);
    alerts.clear();
    fixture = TestBed.createComponent(RequestsComponent);
    page = new RequestsHarness(fixture);
    await page.settle();
  }

  beforeEach(() => {
    gateway = new FakeGateway();
    events = new FakeLiveEventStream();
    clock = new FakeClock();
    query = new BehaviorSubject(convertToParamMap({}));
    gateway.answer('accessRequests', requestList(...all));
    gateway.answer('status', status({ activeGrant: grant() }));
  });

  afterEach(() => fixture?.destroy());

  describe('the list', () => {
    it('shows the open requests first, waiting ones before those waiting for the engineer, then the answered ones, newest first', async () => {
      await create();
      expect(gateway.accessRequests).toHaveBeenCalledWith(false);
      expect(page.rowIds()).toEqual([pending.id, 'r-ext', 'r-asked', 'r-denied', 'r-approved']);
    });

    it('keeps each row\'s element (and the keyboard focus in it) when the list is read again', async () => {
      await create();
      const before = page.row(pending.id);
      gateway.answer('accessRequests', requestList(...all.map((r) => ({ ...r }))));
      events.emit('request.created', accessRequest({ id: 'r-other' }));
      await page.settle();
      expect(page.row(pending.id)).toBe(before);
    });

    it('says when the list cannot be read, and reads it again on the next event or Refresh', async () => {
      gateway.fail('accessRequests', gatewayError('GatewayUnreachable', 'The gateway did not answer', null, 0));
      await create();
      expect(page.rowIds()).toEqual([]);
      expect(alerts.alerts.some((a) => a.kind === 'error')).toBe(true);
      gateway.answer('accessRequests', requestList(pending));
      events.emit('request.created', pending);
      await page.settle();
      expect(page.rowIds()).toEqual([pending.id]);
    });

    it('stops the countdowns while the gateway cannot be reached, and runs them again when it can', async () => {
      await create();
      const countdown = () => page.row(pending.id)!.querySelector('rs-countdown time')!;
      events.setState('reconnecting');
      await page.settle();
      expect(countdown().getAttribute('data-paused')).toBe('true');
      const held = countdown().textContent;
      clock.advance(5 * 60_000);
      await page.settle();
      expect(countdown().textContent).toBe(held);
      events.setState('open');
      await page.settle();
      expect(countdown().getAttribute('data-paused')).toBeNull();
      expect(countdown().textContent).not.toBe(held);
    });

    it('says who asks, for which case, what, when, the state in words and how long until it expires unanswered', async () => {
      await create();
      const row = page.rowText(pending.id);
      expect(row).toContain('engineer@support.example');
      expect(row).toContain('2612030010000042');
      expect(row).toContain('Diagnostics and repair for 4 hours');
      expect(row).toContain('2026-11-25 11:55 UTC');
      expect(row).toContain('Waiting for your answer');
      expect(page.row(pending.id)!.querySelector('rs-countdown time')!.getAttribute('datetime')).toBe(pending.expiresAt);
      expect(page.rowText('r-ext')).toContain('120 more minutes');
      expect(page.rowText('r-asked')).toContain('Waiting for the engineer');
      expect(page.rowText('r-denied')).toContain('Denied');
      expect(page.row('r-denied')!.querySelector('rs-countdown')).toBeNull();
    });

    it('shows only the open requests when the admin picks Open', async () => {
      await create();
      gateway.answer('accessRequests', requestList(pending, questionedRequest()));
      await page.clickTestId('request-filter-open');
      expect(gateway.accessRequests).toHaveBeenLastCalledWith(true);
      expect(page.rowIds()).toEqual([pending.id, 'r-asked']);
      expect(page.byTestId('request-filter-open')!.getAttribute('aria-pressed')).toBe('true');
      gateway.answer('accessRequests', requestList());
      await page.clickTestId('request-filter-all');
      expect(page.testIdText('no-requests')).toBe('No access requests in the last 90 days.');
    });

    it('reads the list again on each request event and keeps the request selected', async () => {
      await create();
      await page.open('r-asked');
      const replied = questionedRequest({
        state: 'pending',
        messages: [...questionedRequest().messages, { at: iso(NOW), from: 'engineer', by: 'second@support.example', text: 'hci-n02 only, tonight' }],
      });
      gateway.answer('accessRequests', requestList(pending, replied));
      events.emit('request.updated', replied);
      await page.settle();
      expect(gateway.accessRequests).toHaveBeenCalledTimes(2);
      expect(page.testIdText('request-state')).toBe('Waiting for your answer');
      expect(page.messages()).toHaveLength(2);
      events.emit('request.created', accessRequest({ id: 'r-new' }));
      events.emit('request.expired', pending);
      await page.settle();
      expect(gateway.accessRequests).toHaveBeenCalledTimes(4);
      expect(page.byTestId('request-detail')!.getAttribute('data-request-id')).toBe('r-asked');
    });

    it('reads the list again when the toolbar\'s Refresh is pressed', async () => {
      await create();
      TestBed.inject(ToolRefresh).request();
      await page.settle();
      expect(gateway.accessRequests).toHaveBeenCalledTimes(2);
    });

    it('opens the request named in the address (a link from the Overview)', async () => {
      query.next(convertToParamMap({ id: 'r-denied' }));
      await create();
      expect(page.byTestId('request-detail')!.getAttribute('data-request-id')).toBe('r-denied');
    });
  });

  describe('the detail', () => {
    it('shows everything asked, the reason and the conversation', async () => {
      await create();
      await page.open('r-asked');
      const detail = page.detail();
      expect(detail).toContain('Request from second@support.example');
      expect(page.testIdText('request-nodes')).toBe('hci-n02');
      expect(page.testIdText('request-reason')).toBe('Storage pool degraded; restart the Health Service on hci-n02 if needed');
      expect(page.testIdText('request-state')).toBe('Waiting for the engineer');
      expect(page.messages()).toEqual(['admin@contoso.com (administrator) · 2026-11-25 11:58 UTC Which node, and why a repair?']);
    });

    it('says "All nodes" when the engineer named none', async () => {
      await create();
      await page.open('r-ext');
      expect(page.testIdText('request-nodes')).toBe('All nodes');
    });

    it('shows who answered, when, and what was approved or why it was denied, with no way to answer again', async () => {
      await create();
      await page.open('r-approved');
      const answer = page.testIdText('request-answer');
      expect(answer).toContain('admin@contoso.com');
      expect(answer).toContain('2026-11-24 11:00 UTC');
      expect(answer).toContain('Diagnostics');
      expect(answer).toContain('2 hours');
      expect(page.byTestId('approve-submit')).toBeNull();
      await page.open('r-denied');
      expect(page.testIdText('request-denial')).toBe('Not during the quarter close');
      expect(page.byTestId('deny-submit')).toBeNull();
    });

    it('warns about a request changed outside the gateway and offers no answer', async () => {
      gateway.answer('accessRequests', requestList(accessRequest({ intact: false })));
      await create();
      await page.open(pending.id);
      expect(page.testIdText('request-tampered')).toContain('cannot be answered');
      expect(page.byTestId('approve-submit')).toBeNull();
      expect(page.byTestId('deny-submit')).toBeNull();
      expect(page.byTestId('ask-submit')).toBeNull();
    });

    it('shows which grant an extension lengthens and where its end would move', async () => {
      await create();
      await page.open('r-ext');
      // g-1 ends at 19:59 UTC; 120 more minutes: 21:59 UTC.
      expect(page.testIdText('request-extends')).toBe('Extends the active grant (case CASE-1, Diagnostics), which ends at 2026-11-25 19:59 UTC. Approved now, it would end at about 2026-11-25 21:59 UTC.');
      await page.setMinutes('60');
      expect(page.testIdText('request-extends')).toContain('2026-11-25 20:59 UTC');
    });
  });

  describe('approving', () => {
    beforeEach(async () => {
      gateway.answer('approveRequest', { request: accessRequest({ state: 'approved' }), grant: grant({ expiresAt: iso(NOW + 120 * 60_000) }) });
      await create();
      await page.open(pending.id);
    });

    it('starts from what was asked, offers only levels up to it and says the longest length', async () => {
      expect(page.query<HTMLSelectElement>('[data-testid="approve-level"]')!.value).toBe('DiagnosticsRepair');
      expect(page.levelOptions()).toEqual(['Diagnostics', 'DiagnosticsRepair']);
      expect(page.query<HTMLInputElement>('[data-testid="approve-minutes"]')!.value).toBe('240');
      expect(page.testIdText('approve-minutes-hint')).toBe('60 to 240 minutes (4 hours at most, as asked).');
      expect(page.testIdText('approve-terms')).toContain('Remote support terms');
    });

    it('cannot be sent until the terms are agreed to, and says what is still needed', async () => {
      expect(page.approveDisabled()).toBe(true);
      expect(page.testIdText('approve-needed')).toBe('Still needed: your agreement to the terms.');
      expect(page.byTestId('approve-submit')!.getAttribute('aria-describedby')).toBe('rs-approve-needed');
      await page.approve();
      expect(gateway.approveRequest).not.toHaveBeenCalled();
      await page.agree();
      expect(page.approveDisabled()).toBe(false);
      expect(page.byTestId('approve-needed')).toBeNull();
    });

    it('cannot be sent for longer than was asked', async () => {
      await page.agree();
      await page.setMinutes('300');
      expect(page.testIdText('approve-minutes-error')).toBe('At most 240 minutes: the engineer asked for no more.');
      expect(page.approveDisabled()).toBe(true);
      expect(page.testIdText('approve-needed')).toBe('Still needed: a valid length.');
    });

    it('sends exactly what the admin chose: a lower level, a shorter time, a later start in UTC, the terms agreed to', async () => {
      await page.select('[data-testid="approve-level"]', 'Diagnostics');
      await page.setMinutes('120');
      await page.startLater('2026-11-26T08:30');
      await page.agree();
      gateway.answer('approveRequest', { request: accessRequest({ state: 'scheduled', approved: { accessLevel: 'Diagnostics', expireInMinutes: 120, startAt: '2026-11-26T08:30:00.000Z', termsVersion: TERMS.version } }), grant: null });
      await page.approve();
      expect(gateway.approveRequest).toHaveBeenCalledWith(pending.id, {
        accessLevel: 'Diagnostics',
        expireInMinutes: 120,
        startAt: '2026-11-26T08:30:00.000Z',
        agreeToRemoteSupportConsent: true,
        termsVersion: TERMS.version,
      });
      expect(alerts.alerts.map((a) => a.message)).toContain('Access for engineer@support.example starts at 2026-11-26 08:30 UTC.');
    });

    it('refuses a later start more than 7 days ahead or in the past', async () => {
      await page.agree();
      await page.startLater('2026-12-03T12:01');
      expect(page.testIdText('approve-start-at-error')).toBe('The start may be at most 7 days ahead.');
      await page.type('[data-testid="approve-start-at"]', '2026-11-25T11:00');
      expect(page.testIdText('approve-start-at-error')).toBe('The start must be later than now.');
      expect(page.approveDisabled()).toBe(true);
    });

    it('grants now as asked, says until when, and reads the list again', async () => {
      await page.agree();
      await page.approve();
      expect(gateway.approveRequest).toHaveBeenCalledWith(pending.id, {
        accessLevel: 'DiagnosticsRepair', expireInMinutes: 240, agreeToRemoteSupportConsent: true, termsVersion: TERMS.version,
      });
      expect(alerts.alerts.map((a) => a.message)).toContain('Access granted to engineer@support.example until 2026-11-25 14:00 UTC.');
      expect(gateway.accessRequests).toHaveBeenCalledTimes(2);
    });

    it('shows the gateway\'s refusal by the field it names', async () => {
      gateway.fail('approveRequest', gatewayError('ApprovalExceedsRequest', 'expireInMinutes may not be more than the 240 the engineer asked for', 'expireInMinutes', 422));
      await page.agree();
      await page.approve();
      expect(page.testIdText('approve-minutes-error')).toBe('expireInMinutes may not be more than the 240 the engineer asked for');
      expect(page.byTestId('approve-error')).toBeNull();
    });

    it('shows the current terms again and asks for agreement when the terms changed', async () => {
      gateway.fail('approveRequest', gatewayError('TermsVersionMismatch', 'termsVersion must be the current terms version', 'termsVersion', 400));
      await page.agree();
      gateway.answer('terms', { version: 'c'.repeat(64), text: 'New terms' });
      await page.approve();
      expect(gateway.terms).toHaveBeenCalledTimes(2);
      expect(page.testIdText('approve-terms')).toBe('New terms');
      expect(page.testIdText('approve-terms-error')).toContain('The terms changed');
      expect(page.query<HTMLInputElement>('[data-testid="approve-consent"]')!.checked).toBe(false);
      expect(page.approveDisabled()).toBe(true);
    });

    it('reads the list again when the request was answered meanwhile', async () => {
      gateway.fail('approveRequest', gatewayError('RequestNotOpen', 'Access request is denied and can no longer be answered', null, 409));
      await page.agree();
      gateway.answer('accessRequests', requestList(accessRequest({ state: 'denied', denial: 'No', answeredAt: iso(NOW), answeredBy: 'other@contoso.com' })));
      await page.approve();
      expect(alerts.alerts.map((a) => a.message)).toContain('This request was answered or expired meanwhile; it is shown as it is now.');
      expect(page.testIdText('request-state')).toBe('Denied');
      expect(page.byTestId('approve-submit')).toBeNull();
    });
  });

  it('approves an extension with only the minutes to add: no level, no later start', async () => {
    gateway.answer('approveRequest', { request: extensionRequest({ state: 'approved' }), grant: grant({ expiresAt: iso(NOW + 600 * 60_000) }) });
    await create();
    await page.open('r-ext');
    expect(page.byTestId('approve-level')).toBeNull();
    expect(page.byTestId('approve-start-later')).toBeNull();
    expect(page.testIdText('approve-minutes-hint')).toBe('15 to 120 minutes (2 hours at most, as asked).');
    await page.setMinutes('10');
    expect(page.testIdText('approve-minutes-error')).toBe('At least 15 minutes.');
    await page.setMinutes('90');
    await page.agree();
    await page.approve();
    expect(gateway.approveRequest).toHaveBeenCalledWith('r-ext', { expireInMinutes: 90, agreeToRemoteSupportConsent: true, termsVersion: TERMS.version });
    expect(alerts.alerts.map((a) => a.message)).toContain('engineer@support.example has more time: access now ends at 2026-11-25 22:00 UTC.');
  });

  it('on a cluster not registered with Azure, needs the shared access signature, sends it, and starts only now', async () => {
    const sas = `SharedAccessSignature sr=https%3A%2F%2Fcontoso.servicebus.windows.net&sig=abc&se=${Math.floor(NOW / 1000) + 86_400}&skn=support`;
    gateway.answer('status', status({ registered: false }));
    gateway.answer('approveRequest', { request: accessRequest({ state: 'approved' }), grant: grant({ expiresAt: iso(NOW + 240 * 60_000) }) });
    await create();
    await page.open(pending.id);
    expect(page.query<HTMLInputElement>('[data-testid="approve-start-later"]')!.disabled).toBe(true);
    await page.agree();
    expect(page.approveDisabled()).toBe(true);
    expect(page.testIdText('approve-needed')).toBe('Still needed: the shared access signature.');
    await page.type('[data-testid="approve-sas"]', 'not a signature');
    expect(page.testIdText('approve-sas-error')).toContain('not a whole shared access signature');
    await page.type('[data-testid="approve-sas"]', sas);
    await page.approve();
    expect(gateway.approveRequest).toHaveBeenCalledWith(pending.id, {
      accessLevel: 'DiagnosticsRepair', expireInMinutes: 240, agreeToRemoteSupportConsent: true, termsVersion: TERMS.version, sasCredential: sas,
    });
  });

  describe('denying', () => {
    beforeEach(async () => {
      gateway.answer('denyRequest', { request: accessRequest({ state: 'denied' }) });
      await create();
      await page.open(pending.id);
    });

    it('needs a reason', async () => {
      await page.clickTestId('deny-submit');
      expect(page.testIdText('deny-reason-error')).toBe('Enter some text.');
      expect(gateway.denyRequest).not.toHaveBeenCalled();
    });

    it('asks first through the SDK\'s dialog, naming who asked and the reason, since a denial cannot be undone', async () => {
      await page.type('[data-testid="deny-reason"]', 'Not during the quarter close');
      await page.clickTestId('deny-submit');
      expect(page.testIdText('confirm-message')).toBe('engineer@support.example asked for Diagnostics and repair for 4 hours on case 2612030010000042. They will read your reason: \u201cNot during the quarter close\u201d. A denial cannot be undone: they must ask again.');
      expect(gateway.denyRequest).not.toHaveBeenCalled();
      await page.clickTestId('confirm-ok');
      expect(gateway.denyRequest).toHaveBeenCalledWith(pending.id, 'Not during the quarter close');
      expect(alerts.alerts.map((a) => a.message)).toContain('The request from engineer@support.example was denied.');
    });

    it('denies nothing when the admin cancels the confirmation', async () => {
      await page.type('[data-testid="deny-reason"]', 'No');
      await page.clickTestId('deny-submit');
      await page.clickTestId('confirm-cancel');
      expect(gateway.denyRequest).not.toHaveBeenCalled();
    });
  });

  it('sends the admin\'s question, shows it in the conversation and the state waits for the engineer', async () => {
    const asked = accessRequest({ state: 'info-requested', messages: [{ at: iso(NOW), from: 'admin', by: 'admin@contoso.com', text: 'Which node?' }] });
    gateway.answer('askAboutRequest', { request: asked });
    await create();
    await page.open(pending.id);
    await page.clickTestId('ask-submit');
    expect(page.testIdText('ask-question-error')).toBe('Enter some text.');
    await page.type('[data-testid="ask-question"]', 'Which node?');
    gateway.answer('accessRequests', requestList(asked));
    await page.clickTestId('ask-submit');
    expect(gateway.askAboutRequest).toHaveBeenCalledWith(pending.id, 'Which node?');
    expect(page.messages()).toEqual(['admin@contoso.com (administrator) · 2026-11-25 12:00 UTC Which node?']);
    expect(page.testIdText('request-state')).toBe('Waiting for the engineer');
    expect(page.query<HTMLTextAreaElement>('[data-testid="ask-question"]')!.value).toBe('');
  });
});
