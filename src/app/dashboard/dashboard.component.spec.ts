import { ComponentFixture, fakeAsync, flush, TestBed, tick } from '@angular/core/testing';
import { RouterTestingModule } from '@angular/router/testing';
import { of } from 'rxjs';
import { AlertLedger } from '../shared/alert-ledger';
import { FakeNotificationCenter, provideNotificationCenter } from '../shared/notification-center.fake';
import { ToolRefresh } from '../tool/tool-refresh';
import {
  DomHarness, FakeClock, FakeGateway, FakeLiveEventStream, gatewayError, grant, GrantDialogHarness, operation,
  NOW, provideAppContextStub, provideFakeClock, provideFakeEvents, provideFakeGateway, relay, session, status,
} from '../testing';
import { DashboardComponent } from './dashboard.component';
import { DashboardModule } from './dashboard.module';

describe('DashboardComponent', () => {
  let gateway: FakeGateway;
  let events: FakeLiveEventStream;
  let fixture: ComponentFixture<DashboardComponent>;
  let page: DomHarness;
  let alerts: AlertLedger;
  let center: FakeNotificationCenter;

  async function create(): Promise<void> {
    await TestBed.configureTestingModule({
      imports: [DashboardModule, RouterTestingModule],
      providers: [provideFakeGateway(gateway), provideFakeEvents(events), provideNotificationCenter(center), provideFakeClock(new FakeClock())],
    }).compileComponents();
    alerts = TestBed.inject(AlertLedger);
    alerts.clear();
    fixture = TestBed.createComponent(DashboardComponent);
    page = new DomHarness(fixture);
    await page.settle();
  }

  beforeEach(() => {
    gateway = new FakeGateway();
    events = new FakeLiveEventStream();
    center = new FakeNotificationCenter();
  });

  it('shows the status and the prerequisites of the cluster', async () => {
    await create();
    expect(gateway.status).toHaveBeenCalledTimes(1);
    expect(gateway.prerequisites).toHaveBeenCalledTimes(1);
    expect(page.testIdText('registration')).toContain('hci-cl01.contoso.local is registered with Azure');
    expect(page.byTestId('grant-panel')).not.toBeNull();
    expect(page.byTestId('prerequisites')).not.toBeNull();
  });

  it('shows an alert and a way to try again when the gateway cannot be reached, never a blank page', async () => {
    gateway.fail('status', gatewayError('GatewayUnreachable', 'down', null, 0));
    await create();
    expect(alerts.alerts[0]!.message).toContain('cannot be reached');
    expect(page.byTestId('status-unavailable')).not.toBeNull();
    gateway.answer('status', status());
    await page.click('[data-testid="status-unavailable"] button');
    expect(page.byTestId('grant-panel')).not.toBeNull();
  });

  describe('revoking', () => {
    beforeEach(async () => {
      gateway.answer('status', status({ activeGrant: grant(), liveSessions: [session(), session({ id: 's-2' })] }));
      gateway.answer('revoke', { revoked: grant({ state: 'revoked' }), sessionsEnded: 2 });
      await create();
    });

    it('asks first, saying the live sessions will be cut', async () => {
      await page.clickTestId('revoke');
      expect(page.testIdText('revoke-message')).toContain('Access ends now');
      expect(page.testIdText('revoke-sessions')).toBe('All 2 live sessions will be cut immediately.');
      expect(gateway.revoke).not.toHaveBeenCalled();
    });

    it('revokes nothing when the admin cancels', async () => {
      await page.clickTestId('revoke');
      await page.clickTestId('revoke-cancel');
      expect(gateway.revoke).not.toHaveBeenCalled();
    });

    it('revokes on confirmation and says how many sessions ended', async () => {
      await page.clickTestId('revoke');
      gateway.answer('status', status());
      await page.clickTestId('revoke-confirm');
      expect(gateway.revoke).toHaveBeenCalledTimes(1);
      expect(alerts.alerts.map((a) => a.message)).toContain('Access revoked; 2 live sessions ended.');
      expect(page.byTestId('no-grant')).not.toBeNull();
    });

    it('shows why a revoke failed', async () => {
      gateway.fail('revoke', gatewayError('Internal', 'The gateway failed unexpectedly', null, 500));
      await page.clickTestId('revoke');
      await page.clickTestId('revoke-confirm');
      expect(alerts.alerts[0]).toMatchObject({ kind: 'error', code: 'Internal' });
      expect(alerts.alerts[0]!.message).toContain('Could not revoke access: The gateway failed unexpectedly');
    });
  });

  it('grants through the dialog and shows the new grant', async () => {
    gateway.answer('grant', { grant: grant(), superseded: null });
    await create();
    await page.clickTestId('open-grant');
    const dialog = new GrantDialogHarness(fixture);
    expect(dialog.sasVisible()).toBe(false); // the status says the cluster is registered
    await dialog.agree();
    gateway.answer('status', status({ activeGrant: grant() }));
    await dialog.grant();
    expect(gateway.grant).toHaveBeenCalledWith(expect.objectContaining({ accessLevel: 'Diagnostics', expireInMinutes: 480 }));
    expect(page.testIdText('grant-level')).toBe('Diagnostics');
    expect(alerts.alerts.some((a) => a.kind === 'success')).toBe(true);
  });

  it('asks for the SAS credential when the cluster is not registered', async () => {
    gateway.answer('status', status({ registered: false }));
    await create();
    await page.clickTestId('open-grant');
    expect(new GrantDialogHarness(fixture).sasVisible()).toBe(true);
  });

  it('ends a live session once the admin confirms, and not when they cancel', async () => {
    gateway.answer('status', status({ activeGrant: grant(), liveSessions: [session()] }));
    await create();
    await page.clickTestId('end-session');
    expect(page.testIdText('confirm-title')).toBe('End the session of engineer@support.example?');
    expect(page.testIdText('confirm-ok')).toBe('End session');
    await page.clickTestId('confirm-cancel');
    expect(gateway.endSession).not.toHaveBeenCalled();
    expect(page.query('[data-testid="live-sessions"] tbody tr')).not.toBeNull();
    await page.clickTestId('end-session');
    await page.clickTestId('confirm-ok');
    expect(gateway.endSession).toHaveBeenCalledWith(session().id);
  });

  it('starts an agent install and shows its progress at once', async () => {
    gateway.answer('status', status({ nodes: status().nodes.map((n) => ({ ...n, agent: { ...n.agent, state: 'NotInstalled' as const } })) }));
    gateway.installAgent.mockReturnValue(of({ operation: operation() }));
    await create();
    await page.clickTestId('install-all');
    expect(gateway.installAgent).toHaveBeenCalledWith([]);
    expect(page.text('[data-node="hci-n01"] [data-testid="agent-progress"]')).toContain('Step 2 of 4');
  });

  describe('live updates', () => {
    it('reads the status again when a session starts or a grant expires, once per burst', fakeAsync(() => {
      TestBed.configureTestingModule({
        imports: [DashboardModule, RouterTestingModule],
        providers: [provideFakeGateway(gateway), provideFakeEvents(events), provideAppContextStub(), provideFakeClock(new FakeClock())],
      });
      fixture = TestBed.createComponent(DashboardComponent);
      fixture.detectChanges();
      expect(gateway.status).toHaveBeenCalledTimes(1);
      events.emit('session.started', session());
      events.emit('grant.expired', grant({ state: 'expired' }));
      tick(300);
      expect(gateway.status).toHaveBeenCalledTimes(2);
      fixture.destroy();
      flush();
    }));

    it('shows the relay as the gateway reports it, and reads it again when its state changes', fakeAsync(() => {
      gateway.answer('status', status({ activeGrant: grant(), relay: relay() }));
      TestBed.configureTestingModule({
        imports: [DashboardModule, RouterTestingModule],
        providers: [provideFakeGateway(gateway), provideFakeEvents(events), provideAppContextStub(), provideFakeClock(new FakeClock())],
      });
      fixture = TestBed.createComponent(DashboardComponent);
      page = new DomHarness(fixture);
      fixture.detectChanges();
      expect(page.testIdText('relay-summary')).toContain('Relay: Listening since');

      gateway.answer('status', status({ activeGrant: grant(), relay: relay({ state: 'reconnecting', error: 'the control channel closed (1006)', attempts: 1, connectedAt: null }) }));
      // What the gateway's event hub sends: the listener with epoch-ms times.
      events.emit('relay.state', { state: 'reconnecting', address: relay().address, since: NOW, error: 'the control channel closed (1006)', attempts: 1, nextRetryAt: null, connectedAt: null });
      tick(300);
      fixture.detectChanges();
      expect(gateway.status).toHaveBeenCalledTimes(2);
      expect(page.testIdText('relay-summary')).toContain('Relay: Reconnecting — the control channel closed (1006)');
      fixture.destroy();
      flush();
    }));

    it('shows no relay line when the relay is off', async () => {
      gateway.answer('status', status({ relay: null }));
      await create();
      expect(page.byTestId('grant-panel')).not.toBeNull();
      expect(page.byTestId('relay-status')).toBeNull();
    });

    it('shows install progress from agent.progress events', async () => {
      await create();
      events.emit('agent.progress', operation());
      await page.settle();
      expect(page.testIdText('agent-operation')).toContain('Installing');
      expect(page.text('[data-node="hci-n02"] [data-testid="agent-progress"]')).toContain('WinRM did not answer');
    });

    it('counts the commands of a live session as they are written', async () => {
      gateway.answer('status', status({ activeGrant: grant(), liveSessions: [session({ commandCount: 3 })] }));
      await create();
      events.emit('transcript.entry', { sessionId: session().id, seq: 9, kind: 'command', text: 'Get-Cluster' });
      events.emit('transcript.entry', { sessionId: session().id, seq: 10, kind: 'output', text: 'hci-cl01' });
      await page.settle();
      expect(page.testIdText('command-count')).toBe('4 commands');
    });

    it('reads the status again when live updates come back after an interruption', async () => {
      await create();
      events.setState('reconnecting');
      events.setState('open');
      await page.settle();
      expect(gateway.status).toHaveBeenCalledTimes(2);
    });

    it('stops listening when it goes away', async () => {
      await create();
      expect(events.observed).toBe(true);
      fixture.destroy();
      expect(events.observed).toBe(false);
    });
  });

  describe('issue 15', () => {
    const removable = () => status({ nodes: status().nodes });

    it('reads the status and the prerequisites again on the toolbar\'s Refresh, and shows what changed', async () => {
      await create();
      expect(page.byTestId('no-grant')).not.toBeNull();
      gateway.answer('status', status({ activeGrant: grant({ grantedBy: 'CONTOSO\\bob' }) }));
      TestBed.inject(ToolRefresh).request();
      await page.settle();
      expect(gateway.prerequisites).toHaveBeenCalledTimes(2);
      expect(page.testIdText('grant-by')).toBe('CONTOSO\\bob');
    });

    it('marks the data out of date and stops the countdown while the gateway cannot be reached, and reads it again after', async () => {
      gateway.answer('status', status({ activeGrant: grant() }));
      await create();
      expect(page.byTestId('stale-badge')).toBeNull();
      events.setState('reconnecting');
      await page.settle();
      expect(page.testIdText('stale-badge')).toBe('Out of date');
      expect(page.byTestId('overview')!.getAttribute('data-stale')).toBe('true');
      expect(page.query('[data-testid="grant-countdown"] time')!.getAttribute('data-paused')).toBe('true');
      // The frame's banner says the gateway cannot be reached; an alert does not repeat it.
      gateway.fail('status', gatewayError('GatewayUnreachable', 'down', null, 0));
      TestBed.inject(ToolRefresh).request();
      await page.settle();
      expect(alerts.alerts.filter((a) => a.kind === 'error')).toEqual([]);
      // A sign-in that ended is not the gateway being away: that alert stays (the frame's banner says how to sign in).
      gateway.fail('status', gatewayError('Unauthenticated', 'Sign in first', null, 401));
      TestBed.inject(ToolRefresh).request();
      await page.settle();
      events.setState('open');
      events.setState('reconnecting');
      await page.settle();
      expect(alerts.alerts.map((a) => a.code)).toEqual(['Unauthenticated']);
      gateway.answer('status', status());
      events.setState('open');
      await page.settle();
      expect(page.byTestId('stale-badge')).toBeNull();
      expect(page.byTestId('no-grant')).not.toBeNull();
    });

    it('asks before removing the agent from one node, and Cancel changes nothing', async () => {
      gateway.answer('status', removable());
      await create();
      await page.click('[data-node="hci-n02"] [data-testid="remove-node"]');
      expect(page.testIdText('confirm-title')).toBe('Remove the agent from hci-n02?');
      expect(page.testIdText('confirm-message')).toContain('removed from hci-n02');
      await page.clickTestId('confirm-cancel');
      expect(gateway.removeAgent).not.toHaveBeenCalled();
      await page.click('[data-node="hci-n02"] [data-testid="remove-node"]');
      await page.clickTestId('confirm-ok');
      expect(gateway.removeAgent).toHaveBeenCalledWith(['hci-n02']);
    });

    it('asks before removing the agent from all nodes, and Cancel changes nothing', async () => {
      gateway.answer('status', removable());
      await create();
      await page.clickTestId('remove-all');
      expect(page.testIdText('confirm-title')).toBe('Remove the agent from all nodes?');
      expect(page.testIdText('confirm-ok')).toBe('Remove from all nodes');
      await page.clickTestId('confirm-cancel');
      expect(gateway.removeAgent).not.toHaveBeenCalled();
      await page.clickTestId('remove-all');
      await page.clickTestId('confirm-ok');
      expect(gateway.removeAgent).toHaveBeenCalledWith([]);
    });

    it('keeps one WAC notification per agent install, updated as each node finishes', async () => {
      await create();
      const running = operation({ nodes: [
        { node: 'hci-n01', status: 'running', step: 'Copy JEA role capability', stepsDone: 1, stepsTotal: 4, error: null },
        { node: 'hci-n02', status: 'pending', step: null, stepsDone: 0, stepsTotal: 4, error: null },
      ] });
      events.emit('agent.progress', running);
      events.emit('agent.progress', running); // the same again: no new update
      events.emit('agent.progress', operation({ nodes: [
        { node: 'hci-n01', status: 'succeeded', step: null, stepsDone: 4, stepsTotal: 4, error: null },
        { node: 'hci-n02', status: 'running', step: 'Register the JEA endpoint', stepsDone: 2, stepsTotal: 4, error: null },
      ] }));
      await page.settle();
      let [n] = center.find('rs-agent-');
      expect(center.find('rs-agent-')).toHaveLength(1);
      expect(n).toMatchObject({ title: 'Installing the remote support agent', updates: 1 });
      expect(FakeNotificationCenter.stateName(n!.state)).toBe('InProgress');
      expect(n!.message).toContain('1 of 2 nodes done');
      expect(n!.message).toContain('hci-n01: Done; hci-n02: Step 3 of 4: Register the JEA endpoint');
      events.emit('agent.finished', operation({ status: 'succeeded', nodes: [
        { node: 'hci-n01', status: 'succeeded', step: null, stepsDone: 4, stepsTotal: 4, error: null },
        { node: 'hci-n02', status: 'succeeded', step: null, stepsDone: 4, stepsTotal: 4, error: null },
      ] }));
      await page.settle();
      [n] = center.find('rs-agent-');
      expect(FakeNotificationCenter.stateName(n!.state)).toBe('Success');
      expect(n!.message).toContain('Installed on 2 of 2 nodes');
    });

    it('says when access expired, in the alert bar (until closed) and as a WAC notification', async () => {
      gateway.answer('status', status({ activeGrant: grant() }));
      await create();
      events.emit('grant.expired', grant({ state: 'expired' }));
      await page.settle();
      const alert = alerts.alerts.find((a) => a.topic === 'grant')!;
      expect(alert.kind).toBe('warning');
      expect(alert.message).toContain('Remote support access to hci-cl01.contoso.local expired at 2026-11-25 19:59');
      const [n] = center.find('rs-grant-g-1');
      expect(n).toMatchObject({ title: 'Remote support access expired' });
    });

    it('raises a WAC notification when access is revoked', async () => {
      gateway.answer('status', status({ activeGrant: grant(), liveSessions: [session()] }));
      await create();
      events.emit('grant.revoked', grant({ state: 'revoked' }));
      await page.settle();
      expect(center.find('rs-grant-g-1')[0]).toMatchObject({ title: 'Remote support access revoked', message: 'Access revoked; the live session was ended.' });
    });

    it('shows the new level on the live session row right after Change access, without switching tabs', async () => {
      gateway.answer('status', status({ activeGrant: grant(), liveSessions: [session()] }));
      await create();
      expect(page.testIdText('session-level')).toBe('Diagnostics');
      // The gateway moves the session to the new grant at its next command; until then the status still has the old level.
      const changed = grant({ id: 'g-2', accessLevel: 'DiagnosticsRepair' });
      gateway.answer('status', status({ activeGrant: changed, liveSessions: [session()] }));
      events.emit('grant.superseded', grant({ state: 'superseded' }));
      events.emit('grant.created', changed);
      await new Promise((r) => setTimeout(r, 300));
      await page.settle();
      expect(page.testIdText('session-level')).toBe('Diagnostics and repair');
    });

    it('counts denied attempts in a live session\'s commands', async () => {
      gateway.answer('status', status({ activeGrant: grant(), liveSessions: [session({ commandCount: 3 })] }));
      await create();
      events.emit('transcript.entry', { sessionId: session().id, seq: 9, kind: 'command', text: 'Get-Cluster' });
      await page.settle();
      expect(page.testIdText('command-count')).toBe('4 commands');
      events.emit('transcript.entry', { sessionId: session().id, seq: 10, kind: 'denied', text: 'Stop-Service -Name ClusSvc' });
      await page.settle();
      expect(page.testIdText('command-count')).toBe('5 commands, 1 denied');
      events.emit('transcript.entry', { sessionId: session().id, seq: 11, kind: 'denied', text: 'Remove-Item C:\\' });
      await page.settle();
      expect(page.testIdText('command-count')).toBe('6 commands, 2 denied');
    });
  });
});
