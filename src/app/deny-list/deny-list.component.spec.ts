import { ComponentFixture, TestBed } from '@angular/core/testing';
import { RouterTestingModule } from '@angular/router/testing';
import { DenyListView, DenyRule, LevelCommands } from '../core/api-models';
import { GatewayError } from '../core/gateway-error';
import { AlertLedger } from '../shared/alert-ledger';
import { FakeNotificationCenter, provideNotificationCenter } from '../shared/notification-center.fake';
import { ToolRefresh } from '../tool/tool-refresh';
import { DomHarness, FakeClock, FakeGateway, FakeLiveEventStream, gatewayError, iso, NOW, provideFakeClock, provideFakeEvents, provideFakeGateway } from '../testing';
import { DenyListComponent } from './deny-list.component';
import { DenyListModule } from './deny-list.module';

const SQL_RULE: DenyRule = { cmdlet: 'Restart-Service', parameters: { Name: 'ClusSvc' }, hostsRoles: ['vm-sql02'], reason: 'never restart ClusSvc on the node hosting the SQL role' };
const VMMS_RULE: DenyRule = { cmdlet: 'Stop-Service', parameters: { Name: ['vmms', 'vmcompute'] }, nodes: ['hci-n02'], reason: 'hci-n02 runs the billing VMs' };

function denyList(overrides: Partial<DenyListView> = {}): DenyListView {
  return {
    rules: [SQL_RULE, VMMS_RULE],
    version: 3,
    updatedAt: iso(NOW - 3_600_000),
    updatedBy: 'admin@contoso.com',
    updatedById: 'entra:t/a',
    intact: true,
    changes: [
      { version: 3, at: iso(NOW - 3_600_000), by: 'admin@contoso.com', byId: 'entra:t/a', rules: [SQL_RULE, VMMS_RULE] },
      { version: 2, at: iso(NOW - 7_200_000), by: 'other@contoso.com', byId: null, rules: [SQL_RULE] },
    ],
    ...overrides,
  };
}

/** The gateway's refusal of one rule's field, with what it accepts. */
const invalidRule = (field: string, allowed: string) => new GatewayError('InvalidDenyRule', `${field} must be ${allowed}`, 400, field, allowed);

const parameter = (name: string, kind: string) => ({ name, rule: { kind } });
const COMMAND_TABLE: { levels: LevelCommands[] } = {
  levels: [
    { accessLevel: 'Diagnostics', commands: [{ name: 'Get-Service', level: 'Diagnostics', reason: 'Service states', module: 'm', kind: 'cmdlet', parameters: [parameter('Name', 'text')] }] },
    {
      accessLevel: 'DiagnosticsRepair',
      commands: [
        { name: 'Get-Service', level: 'Diagnostics', reason: 'Service states', module: 'm', kind: 'cmdlet', parameters: [parameter('Name', 'text')] },
        { name: 'Restart-Service', level: 'DiagnosticsRepair', reason: 'Restart a service', module: 'm', kind: 'cmdlet', parameters: [parameter('Name', 'set'), parameter('Force', 'switch')] },
        { name: 'Stop-Service', level: 'DiagnosticsRepair', reason: 'Stop a service', module: 'm', kind: 'cmdlet', parameters: [parameter('Name', 'set'), parameter('Force', 'switch')] },
      ],
    },
  ],
};

/** The deny list as an admin works with it: rule by rule. */
class DenyListHarness extends DomHarness {
  rules(): HTMLElement[] {
    return this.queryAll('[data-testid="deny-rule"]');
  }

  rule(i: number): HTMLElement {
    const r = this.rules()[i];
    if (!r) throw new Error(`No rule ${i}`);
    return r;
  }

  /** A rule's field, by test id, as text. */
  ruleText(i: number, testId: string): string {
    return (this.rule(i).querySelector(`[data-testid="${testId}"]`)?.textContent ?? '').replace(/\s+/g, ' ').trim();
  }

  in(i: number, testId: string, nth = 0): string {
    return `[data-testid="deny-rule"][data-rule-index="${i}"] [data-testid="${testId}"]` + (nth ? `:nth-of-type(${nth})` : '');
  }

  async clickIn(i: number, testId: string): Promise<void> {
    await this.click(this.in(i, testId));
  }

