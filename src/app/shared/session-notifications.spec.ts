import { TestBed } from '@angular/core/testing';
import { FakeGateway, FakeLiveEventStream, provideFakeEvents, provideFakeGateway } from '../testing';
import { FakeNotificationCenter, provideNotificationCenter } from './notification-center.fake';
import { SessionNotifications } from './session-notifications';

describe('SessionNotifications', () => {
  let events: FakeLiveEventStream;
  let center: FakeNotificationCenter;
  let service: SessionNotifications;

  beforeEach(() => {
    events = new FakeLiveEventStream();
    center = new FakeNotificationCenter();
    TestBed.configureTestingModule({ providers: [provideFakeGateway(new FakeGateway()), provideFakeEvents(events), provideNotificationCenter(center)] });
    service = TestBed.inject(SessionNotifications);
    service.start();
  });
  afterEach(() => service.ngOnDestroy());

  const session = { id: 's-1', engineer: 'eve@vendor.example', supportCase: '4242', accessLevel: 'DiagnosticsRepair', nodes: ['hci-n01', 'hci-n02'], endReason: null };

  it('says who started a session, at which level, for which case and on which nodes', () => {
    events.emit('session.started', session);
    const n = center.items.get('rs-session-s-1')!;
    expect(FakeNotificationCenter.stateName(n.state)).toBe('Informational');
    expect(n.title).toBe('Support session started');
    expect(n.message).toBe('eve@vendor.example opened a session at Diagnostics and repair for case 4242, on hci-n01, hci-n02. Every command is recorded; watch it on the Overview.');
  });

  it('updates the same notification when the session ends, with why in words', () => {
    events.emit('session.started', session);
    events.emit('session.ended', { ...session, endReason: 'revoked' });
    const n = center.items.get('rs-session-s-1')!;
    expect(n.updates).toBe(1);
    expect(n.title).toBe('Support session ended');
    expect(n.message).toBe('The session of eve@vendor.example for case 4242 ended: Access revoked. Its transcript is in History.');
  });

  it('raises a critical notification when a check finds the record changed', () => {
    events.emit('integrity.failed', { kind: 'transcript', sessionId: 's-9', problem: 'entry 3 does not match its hash', problems: [], verifiedBy: 'admin' });
    const n = center.items.get('rs-integrity-s-9')!;
    expect(FakeNotificationCenter.stateName(n.state)).toBe('Critical');
    expect(n.message).toContain('entry 3 does not match its hash');
  });

  it('ignores events it cannot read and events of other kinds', () => {
    events.emit('session.started', { nothing: true });
    events.emit('grant.created', session);
    expect(center.items.size).toBe(0);
  });
});
