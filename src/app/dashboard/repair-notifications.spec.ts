import { TestBed } from '@angular/core/testing';
import { NotificationState } from '@microsoft/windows-admin-center-sdk/core';
import { FakeNotificationCenter, provideNotificationCenter } from '../shared/notification-center.fake';
import { FakeGateway, FakeLiveEventStream, iso, NOW, provideFakeEvents, provideFakeGateway } from '../testing';
import { readRepairEvent, RepairAnswersHere, RepairNotifications } from './repair-notifications';
import { waitingRepair } from './waiting-repair.fixture';

describe('RepairNotifications', () => {
  let events: FakeLiveEventStream;
  let center: FakeNotificationCenter;
  let service: RepairNotifications;
  const id = waitingRepair().id;
  const only = () => {
    const found = center.find('rs-repair-');
    expect(found).toHaveLength(1);
    return found[0]!;
  };

  beforeEach(() => {
    events = new FakeLiveEventStream();
    center = new FakeNotificationCenter();
    TestBed.configureTestingModule({ providers: [provideFakeGateway(new FakeGateway()), provideFakeEvents(events), provideNotificationCenter(center)] });
    service = TestBed.inject(RepairNotifications);
  });

  it('tells the admin a repair waits, naming the command, the node and the engineer', () => {
    events.emit('repair.pending', waitingRepair());
    const n = only();
    expect(n.id).toBe(`rs-repair-${id}`);
    expect(FakeNotificationCenter.stateName(n.state)).toBe('Critical');
    expect(n.title).toBe('A repair waits for your approval');
    expect(n.message).toBe(
      'engineer@support.example asks to run Restart-Service -Name ClusSvc on hci-n02. Open Remote support on the Overview to approve or refuse it; unanswered, it is refused automatically at 2026-11-25 12:04 UTC.',
    );
  });

  it('updates the same notification with the answer and who gave it', () => {
    events.emit('repair.pending', waitingRepair());
    events.emit('repair.decided', waitingRepair({ state: 'refused', decidedBy: { name: 'admin@contoso.com', id: 'x' }, decidedAt: iso(NOW) }));
    const n = only();
    expect(n.updates).toBe(1);
    expect(n.state).toBe(NotificationState.Informational);
    expect([n.title, n.message]).toEqual(['Repair refused', 'Restart-Service on hci-n02 was refused by admin@contoso.com.']);
    events.emit('repair.decided', waitingRepair({ state: 'approved', decidedBy: { name: 'admin@contoso.com', id: 'x' } }));
    expect([only().title, only().message]).toEqual(['Repair approved', 'Restart-Service on hci-n02 was approved by admin@contoso.com; it runs now.']);
  });

  it('says a repair timed out, or that its session ended', () => {
    events.emit('repair.pending', waitingRepair());
    events.emit('repair.decided', waitingRepair({ state: 'timed-out' }));
    expect(FakeNotificationCenter.stateName(only().state)).toBe('Warning');
    expect(only().message).toBe('Restart-Service on hci-n02 had no answer in time and was refused automatically.');
    events.emit('repair.decided', waitingRepair({ state: 'cancelled' }));
    expect(only().message).toBe('Restart-Service on hci-n02 no longer waits: its session ended.');
  });

  it('on the PowerShell path, says only that it no longer waits, and keeps an answer given on this page', () => {
    events.emit('repair.pending', waitingRepair());
    events.emit('repair.decided', waitingRepair());
    expect(only().title).toBe('Repair answered');
    TestBed.inject(RepairAnswersHere).answered(waitingRepair(), 'approve');
    expect(only().message).toBe('Restart-Service on hci-n02 was approved by you; it runs now.');
    events.emit('repair.decided', waitingRepair());
    expect(only().message).toBe('Restart-Service on hci-n02 was approved by you; it runs now.');
  });

  it('reads the gateway\'s internal object too: epoch-ms times and plain names', () => {
    events.emit('repair.pending', { id: 'a-1', cmdlet: 'Stop-Service', node: 'hci-n01', engineer: 'eng', parameters: { Name: 'vmms' }, expiresAt: NOW + 300_000 });
    expect(center.find('rs-repair-a-1')[0]!.message).toContain('eng asks to run Stop-Service -Name vmms on hci-n01.');
    expect(center.find('rs-repair-a-1')[0]!.message).toContain('2026-11-25 12:05 UTC');
    events.emit('repair.decided', { id: 'a-1', state: 'approved', decidedBy: 'admin' });
    expect(center.find('rs-repair-a-1')[0]!.message).toBe('Stop-Service on hci-n01 was approved by admin; it runs now.');
  });

  it('ignores other events and data that names no approval', () => {
    events.emit('grant.created', waitingRepair());
    events.emit('repair.pending', null);
    events.emit('repair.pending', { cmdlet: 'Restart-Service' });
    expect(center.items.size).toBe(0);
    expect(readRepairEvent('text')).toBeNull();
  });

  it('stops listening when the application goes', () => {
    expect(events.observed).toBe(true);
    service.ngOnDestroy();
    expect(events.observed).toBe(false);
  });
});