  /** The messages shown at a rule's fields. */
  problems(i: number): string[] {
    return Array.from(this.rule(i).querySelectorAll('.rs-field-error')).map((e) => e.textContent!.trim());
  }

  async typeParameter(i: number, row: number, name: string, value: string | null): Promise<void> {
    const rows = this.rule(i).querySelectorAll('[data-testid="deny-rule-param"]');
    const r = rows[row]!;
    await this.type(`#${r.querySelector('[data-testid="deny-rule-param-name"]')!.id}`, name);
    if (value !== null) await this.type(`#${r.querySelector('[data-testid="deny-rule-param-value"]')!.id}`, value);
  }
}

describe('DenyListComponent', () => {
  let gateway: FakeGateway;
  let clock: FakeClock;
  let fixture: ComponentFixture<DenyListComponent>;
  let page: DenyListHarness;
  let alerts: AlertLedger;

  async function create(view: DenyListView = denyList()): Promise<void> {
    gateway.answer('denyList', view);
    await TestBed.configureTestingModule({
      imports: [DenyListModule, RouterTestingModule],
      providers: [provideFakeGateway(gateway), provideFakeEvents(new FakeLiveEventStream()), provideNotificationCenter(new FakeNotificationCenter()), provideFakeClock(clock)],
    }).compileComponents();
    alerts = TestBed.inject(AlertLedger);
    alerts.clear();
    fixture = TestBed.createComponent(DenyListComponent);
    page = new DenyListHarness(fixture);
    await page.settle();
  }

  beforeEach(() => {
    gateway = new FakeGateway();
    gateway.answer('commands', COMMAND_TABLE);
    clock = new FakeClock();
  });

  it('shows each rule: the command, the values it covers, the nodes, the roles and the reason', async () => {
    await create();
    expect(page.rules()).toHaveLength(2);
    expect(page.ruleText(0, 'deny-rule-command')).toBe('Restart-Service');
    expect(page.ruleText(0, 'deny-rule-parameters')).toBe('Name: ClusSvc');
    expect(page.ruleText(0, 'deny-rule-nodes')).toBe('Every node');
    expect(page.ruleText(0, 'deny-rule-hosts-roles')).toBe('vm-sql02');
    expect(page.ruleText(0, 'deny-rule-reason-text')).toBe('never restart ClusSvc on the node hosting the SQL role');
    expect(page.ruleText(1, 'deny-rule-parameters')).toBe('Name: vmms, vmcompute');
    expect(page.ruleText(1, 'deny-rule-nodes')).toBe('hci-n02');
    expect(page.ruleText(1, 'deny-rule-hosts-roles')).toBe('Any node (no cluster role condition)');
    expect(page.byTestId('deny-tampered')).toBeNull();
  });

  it('shows the version, who saved it and when, and the last changes', async () => {
    await create();
    expect(page.testIdText('deny-version')).toBe('Version 3, saved by admin@contoso.com at 2026-11-25 11:00 UTC');
    const rows = page.queryAll('[data-testid="deny-changes"] tbody tr').map((r) => Array.from(r.children).map((c) => c.textContent!.trim()));
    expect(rows).toEqual([
      ['3', '2026-11-25 11:00 UTC', 'admin@contoso.com', '2 rules: Restart-Service, Stop-Service'],
      ['2', '2026-11-25 10:00 UTC', 'other@contoso.com', '1 rule: Restart-Service'],
    ]);
  });

  it('says when the list is empty and was never saved', async () => {
    await create(denyList({ rules: [], version: 0, updatedAt: null, updatedBy: null, changes: [] }));
    expect(page.byTestId('deny-empty')).not.toBeNull();
    expect(page.testIdText('deny-version')).toBe('Version 0: nobody has saved a deny list on this cluster yet.');
    expect(page.testIdText('deny-changes')).toContain('No changes yet.');
    expect(page.isDisabled('[data-testid="deny-save"]')).toBe(true);
  });

  it('warns that every command is refused while the list is not intact, and lets it be saved again as it is', async () => {
    gateway.answer('setDenyList', denyList({ version: 4 }));
    await create(denyList({ intact: false }));
    expect(page.byTestId('deny-tampered')!.getAttribute('role')).toBe('alert');
    expect(page.testIdText('deny-tampered')).toContain('every command is refused until an administrator saves the list again');
    expect(page.isDisabled('[data-testid="deny-save"]')).toBe(false);
    await page.clickTestId('deny-save');
    expect(gateway.setDenyList).toHaveBeenCalledWith([SQL_RULE, VMMS_RULE], 3);
  });

  it('adds a rule and sends exactly the rules built, then shows the new version', async () => {
    gateway.answer('setDenyList', denyList({ version: 4, updatedAt: iso(NOW), rules: [SQL_RULE, VMMS_RULE] }));
    await create();
    expect(page.isDisabled('[data-testid="deny-save"]')).toBe(true);
    await page.clickTestId('deny-add');
    expect(page.rules()).toHaveLength(3);
    expect(document.activeElement).toBe(page.query(page.in(2, 'deny-rule-cmdlet')));
    const options = Array.from(page.query<HTMLSelectElement>(page.in(2, 'deny-rule-cmdlet'))!.querySelectorAll('optgroup')).map((g) => [
      g.label,
      Array.from(g.querySelectorAll('option')).map((o) => o.textContent!.trim()),
    ]);
    expect(options).toEqual([
      ['Repair commands', ['Restart-Service', 'Stop-Service']],
      ['Diagnostics commands', ['Get-Service']],
    ]);
    await page.select(page.in(2, 'deny-rule-cmdlet'), 'Stop-Service');
    await page.clickIn(2, 'deny-rule-param-add');
    await page.typeParameter(2, 0, 'Name', 'vmms,  vmcompute');
    await page.clickIn(2, 'deny-rule-param-add');
    await page.typeParameter(2, 1, 'Force', null);
    const switches = page.rule(2).querySelectorAll<HTMLInputElement>('[data-testid="deny-rule-param-switch"]');
    expect(switches[1]!.checked).toBe(true);
    const node = page.rule(2).querySelector<HTMLInputElement>('[data-testid="deny-rule-node"][data-node="hci-n03"]')!;
    await page.check(`#${node.id}`);
    await page.type(page.in(2, 'deny-rule-roles'), 'vm-sql02, vm-sql03');
    await page.type(page.in(2, 'deny-rule-reason'), '  not during month-end close ');
    expect(page.testIdText('deny-unsaved')).toContain('Unsaved changes');
    await page.clickTestId('deny-save');
    expect(gateway.setDenyList).toHaveBeenCalledWith([
      SQL_RULE,
      VMMS_RULE,
      { cmdlet: 'Stop-Service', parameters: { Name: ['vmms', 'vmcompute'], Force: true }, nodes: ['hci-n03'], hostsRoles: ['vm-sql02', 'vm-sql03'], reason: 'not during month-end close' },
    ], 3);
    expect(alerts.alerts.map((a) => [a.kind, a.message])).toEqual([['success', 'Deny list saved: version 4. The gateway applies it from the next command.']]);
    expect(page.testIdText('deny-version')).toBe('Version 4, saved by admin@contoso.com at 2026-11-25 12:00 UTC');
    expect(page.rules()).toHaveLength(2);
    clock.advance(6000);
    expect(alerts.alerts).toEqual([]);
  });

  it('refuses to overwrite a list someone else saved meanwhile: nothing is saved, and the list in force is shown with who saved it', async () => {
    await create();
    await page.clickIn(1, 'deny-remove');
    gateway.fail('setDenyList', new GatewayError('DenyListChanged', 'The deny list was saved by other@contoso.com after you read it', 409, 'expectedVersion', '5'));
    gateway.answer('denyList', denyList({ version: 5, updatedBy: 'other@contoso.com', rules: [SQL_RULE, VMMS_RULE, { cmdlet: 'Get-VM', reason: 'theirs' }] }));
    await page.clickTestId('deny-save');
    await page.clickTestId('confirm-ok');
    expect(gateway.setDenyList).toHaveBeenLastCalledWith([SQL_RULE], 3);
    expect(page.testIdText('deny-save-problem')).toBe('other@contoso.com saved the deny list after you opened it. Nothing of yours was saved, so their change stands: the list in force (version 5) is shown now. Make your change again on it.');
    expect(page.rules()).toHaveLength(3);
    expect(page.testIdText('deny-version')).toContain('Version 5');
  });

  it('sends one value as text and leaves out what the rule does not narrow', async () => {
    await create(denyList({ rules: [] }));
    await page.clickTestId('deny-add');
    await page.select(page.in(0, 'deny-rule-cmdlet'), 'Restart-Service');
    await page.clickIn(0, 'deny-rule-param-add');
    await page.typeParameter(0, 0, 'Name', 'ClusSvc');
    await page.clickIn(0, 'deny-rule-param-add');
    await page.type(page.in(0, 'deny-rule-reason'), 'no restarts');
    await page.clickTestId('deny-save');
    expect(gateway.setDenyList).toHaveBeenCalledWith([{ cmdlet: 'Restart-Service', parameters: { Name: 'ClusSvc' }, reason: 'no restarts' }], expect.any(Number));
  });

  it('asks for a command and a reason before it sends anything', async () => {
    await create();
    await page.clickTestId('deny-add');
    await page.clickTestId('deny-save');
    expect(gateway.setDenyList).not.toHaveBeenCalled();
    expect(page.problems(2)).toEqual(['Choose the command this rule refuses.', 'Say why: the engineer sees this reason.']);
    expect(page.testIdText('deny-save-problem')).toBe('The list was not saved: correct the fields marked in the rules.');
    expect(document.activeElement).toBe(page.query(page.in(2, 'deny-rule-cmdlet')));
    expect(page.query(page.in(2, 'deny-rule-cmdlet'))!.getAttribute('aria-invalid')).toBe('true');
    await page.select(page.in(2, 'deny-rule-cmdlet'), 'Get-Service');
    expect(page.problems(2)).toEqual(['Say why: the engineer sees this reason.']);
    await page.type(page.in(2, 'deny-rule-reason'), 'reads are fine, this one is not');
    expect(page.problems(2)).toEqual([]);
  });

  it('asks for a value, or a switch, for each parameter named', async () => {
    await create(denyList({ rules: [] }));
    await page.clickTestId('deny-add');
    await page.select(page.in(0, 'deny-rule-cmdlet'), 'Restart-Service');
    await page.clickIn(0, 'deny-rule-param-add');
    await page.typeParameter(0, 0, 'Name', ' , ');
    await page.type(page.in(0, 'deny-rule-reason'), 'why');
    await page.clickTestId('deny-save');
    expect(gateway.setDenyList).not.toHaveBeenCalled();
    expect(page.problems(0)).toEqual(['Give a value, several separated by commas, or tick Switch: present.']);
  });

  it('edits a rule, and Cancel changes puts the list in force back', async () => {
    await create();
    await page.clickIn(0, 'deny-edit');
    expect(page.query<HTMLInputElement>(page.in(0, 'deny-rule-reason'))!.value).toBe(SQL_RULE.reason);
    expect(page.query<HTMLInputElement>(page.in(0, 'deny-rule-roles'))!.value).toBe('vm-sql02');
    await page.type(page.in(0, 'deny-rule-reason'), 'changed my mind');
    expect(page.isDisabled('[data-testid="deny-save"]')).toBe(false);
    await page.clickTestId('deny-cancel');
    expect(page.ruleText(0, 'deny-rule-reason-text')).toBe(SQL_RULE.reason);
    expect(page.isDisabled('[data-testid="deny-save"]')).toBe(true);
    expect(gateway.setDenyList).not.toHaveBeenCalled();
  });

  it('edits a rule and saves it changed', async () => {
    await create();
    await page.clickIn(1, 'deny-edit');
    const box = page.rule(1).querySelector<HTMLInputElement>('[data-testid="deny-rule-node"][data-node="hci-n02"]')!;
    expect(box.checked).toBe(true);
    await page.check(`#${box.id}`, false);
    await page.clickIn(1, 'deny-rule-done');
    expect(page.ruleText(1, 'deny-rule-nodes')).toBe('Every node');
    await page.clickTestId('deny-save');
    expect(gateway.setDenyList).toHaveBeenCalledWith([SQL_RULE, { cmdlet: 'Stop-Service', parameters: { Name: ['vmms', 'vmcompute'] }, reason: VMMS_RULE.reason }], 3);
  });

  it('asks before saving a list with rules removed, and sends nothing when the admin cancels', async () => {
    gateway.answer('setDenyList', denyList({ version: 4, rules: [SQL_RULE] }));
    await create();
    await page.clickIn(1, 'deny-remove');
    expect(page.rules()).toHaveLength(1);
    await page.clickTestId('deny-save');
    expect(page.testIdText('confirm-title')).toBe('Save the deny list without 1 rule?');
    expect(page.testIdText('confirm-message')).toContain('Stop-Service (hci-n02 runs the billing VMs)');
    await page.clickTestId('confirm-cancel');
    expect(gateway.setDenyList).not.toHaveBeenCalled();
    await page.clickTestId('deny-save');
    await page.clickTestId('confirm-ok');
    expect(gateway.setDenyList).toHaveBeenCalledWith([SQL_RULE], 3);
  });

  it('shows the gateway\'s refusal at the rule and parameter it names, and changes nothing', async () => {
    gateway.fail('setDenyList', invalidRule('rules[1].parameters.Name', 'one or a list of vmms, vmcompute, ClusSvc'));
    await create();
    await page.clickIn(0, 'deny-edit');
    await page.type(page.in(0, 'deny-rule-reason'), 'a new reason');
    await page.clickTestId('deny-save');
    expect(page.problems(1)).toEqual(['The gateway does not accept -Name here. Accepted: one or a list of vmms, vmcompute, ClusSvc.']);
    expect(page.problems(0)).toEqual([]);
    expect(page.testIdText('deny-save-problem')).toBe('The gateway refused rule 2; nothing changed. The rule says why.');
    expect(document.activeElement).toBe(page.rule(1).querySelector('[data-testid="deny-rule-param-name"]'));
    expect(page.testIdText('deny-version')).toContain('Version 3');
    expect(alerts.alerts).toEqual([]);
    // Changing the field drops the gateway's word about it.
    await page.typeParameter(1, 0, 'Name', 'vmms');
    expect(page.problems(1)).toEqual([]);
  });

  it('shows a refused node and a refused reason at their fields', async () => {
    const refuse = (field: string, allowed: string) => gateway.fail('setDenyList', invalidRule(field, allowed));
    await create();
    refuse('rules[0].nodes[0]', 'a non-empty list of nodes of the cluster: hci-n01, hci-n02');
    await page.clickIn(0, 'deny-edit');
    await page.type(page.in(0, 'deny-rule-reason'), 'x');
    await page.clickTestId('deny-save');
    expect(page.problems(0)).toEqual(['The gateway does not accept these nodes. Accepted: a non-empty list of nodes of the cluster: hci-n01, hci-n02.']);
    refuse('rules[0].reason', 'a text of 1 to 500 printable characters saying why');
    await page.clickTestId('deny-save');
    expect(page.problems(0)).toEqual(['The gateway does not accept this reason. Accepted: a text of 1 to 500 printable characters saying why.']);
  });

  it('says why a save failed that names no rule', async () => {
    gateway.fail('setDenyList', gatewayError('GatewayUnreachable', 'down', null, 0));
    await create(denyList({ intact: false }));
    await page.clickTestId('deny-save');
    expect(alerts.alerts[0]!.message).toBe('Could not save the deny list: the remote support gateway cannot be reached. Check that it is running and try again.');
  });

  it('offers to try again when the list cannot be read, never a blank page', async () => {
    gateway.fail('denyList', gatewayError('GatewayUnreachable', 'down', null, 0));
    await TestBed.configureTestingModule({
      imports: [DenyListModule, RouterTestingModule],
      providers: [provideFakeGateway(gateway), provideFakeEvents(new FakeLiveEventStream()), provideNotificationCenter(new FakeNotificationCenter()), provideFakeClock(clock)],
    }).compileComponents();
    fixture = TestBed.createComponent(DenyListComponent);
    page = new DenyListHarness(fixture);
    await page.settle();
    expect(page.byTestId('deny-unavailable')).not.toBeNull();
    gateway.answer('denyList', denyList());
    await page.click('[data-testid="deny-unavailable"] button');
    expect(page.rules()).toHaveLength(2);
  });

  it('reads the list again on Refresh, but never over unsaved changes', async () => {
    await create();
    TestBed.inject(ToolRefresh).request();
    await page.settle();
    expect(gateway.denyList).toHaveBeenCalledTimes(2);
    await page.clickIn(0, 'deny-remove');
    TestBed.inject(ToolRefresh).request();
    expect(gateway.denyList).toHaveBeenCalledTimes(2);
  });
});
