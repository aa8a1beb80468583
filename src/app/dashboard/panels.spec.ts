import { Component } from '@angular/core';
import { ComponentFixture, TestBed } from '@angular/core/testing';
import { RouterTestingModule } from '@angular/router/testing';
import { AgentOperation, GrantView, NodeStatus, Prerequisites, RelayView, SessionView } from '../core/api-models';
import { DomHarness, FakeClock, grant, iso, node, NOW, operation, PREREQUISITES, provideAppContextStub, provideFakeClock, relay, session } from '../testing';
import { AgentRequest } from './agent-panel.component';
import { DashboardModule } from './dashboard.module';

@Component({
  template: `
    <rs-grant-panel [grant]="grant" [agentReady]="agentReady" (grantRequested)="log.push('grant')" (revokeRequested)="log.push('revoke')"></rs-grant-panel>
    <rs-live-sessions-panel [sessions]="sessions" [ending]="ending" (endSession)="log.push('end:' + $event.id)"></rs-live-sessions-panel>
    <rs-agent-panel [nodes]="nodes" [operation]="operation" [grantActive]="!!grant" (request)="requests.push($event)"></rs-agent-panel>
    <rs-prerequisites-panel [prerequisites]="prerequisites" (recheck)="log.push('recheck')"></rs-prerequisites-panel>
    <rs-relay-status [relay]="relay"></rs-relay-status>
  `,
})
class HostComponent {
  grant: GrantView | null = null;
  agentReady = true;
  sessions: SessionView[] = [];
  ending = new Set<string>();
  nodes: NodeStatus[] = [node('hci-n01', 'NotInstalled'), node('hci-n02', 'Installed'), node('hci-n03', 'Failed')];
  operation: AgentOperation | null = null;
  prerequisites: Prerequisites | null = PREREQUISITES;
  relay: RelayView | null | undefined = null;
  log: string[] = [];
  requests: AgentRequest[] = [];
}

