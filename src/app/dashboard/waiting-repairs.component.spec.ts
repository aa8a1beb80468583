import { Component } from '@angular/core';
import { ComponentFixture, TestBed } from '@angular/core/testing';
import { RouterTestingModule } from '@angular/router/testing';
import { Subject } from 'rxjs';
import { RepairApprovalView } from '../core/api-models';
import { AlertLedger } from '../shared/alert-ledger';
import { FakeNotificationCenter, provideNotificationCenter } from '../shared/notification-center.fake';
import { DomHarness, FakeClock, FakeGateway, FakeLiveEventStream, gatewayError, iso, NOW, provideFakeClock, provideFakeEvents, provideFakeGateway } from '../testing';
import { DashboardModule } from './dashboard.module';
import { waitingRepair } from './waiting-repair.fixture';

@Component({
  template: `<rs-waiting-repairs [approvals]="approvals" [stopped]="stopped" (reload)="reloads = reloads + 1"></rs-waiting-repairs>`,
})
class HostComponent {
  approvals: RepairApprovalView[] | undefined = [waitingRepair()];
  stopped = false;
  reloads = 0;
}

/** The waiting repairs as an admin sees them, card by card. */
class WaitingRepairsHarness extends DomHarness {
  card(id = waitingRepair().id): HTMLElement | null {
    return this.query(`[data-testid="waiting-repair"][data-approval-id="${id}"]`);
  }

  field(testId: string, id = waitingRepair().id): string {
    return (this.card(id)?.querySelector(`[data-testid="${testId}"]`)?.textContent ?? '').replace(/\s+/g, ' ').trim();
  }

  button(testId: string, id = waitingRepair().id): HTMLButtonElement {
    const b = this.card(id)?.querySelector<HTMLButtonElement>(`[data-testid="${testId}"]`);
    if (!b) throw new Error(`No ${testId} on ${id}`);
    return b;
  }
}

