import { ComponentFixture, discardPeriodicTasks, fakeAsync, flush, TestBed, tick } from '@angular/core/testing';
import { RouterTestingModule } from '@angular/router/testing';
import { AppContextService } from '@microsoft/windows-admin-center-sdk/angular';
import type { PowerShellCommand } from '@microsoft/windows-admin-center-sdk/core';
import { Observable, of, Subject } from 'rxjs';
import { ClusterStatus } from '../core/api-models';
import { provideRemoteSupportGateway } from '../core/gateway-transport';
import { LiveEventStream } from '../core/live-event-stream';
import { PowerShellGatewayTransport } from '../core/powershell-gateway-transport';
import { requestOf } from '../core/powershell-commands';
import { RemoteSupportGateway } from '../core/remote-support-gateway';
import { PAGE_VISIBILITY, POLLING } from '../core/status-polling-stream';
import { AlertLedger } from '../shared/alert-ledger';
import { appContextStub, DomHarness, FakeClock, grant, iso, NOW, PREREQUISITES, provideFakeClock, relay, session, status } from '../testing';
import { DashboardComponent } from './dashboard.component';
import { DashboardModule } from './dashboard.module';

/**
 * WAC's PowerShell API as the SDK's PowerShellConnection presents it: each run
 * answers with the wrapper script's one JSON string, by the cmdlet the command
 * names in its request.
 */
class FakePowerShellApi {
  current: ClusterStatus = status();
  down = false;
  readonly cmdlets: string[] = [];

  createSession = jest.fn(() => ({ dispose: jest.fn() }));
  run = jest.fn((_session: unknown, command: PowerShellCommand): Observable<unknown> => {
    const cmdlet = requestOf(command)['RemoteSupportCommand'] as string;
    this.cmdlets.push(cmdlet);
    const answer = (body: unknown) => of({ results: [JSON.stringify(body)] });
    if (this.down) return answer({ ok: false, error: { code: 'GatewayUnreachable', message: 'The remote support gateway did not answer' } });
    if (cmdlet === 'Get-AzStackHCIRemoteSupportStatus') return answer({ ok: true, data: [this.current] });
    if (cmdlet === 'Test-AzStackHCIRemoteSupportPrerequisite') return answer({ ok: true, data: [PREREQUISITES] });
    return answer({ ok: false, error: { code: 'RouteNotFound', message: `not in this fake: ${cmdlet}` } });
  });

  count(cmdlet: string): number {
    return this.cmdlets.filter((c) => c === cmdlet).length;
  }
}

describe('DashboardComponent on the PowerShell transport', () => {
  let powerShell: FakePowerShellApi;
  let clock: FakeClock;
  let fixture: ComponentFixture<DashboardComponent>;
  let page: DomHarness;
  const STATUS = 'Get-AzStackHCIRemoteSupportStatus';

  function create(): void {
    const appContext = {
      ...appContextStub(),
      powerShell,
      activeConnection: { nodeName: null, value: { name: 'hci-cl01.contoso.local' } },
    };
    TestBed.configureTestingModule({
      imports: [DashboardModule, RouterTestingModule],
      providers: [
        { provide: AppContextService, useValue: appContext },
        ...provideRemoteSupportGateway(),
        provideFakeClock(clock),
        { provide: PAGE_VISIBILITY, useValue: { hidden: false, changes$: new Subject<void>() } },
      ],
    });
    TestBed.inject(AlertLedger).clear();
    fixture = TestBed.createComponent(DashboardComponent);
    page = new DomHarness(fixture);
    fixture.detectChanges();
  }

  function finish(): void {
    fixture.destroy();
    discardPeriodicTasks();
    flush();
  }

  beforeEach(() => {
    powerShell = new FakePowerShellApi();
    clock = new FakeClock();
  });

  it('shows what the cmdlets answer, and a grant made elsewhere at the next reading', fakeAsync(() => {
    create();
    expect(TestBed.inject(RemoteSupportGateway)).toBeInstanceOf(PowerShellGatewayTransport);
    expect(page.byTestId('no-grant')).not.toBeNull();
    expect(page.byTestId('prerequisites')).not.toBeNull();

    // An admin grants with Enable-AzStackHCIRemoteSupport in a console.
    powerShell.current = status({ activeGrant: grant({ grantedBy: 'CONTOSO\\alice' }) });
    clock.advance(POLLING.intervalMs);
    tick(300); // the overview reads the status again after a burst of events
    fixture.detectChanges();
    expect(page.testIdText('grant-by')).toBe('CONTOSO\\alice');
    finish();
  }));

  it('shows the relay reconnecting at the next reading after it dropped', fakeAsync(() => {
    powerShell.current = status({ activeGrant: grant(), relay: relay() });
    create();
    expect(page.testIdText('relay-summary')).toContain('Relay: Listening since');

    powerShell.current = status({
      activeGrant: grant(),
      relay: relay({ state: 'reconnecting', error: 'the control channel closed (1006)', attempts: 2, nextRetryAt: iso(NOW + 30_000), connectedAt: null }),
    });
    clock.advance(POLLING.intervalMs);
    tick(300); // the overview reads the status again after the relay.state the reading produced
    fixture.detectChanges();
    expect(page.testIdText('relay-summary')).toBe('! Relay: Reconnecting — the control channel closed (1006); next attempt at 2026-11-25 12:00 UTC (2 failed attempts so far)');
    finish();
  }));

  it('keeps the last good state while readings fail, says so, and reads everything again when they succeed', fakeAsync(() => {
    powerShell.current = status({ activeGrant: grant(), liveSessions: [session()] });
    create();
    const live = TestBed.inject(LiveEventStream);
    expect(live.state).toBe('open');
    const readings = powerShell.count(STATUS);

    powerShell.down = true;
    clock.advance(POLLING.intervalMs);
    fixture.detectChanges();
    expect(live.state).toBe('reconnecting');
    expect(page.testIdText('grant-level')).toBe('Diagnostics');
    expect(page.text('[data-testid="live-sessions"]')).toContain('engineer@support.example');

    powerShell.down = false;
    powerShell.current = status();
    clock.advance(2 * POLLING.intervalMs); // the first retry waits 10 s
    tick(300);
    fixture.detectChanges();
    expect(live.state).toBe('open');
    expect(powerShell.count(STATUS)).toBeGreaterThanOrEqual(readings + 3); // the failed one, the retry, the overview's own
    expect(page.byTestId('no-grant')).not.toBeNull();
    finish();
  }));
});