describe('dashboard panels', () => {
  let fixture: ComponentFixture<HostComponent>;
  let host: HostComponent;
  let page: DomHarness;

  beforeEach(async () => {
    await TestBed.configureTestingModule({
      imports: [DashboardModule, RouterTestingModule],
      declarations: [HostComponent],
      providers: [provideAppContextStub(), provideFakeClock(new FakeClock())],
    }).compileComponents();
    fixture = TestBed.createComponent(HostComponent);
    host = fixture.componentInstance;
    page = new DomHarness(fixture);
    await page.settle();
  });

  describe('GrantPanelComponent', () => {
    it('says nobody has access, and offers Grant but no Revoke', () => {
      expect(page.byTestId('no-grant')).not.toBeNull();
      expect(page.testIdText('open-grant')).toBe('Grant access');
      expect(page.byTestId('revoke')).toBeNull();
    });

    it('shows the level, who granted it, the expiry, a countdown and the case', async () => {
      host.grant = grant({ accessLevel: 'DiagnosticsRepair', supportCaseNumber: 'CASE-9' });
      await page.settle();
      expect(page.testIdText('grant-level')).toBe('Diagnostics and repair');
      expect(page.testIdText('grant-by')).toBe('admin@contoso.com');
      expect(page.testIdText('grant-expires')).toBe('2026-11-25 19:59 UTC');
      expect(page.testIdText('grant-countdown')).toBe('7 h 59 min');
      expect(page.testIdText('grant-case')).toBe('CASE-9');
      expect(page.testIdText('open-grant')).toBe('Change access');
      await page.clickTestId('revoke');
      expect(host.log).toEqual(['revoke']);
    });

    it('asks for the agent before a grant', async () => {
      host.agentReady = false;
      await page.settle();
      expect(page.byTestId('agent-needed')).not.toBeNull();
      expect(page.isDisabled('[data-testid="open-grant"]')).toBe(true);
    });
  });

  describe('LiveSessionsPanelComponent', () => {
    it('lists live sessions with engineer, case, nodes and commands so far', async () => {
      host.sessions = [session(), session({ id: 's-2', engineer: 'other@support.example', commandCount: 12, supportCase: null })];
      await page.settle();
      const rows = page.queryAll('[data-testid="live-sessions"] tbody tr');
      expect(rows).toHaveLength(2);
      expect(rows[0]!.textContent).toContain('engineer@support.example');
      expect(rows[0]!.textContent).toContain('hci-n01, hci-n02');
      expect(rows[1]!.querySelector('[data-testid="command-count"]')!.textContent!.trim()).toBe('12 commands');
      expect(rows[1]!.textContent).toContain('None');
    });

    it('names End session by its label, and ties it to the engineer by a description', async () => {
      host.sessions = [session()];
      await page.settle();
      const button = page.byTestId('end-session')!;
      expect(button.hasAttribute('aria-label')).toBe(false);
      expect(button.textContent!.trim()).toBe('End session');
      expect(document.getElementById(button.getAttribute('aria-describedby')!)!.textContent).toBe('engineer@support.example');
    });

    it('writes one command and several in words', async () => {
      host.sessions = [session({ commandCount: 1 }), session({ id: 's-2', commandCount: 0 })];
      await page.settle();
      expect(page.queryAll('[data-testid="command-count"]').map((c) => c.textContent!.trim())).toEqual(['1 command', '0 commands']);
    });

    it('ends a session on request and shows it is ending', async () => {
      host.sessions = [session()];
      await page.settle();
      await page.clickTestId('end-session');
      expect(host.log).toEqual([`end:${session().id}`]);
      host.ending = new Set([session().id]);
      await page.settle();
      expect(page.isDisabled('[data-testid="end-session"]')).toBe(true);
    });
  });

  describe('AgentPanelComponent', () => {
    it('shows each node\'s agent state and offers the action that fits it', () => {
      const row = (n: string) => page.query(`[data-node="${n}"]`)!;
      expect(row('hci-n01').querySelector('[data-testid="agent-state"]')!.textContent).toContain('Not installed');
      expect(row('hci-n01').querySelector('[data-testid="install-node"]')).not.toBeNull();
      expect(row('hci-n02').querySelector('[data-testid="remove-node"]')).not.toBeNull();
      expect(row('hci-n03').querySelector('[data-testid="install-node"]')).not.toBeNull();
    });

    it('asks to install on one node or on all', async () => {
      await page.click('[data-node="hci-n01"] [data-testid="install-node"]');
      await page.clickTestId('install-all');
      expect(host.requests).toEqual([{ kind: 'install', nodes: ['hci-n01'] }, { kind: 'install', nodes: [] }]);
    });

    it('shows per-node progress while an operation runs, and blocks new ones', async () => {
      host.operation = operation();
      await page.settle();
      expect(page.text('[data-node="hci-n01"] [data-testid="agent-progress"]')).toContain('Step 2 of 4: Copy JEA role capability');
      expect(page.query<HTMLProgressElement>('[data-node="hci-n01"] progress')!.value).toBe(1);
      expect(page.text('[data-node="hci-n02"] [data-testid="agent-progress"]')).toContain('Failed: WinRM did not answer');
      expect(page.testIdText('agent-operation')).toContain('Installing: 0 of 2 nodes done');
      expect(page.isDisabled('[data-testid="install-all"]')).toBe(true);
    });

    it('shows a node\'s failure text once', async () => {
      host.nodes = [{ ...node('hci-n02', 'Failed'), agent: { ...node('hci-n02', 'Failed').agent, detail: 'WinRM did not answer' } }];
      host.operation = operation({ status: 'failed' });
      await page.settle();
      expect(page.text('[data-node="hci-n02"]').split('WinRM did not answer')).toHaveLength(2);
      host.operation = null;
      await page.settle();
      expect(page.text('[data-node="hci-n02"]').split('WinRM did not answer')).toHaveLength(2);
    });

    it('does not offer removal while a grant is active', async () => {
      host.grant = grant();
      await page.settle();
      expect(page.isDisabled('[data-testid="remove-all"]')).toBe(true);
      expect(page.byTestId('remove-blocked')).not.toBeNull();
    });
  });

  describe('PrerequisitesPanelComponent', () => {
    it('puts failing checks first, each with what to do', () => {
      const attention = page.queryAll('[data-testid="attention-checks"] li');
      expect(attention.map((li) => li.getAttribute('data-status'))).toEqual(['failed', 'warning']);
      expect(attention[0]!.querySelector('[data-testid="remedy"]')!.textContent).toContain('What to do: Install-Module Az.StackHCI on hci-n02');
      expect(page.testIdText('prereq-summary')).toContain('2 checks need attention');
    });

    it('keeps passed checks without a remedy, folded away behind an expander that says so', async () => {
      const toggle = page.byTestId('passed-toggle')!;
      expect(toggle.textContent).toContain('1 check passed');
      expect(toggle.getAttribute('aria-expanded')).toBe('false');
      expect(toggle.querySelector('.rs-expander-arrow')!.textContent).toBe('▸');
      expect(page.byTestId('passed-checks')!.hidden).toBe(true);
      await page.clickTestId('passed-toggle');
      expect(toggle.getAttribute('aria-expanded')).toBe('true');
      expect(toggle.querySelector('.rs-expander-arrow')!.textContent).toBe('▾');
      expect(page.byTestId('passed-checks')!.hidden).toBe(false);
      expect(page.byTestId('passed-checks')!.querySelector('[data-testid="remedy"]')).toBeNull();
    });

    it('writes counts as words do, never "(s)"', async () => {
      const checks = (n: number, status: 'passed' | 'failed') =>
        Array.from({ length: n }, (_, i) => ({ id: `${status}-${i}`, title: 'A check', node: null, status, detail: '', remedy: 'Do it' }));
      host.prerequisites = { ...PREREQUISITES, ready: false, checks: [...checks(1, 'failed'), ...checks(3, 'passed')] } as Prerequisites;
      await page.settle();
      expect(page.testIdText('prereq-summary')).toBe('1 check needs attention before remote support can work.');
      expect(page.testIdText('passed-toggle')).toContain('3 checks passed');
      expect(page.text('[data-testid="prerequisites"]')).not.toContain('(s)');
    });

    it('checks again on request', async () => {
      await page.clickTestId('recheck');
      expect(host.log).toEqual(['recheck']);
    });
  });

  describe('RelayStatusComponent', () => {
    const summary = () => page.testIdText('relay-summary');

    it('shows nothing when the relay is off, or the gateway has none', async () => {
      expect(page.byTestId('relay-status')).toBeNull();
      host.relay = undefined;
      await page.settle();
      expect(page.byTestId('relay-status')).toBeNull();
    });

    it('says it listens, since when, and through which address', async () => {
      host.relay = relay({ connectedAt: iso(NOW - 90_000) });
      await page.settle();
      expect(summary()).toBe('✓ Relay: Listening since 2026-11-25 11:58 UTC');
      expect(page.testIdText('relay-address')).toBe(
        'Support engineers outside this network reach the cluster through wss://contoso-support.servicebus.windows.net/$hc/hci-cl01 while access is granted.',
      );
      expect(page.byTestId('relay-summary')!.classList.contains('rs-text-critical')).toBe(false);
    });

    it('says why it reconnects, when it tries next and how many attempts failed', async () => {
      host.relay = relay({ state: 'reconnecting', error: 'the relay refused the listener token (401)', attempts: 3, nextRetryAt: iso(NOW + 20_000), connectedAt: null });
      await page.settle();
      expect(summary()).toBe('! Relay: Reconnecting — the relay refused the listener token (401); next attempt at 2026-11-25 12:00 UTC (3 failed attempts so far)');
    });

    it('says it connects, and that the connection dropped when the gateway gives no reason', async () => {
      host.relay = relay({ state: 'connecting', connectedAt: null });
      await page.settle();
      expect(summary()).toBe('! Relay: Connecting…');
      host.relay = relay({ state: 'reconnecting', attempts: 1, connectedAt: null });
      await page.settle();
      expect(summary()).toBe('! Relay: Reconnecting — the connection to the relay dropped (1 failed attempt so far)');
    });

    it('says it is not listening because no access is granted', async () => {
      host.relay = relay({ state: 'closed', connectedAt: null });
      await page.settle();
      expect(summary()).toBe('i Relay: Not listening — no access is granted');
      expect(page.byTestId('relay-summary')!.classList.contains('rs-text-critical')).toBe(false);
    });

    it('says why it is not listening when the relay cannot be used', async () => {
      host.relay = relay({ state: 'closed', error: 'no listen key is configured for this registered cluster', connectedAt: null });
      await page.settle();
      expect(summary()).toBe('✕ Relay: Not listening — no listen key is configured for this registered cluster');
      expect(page.byTestId('relay-summary')!.classList.contains('rs-text-critical')).toBe(true);
    });
  });
});
