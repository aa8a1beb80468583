import { Component, ViewChild } from '@angular/core';
import { ComponentFixture, TestBed } from '@angular/core/testing';
import { FakeGateway, gatewayError, GrantDialogHarness, grant, provideAppContextStub, provideFakeGateway, TERMS } from '../testing';
import { GrantAccessDialogComponent, GrantAccessDialogOptions, GrantAccessDialogResult } from './grant-access-dialog.component';
import { GrantDialogModule } from './grant-dialog.module';

@Component({ template: `<rs-grant-access-dialog id="rs-test-grant"></rs-grant-access-dialog>` })
class HostComponent {
  @ViewChild(GrantAccessDialogComponent, { static: true }) dialog!: GrantAccessDialogComponent;
}

const VALID_SAS = 'SharedAccessSignature sr=sb%3A%2F%2Frelay&sig=abc%3D&se=4102444800&skn=listen';

describe('GrantAccessDialogComponent', () => {
  let gateway: FakeGateway;
  let fixture: ComponentFixture<HostComponent>;
  let page: GrantDialogHarness;
  let results: GrantAccessDialogResult[];

  async function open(options: Partial<GrantAccessDialogOptions> = {}): Promise<void> {
    fixture.componentInstance.dialog.show({ registered: true, activeGrant: null, ...options }).subscribe((r) => results.push(r));
    await page.settle();
  }

  beforeEach(async () => {
    gateway = new FakeGateway();
    results = [];
    await TestBed.configureTestingModule({
      imports: [GrantDialogModule],
      declarations: [HostComponent],
      providers: [provideFakeGateway(gateway), provideAppContextStub()],
    }).compileComponents();
    fixture = TestBed.createComponent(HostComponent);
    page = new GrantDialogHarness(fixture);
    await page.settle();
  });

  it('starts at 480 minutes shown as 8 hours', async () => {
    await open();
    expect(page.durationAmount()).toBe('8');
    expect(page.durationUnit()).toBe('hours');
    expect(page.minutesShown()).toContain('480');
  });

  it('shows exactly the commands the chosen level allows', async () => {
    await open();
    expect(page.levelCommands()).toEqual(['Get-Cluster', 'Get-ClusterNode']);
    await page.chooseLevel('DiagnosticsRepair');
    expect(page.levelCommands()).toEqual(['Get-Cluster', 'Get-ClusterNode', 'Restart-Service']);
    expect(page.commandsHeading()).toContain('3 commands');
  });

  it('shows the terms in full', async () => {
    await open();
    expect(page.termsText()).toBe(TERMS.text);
  });

  it('keeps Grant disabled until the terms are agreed to', async () => {
    await open();
    expect(page.grantEnabled()).toBe(false);
    await page.agree();
    expect(page.grantEnabled()).toBe(true);
    await page.agree(false);
    expect(page.grantEnabled()).toBe(false);
    expect(page.fieldError('agreeToRemoteSupportConsent')).toContain('agreement');
  });

  it.each([
    ['0.9833333333', 'hours', 59, false],
    ['1', 'hours', 60, true],
    ['14', 'days', 20160, true],
    ['336.0166667', 'hours', 20161, false],
  ] as const)('judges %s %s (%i minutes) as valid=%p', async (amount, unit, minutes, valid) => {
    await open();
    await page.agree();
    await page.setDuration(amount, unit);
    expect(page.minutesShown()).toContain(String(minutes));
    expect(page.grantEnabled()).toBe(valid);
    if (valid) expect(page.fieldError('expireInMinutes')).toBeNull();
    else expect(page.fieldError('expireInMinutes')).toMatch(minutes < 60 ? /at least 1 hour \(60 minutes\)/ : /at most 14 days \(20160 minutes\)/);
  });

  it('keeps the same length of time when the unit changes', async () => {
    await open();
    await page.setDuration('48', 'hours');
    await page.select('#rs-duration-unit', 'days');
    expect(page.durationAmount()).toBe('2');
    expect(page.minutesShown()).toContain('2880');
  });

  it('refuses a duration that is not a whole number of minutes', async () => {
    await open();
    await page.agree();
    await page.setDuration('1.001', 'hours');
    expect(page.grantEnabled()).toBe(false);
    expect(page.fieldError('expireInMinutes')).toContain('whole number of minutes');
  });

  it('asks for no SAS credential when the cluster is registered', async () => {
    await open({ registered: true });
    expect(page.sasVisible()).toBe(false);
  });

  it('requires a well-formed SAS credential when the cluster is not registered', async () => {
    await open({ registered: false });
    expect(page.sasVisible()).toBe(true);
    await page.agree();
    expect(page.grantEnabled()).toBe(false);
    await page.typeSas('not a signature');
    expect(page.fieldError('sasCredential')).toContain('not a Shared Access Signature');
    await page.typeSas(VALID_SAS);
    expect(page.fieldError('sasCredential')).toBeNull();
    expect(page.grantEnabled()).toBe(true);
  });

  it('checks the support case number inline', async () => {
    await open();
    await page.agree();
    await page.typeCase('case #1');
    expect(page.fieldError('supportCaseNumber')).toContain('letters, digits or hyphens');
    expect(page.grantEnabled()).toBe(false);
    await page.typeCase('CASE-2026-001');
    expect(page.grantEnabled()).toBe(true);
  });

  it('sends the grant with the minutes, the case, the SAS credential and the terms version', async () => {
    const granted = { grant: grant(), superseded: null };
    gateway.answer('grant', granted);
    await open({ registered: false });
    await page.chooseLevel('DiagnosticsRepair');
    await page.setDuration('2', 'days');
    await page.typeCase('CASE-7');
    await page.typeSas(VALID_SAS);
    await page.agree();
    await page.grant();
    expect(gateway.grant).toHaveBeenCalledWith({
      accessLevel: 'DiagnosticsRepair',
      expireInMinutes: 2880,
      agreeToRemoteSupportConsent: true,
      supportCaseNumber: 'CASE-7',
      sasCredential: VALID_SAS,
      termsVersion: TERMS.version,
    });
    expect(results).toEqual([{ granted }]);
  });

  it('shows an API error next to the field it names', async () => {
    gateway.fail('grant', gatewayError('InvalidSasCredential', 'sasCredential has expired (se is in the past)', 'sasCredential'));
    await open({ registered: false });
    await page.typeSas(VALID_SAS);
    await page.agree();
    await page.grant();
    expect(page.fieldError('sasCredential')).toBe('sasCredential has expired (se is in the past)');
    expect(page.grantEnabled()).toBe(false);
    expect(results).toEqual([]);
    await page.typeSas(VALID_SAS + 'x');
    expect(page.fieldError('sasCredential')).toBeNull();
  });

  it('shows an API error that names no field above the buttons', async () => {
    gateway.fail('grant', gatewayError('AgentNotInstalled', 'Install the remote support agent first', null, 409));
    await open();
    await page.agree();
    await page.grant();
    expect(page.generalError()).toContain('Install the remote support agent first');
  });

  it('asks for agreement again when the terms changed meanwhile', async () => {
    gateway.fail('grant', gatewayError('TermsVersionMismatch', 'termsVersion does not match the current terms', 'termsVersion', 409));
    await open();
    await page.agree();
    await page.grant();
    expect(page.fieldError('termsVersion')).toContain('does not match');
    expect(gateway.terms).toHaveBeenCalledTimes(2);
    expect(page.grantEnabled()).toBe(false);
  });

  it('says that a new grant replaces the active one', async () => {
    await open({ activeGrant: grant({ accessLevel: 'DiagnosticsRepair' }) });
    expect(page.byTestId('supersede-note')).not.toBeNull();
    expect(page.levelCommands()).toContain('Restart-Service');
  });

  it('closes with no grant on Cancel', async () => {
    await open();
    await page.cancel();
    expect(results).toEqual([{ granted: null }]);
    expect(gateway.grant).not.toHaveBeenCalled();
  });
});