describe('WaitingRepairsComponent', () => {
  let gateway: FakeGateway;
  let clock: FakeClock;
  let center: FakeNotificationCenter;
  let fixture: ComponentFixture<HostComponent>;
  let host: HostComponent;
  let page: WaitingRepairsHarness;
  let alerts: AlertLedger;
  const id = waitingRepair().id;

  beforeEach(async () => {
    gateway = new FakeGateway();
    clock = new FakeClock();
    center = new FakeNotificationCenter();
    await TestBed.configureTestingModule({
      imports: [DashboardModule, RouterTestingModule],
      declarations: [HostComponent],
      providers: [provideFakeGateway(gateway), provideFakeEvents(new FakeLiveEventStream()), provideNotificationCenter(center), provideFakeClock(clock)],
    }).compileComponents();
    alerts = TestBed.inject(AlertLedger);
    alerts.clear();
    fixture = TestBed.createComponent(HostComponent);
    host = fixture.componentInstance;
    page = new WaitingRepairsHarness(fixture);
    await page.settle();
  });

  afterEach(() => fixture.destroy());

  it('is not there while no repair waits, inside a region that announces a new one', async () => {
    host.approvals = [];
    await page.settle();
    expect(page.byTestId('waiting-repairs')).toBeNull();
    expect(page.query('[aria-live="polite"]')).not.toBeNull();
    host.approvals = undefined;
    await page.settle();
    expect(page.byTestId('waiting-repairs')).toBeNull();
  });

  it('shows the engineer, the node, the command exactly as it runs, the reason and when it was asked', () => {
    expect(page.byTestId('waiting-repairs')!.closest('[aria-live="polite"]')).not.toBeNull();
    expect(page.field('repair-command')).toBe('Restart-Service -Name ClusSvc');
    expect(page.field('repair-node')).toBe('hci-n02');
    expect(page.field('repair-engineer')).toBe('engineer@support.example');
    expect(page.field('repair-reason')).toBe('vmms hangs after the update');
    expect(page.card()!.textContent).toContain('2026-11-25 11:59 UTC');
    expect(page.card()!.textContent).toContain('If you approve, the gateway runs exactly this command on hci-n02, once: Restart-Service -Name ClusSvc');
  });

  it('writes switches as -Name, lists with commas and quotes only the values that need it', async () => {
    host.approvals = [waitingRepair({ cmdlet: 'Repair-VirtualDisk', parameters: { FriendlyName: "Volume 01 (Bob's)", Force: true } }), waitingRepair({ id: 'b', parameters: { Name: ['vmms', 'vmcompute'] } })];
    await page.settle();
    expect(page.field('repair-command')).toBe("Repair-VirtualDisk -FriendlyName 'Volume 01 (Bob''s)' -Force");
    expect(page.field('repair-command', 'b')).toBe('Restart-Service -Name vmms,vmcompute');
  });

  it('says so when the engineer gave no reason', async () => {
    host.approvals = [waitingRepair({ reason: null })];
    await page.settle();
    expect(page.field('repair-reason')).toBe('No reason given');
  });

  it('lists the oldest first', async () => {
    host.approvals = [waitingRepair({ id: 'new', askedAt: iso(NOW - 1000) }), waitingRepair({ id: 'old', askedAt: iso(NOW - 60_000) })];
    await page.settle();
    expect(page.queryAll('[data-testid="waiting-repair"]').map((c) => c.getAttribute('data-approval-id'))).toEqual(['old', 'new']);
  });

  it('counts down to the automatic refusal, and then says it was refused and reads the status again', () => {
    expect(page.field('repair-countdown')).toBe('Refused automatically in 4:32');
    clock.advance(1000);
    expect(page.field('repair-countdown')).toBe('Refused automatically in 4:31');
    clock.advance(211_000);
    expect(page.field('repair-countdown')).toBe('Refused automatically in 1:00');
    expect(page.card()!.querySelector('[data-testid="repair-countdown"]')!.classList).toContain('rs-text-critical');
    clock.advance(60_000);
    expect(page.field('repair-countdown')).toBe('No answer in time: refused automatically');
    expect(page.button('repair-approve').disabled).toBe(true);
    expect(host.reloads).toBe(1);
    clock.advance(5000);
    expect(host.reloads).toBe(1);
  });

  it('stops the countdown while the gateway cannot be reached, and resumes with the true time', async () => {
    host.stopped = true;
    await page.settle();
    clock.advance(10_000);
    await page.settle();
    expect(page.field('repair-countdown')).toBe('Refused automatically in 4:32');
    expect(page.card()!.querySelector('[data-testid="repair-countdown"]')!.getAttribute('data-paused')).toBe('true');
    expect(clock.pendingTimers).toBe(0);
    host.stopped = false;
    await page.settle();
    expect(page.field('repair-countdown')).toBe('Refused automatically in 4:22');
  });

  it('leaves no timer behind when it goes', () => {
    expect(clock.pendingTimers).toBe(1);
    fixture.destroy();
    expect(clock.pendingTimers).toBe(0);
  });

  it('approves with the note, keeps the buttons disabled while it runs, and says it runs now', async () => {
    const answer = gateway.hold('decideRepair');
    await page.type(`#rs-repair-note-${id}`, '  check vmms first ');
    await page.click(`[data-approval-id="${id}"] [data-testid="repair-approve"]`);
    expect(gateway.decideRepair).toHaveBeenCalledWith(id, 'approve', 'check vmms first');
    expect(page.button('repair-approve').disabled).toBe(true);
    expect(page.button('repair-refuse').disabled).toBe(true);
    answer.next({ approval: waitingRepair({ state: 'approved' }) });
    answer.complete();
    await page.settle();
    expect(alerts.alerts.map((a) => [a.kind, a.message])).toEqual([['success', 'Restart-Service on hci-n02 approved; it runs now.']]);
    expect(page.card()!.textContent).toContain('Approved');
    expect(center.find(`rs-repair-${id}`)[0]!.message).toBe('Restart-Service on hci-n02 was approved by you; it runs now.');
    clock.advance(6000);
    expect(alerts.alerts).toEqual([]);
    expect(gateway.decideRepair).toHaveBeenCalledTimes(1);
  });

  it('approves without a note when none is written', async () => {
    gateway.answer('decideRepair', { approval: waitingRepair({ state: 'approved' }) });
    await page.click(`[data-approval-id="${id}"] [data-testid="repair-approve"]`);
    expect(gateway.decideRepair).toHaveBeenCalledWith(id, 'approve', undefined);
  });

  it('refuses only with a reason, and sends that reason', async () => {
    gateway.answer('decideRepair', { approval: waitingRepair({ state: 'refused' }) });
    await page.click(`[data-approval-id="${id}"] [data-testid="repair-refuse"]`);
    expect(document.activeElement).toBe(page.byTestId('repair-refuse-reason'));
    await page.clickTestId('repair-refuse-confirm');
    expect(gateway.decideRepair).not.toHaveBeenCalled();
    expect(page.card()!.querySelector('[role="alert"]')!.textContent!.trim()).toBe('Give a reason before you refuse the repair.');
    expect(page.byTestId('repair-refuse-reason')!.getAttribute('aria-invalid')).toBe('true');
    await page.type('[data-testid="repair-refuse-reason"]', '   ');
    await page.clickTestId('repair-refuse-confirm');
    expect(gateway.decideRepair).not.toHaveBeenCalled();
    await page.type('[data-testid="repair-refuse-reason"]', 'not during month-end close');
    await page.clickTestId('repair-refuse-confirm');
    expect(gateway.decideRepair).toHaveBeenCalledWith(id, 'refuse', 'not during month-end close');
    expect(alerts.alerts[0]!.message).toBe('Restart-Service on hci-n02 refused; the engineer sees your reason.');
  });

  it('sends nothing when the admin cancels refusing', async () => {
    await page.click(`[data-approval-id="${id}"] [data-testid="repair-refuse"]`);
    await page.clickTestId('repair-refuse-cancel');
    expect(page.byTestId('repair-refuse-reason')).toBeNull();
    expect(page.byTestId('repair-approve')).not.toBeNull();
    expect(gateway.decideRepair).not.toHaveBeenCalled();
  });

  describe('when the answer does not count', () => {
    async function approveFailing(error: ReturnType<typeof gatewayError>): Promise<void> {
      gateway.fail('decideRepair', error);
      await page.click(`[data-approval-id="${id}"] [data-testid="repair-approve"]`);
    }

    it('says another answer came first, and reads the status again', async () => {
      await approveFailing(gatewayError('ApprovalAlreadyDecided', 'Repair approval x was already settled (refused by other-admin); it can be decided once', null, 409));
      expect(alerts.alerts.map((a) => [a.kind, a.message, a.code])).toEqual([
        ['warning', 'Restart-Service on hci-n02 was already answered (by another administrator, or in another window). The list is read again.', 'ApprovalAlreadyDecided'],
      ]);
      expect(host.reloads).toBe(1);
      expect(page.button('repair-approve').disabled).toBe(false);
    });

    it('says it timed out when it did', async () => {
      await approveFailing(gatewayError('ApprovalAlreadyDecided', 'Repair approval x was already settled (timed-out); it can be decided once', null, 409));
      expect(alerts.alerts[0]!.message).toBe('Restart-Service on hci-n02 waited too long and was refused automatically; your answer was not recorded. The list is read again.');
      expect(host.reloads).toBe(1);
    });

    it('says it no longer waits when the gateway does not know it', async () => {
      await approveFailing(gatewayError('ApprovalNotFound', 'No repair approval x is waiting', null, 404));
      expect(alerts.alerts[0]!.message).toContain('no longer waits for an answer');
      expect(host.reloads).toBe(1);
    });

    it('says the gateway cannot be reached, and keeps the card to try again', async () => {
      await approveFailing(gatewayError('GatewayUnreachable', 'down', null, 0));
      expect(alerts.alerts[0]!.message).toBe('Could not approve Restart-Service on hci-n02: the remote support gateway cannot be reached. Check that it is running and try again.');
      expect(host.reloads).toBe(0);
      expect(page.button('repair-approve').disabled).toBe(false);
    });
  });

  it('keeps what the admin typed when the status is read again', async () => {
    await page.type(`#rs-repair-note-${id}`, 'half written');
    host.approvals = [waitingRepair(), waitingRepair({ id: 'other', askedAt: iso(NOW) })];
    await page.settle();
    expect(page.query<HTMLInputElement>(`#rs-repair-note-${id}`)!.value).toBe('half written');
  });

  it('sends one answer even when Approve is selected twice', async () => {
    const answer: Subject<unknown> = gateway.hold('decideRepair');
    await page.click(`[data-approval-id="${id}"] [data-testid="repair-approve"]`);
    page.button('repair-approve').click();
    expect(gateway.decideRepair).toHaveBeenCalledTimes(1);
    answer.complete();
  });
});
