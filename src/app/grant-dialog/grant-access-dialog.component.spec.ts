import { Component, ViewChild } from '@angular/core';
import { ComponentFixture, TestBed } from '@angular/core/testing';
import { FakeClock, FakeGateway, gatewayError, GrantDialogHarness, grant, NOW, provideAppContextStub, provideFakeClock, provideFakeGateway, TERMS } from '../testing';
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
  let clock: FakeClock;

  async function open(options: Partial<GrantAccessDialogOptions> = {}): Promise<void> {
    fixture.componentInstance.dialog.show({ registered: true, activeGrant: null, ...options }).subscribe((r) => results.push(r));
    await page.settle();
  }

  beforeEach(async () => {
    gateway = new FakeGateway();
    results = [];
    clock = new FakeClock(NOW);
    await TestBed.configureTestingModule({
      imports: [GrantDialogModule],
      declarations: [HostComponent],
      providers: [provideFakeGateway(gateway), provideAppContextStub(), provideFakeClock(clock)],
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
    expect(page.fieldError('sasCredential')).toContain('not a whole shared access signature');
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

  it('shows an API error next to the field it names, in words for an admin', async () => {
    gateway.fail('grant', gatewayError('InvalidSasCredential', 'sasCredential must be a Shared Access Signature "SharedAccessSignature sr=…"', 'sasCredential'));
    await open({ registered: false });
    await page.typeSas(VALID_SAS);
    await page.agree();
    await page.grant();
    expect(page.fieldError('sasCredential')).toBe(
      'The gateway did not accept this shared access signature: it is incomplete or has expired. Paste the full line from support, or ask for a new one.',
    );
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
    expect(page.generalError()).toBe('The remote support agent is not installed on every node. Install it from the Overview, then grant access.');
  });

  it.each([
    ['SasCredentialRequired', 'sasCredential is required because the cluster is not registered with Azure; ask support for the SAS credential of your case', 'sasCredential', /^Paste the shared access signature from Microsoft support/],
    ['SasCredentialNotAccepted', 'sasCredential must be left out: the cluster is registered with Azure, which supplies the relay credential', 'sasCredential', /registered with Azure, which connects support engineers itself/],
    ['InvalidSupportCaseNumber', 'supportCaseNumber must be 1 to 64 letters', 'supportCaseNumber', /did not accept this support case number/],
    ['InvalidExpireInMinutes', 'expireInMinutes must be an integer from 60 to 20160', 'expireInMinutes', /from 1 hour to 14 days/],
    ['SomeFutureCode', 'someField must be whatever', 'supportCaseNumber', /^The gateway did not accept this value\.$/],
  ])('never shows the gateway\'s own text for %s', async (code, raw, field, shown) => {
    gateway.fail('grant', gatewayError(code, raw, field));
    await open({ registered: false });
    await page.typeSas(VALID_SAS);
    await page.agree();
    await page.grant();
    const text = page.paneText();
    expect(text).not.toContain(raw);
    expect(text).not.toMatch(/sasCredential|supportCaseNumber|expireInMinutes|relay credential/);
    expect(page.fieldError(field as 'sasCredential')).toMatch(shown);
  });

  it('says when a pasted signature expired, in the admin\'s time zone, before Grant', async () => {
    await open({ registered: false });
    await page.agree();
    await page.typeSas('SharedAccessSignature sr=sb%3A%2F%2Frelay&sig=abc%3D&se=1764000000&skn=listen');
    expect(page.fieldError('sasCredential')).toBe('This shared access signature expired on 2025-11-24 16:00 UTC. Ask Microsoft support for a new one.');
    expect(page.grantEnabled()).toBe(false);
  });

  it('names the SAS for what it is and where it comes from, without "relay credential" or "(s)"', async () => {
    await open({ registered: false });
    expect(page.sasLabel()).toBe('Shared access signature (SAS) from Microsoft support');
    expect(page.sasHint()).toMatch(/not registered with Azure, so Microsoft support sends you a shared access signature/);
    expect(page.sasHint()).toMatch(/Azure Relay/);
    const text = page.paneText();
    expect(text).not.toMatch(/relay credential|\(s\)/i);
  });

  it('asks for agreement again when the terms changed meanwhile', async () => {
    gateway.fail('grant', gatewayError('TermsVersionMismatch', 'termsVersion does not match the current terms', 'termsVersion', 409));
    await open();
    await page.agree();
    await page.grant();
    expect(page.fieldError('termsVersion')).toContain('The terms changed while this pane was open');
    expect(gateway.terms).toHaveBeenCalledTimes(2);
    expect(page.grantEnabled()).toBe(false);
  });

  describe('the duration', () => {
    it('reads the rule and the length in words, without "= 480 minutes."', async () => {
      await open();
      const hint = page.text('#rs-duration-hint');
      expect(hint).toBe('From 1 hour to 14 days (60 to 20160 minutes). 8 hours by default. That is 8 hours (480 minutes).');
      expect(hint).not.toContain('= 480');
    });

    it('says when access will end, in local time with the zone, UTC on hover', async () => {
      await open();
      expect(page.endsAt()).toBe('Access ends 2026-11-25 20:00 UTC');
      expect(page.endsAtTitle()).toBe('2026-11-25 20:00:00 UTC');
      await page.setDuration('2', 'days');
      expect(page.endsAt()).toBe('Access ends 2026-11-27 12:00 UTC');
    });

    it('moves the end along while the pane stays open', async () => {
      await open();
      clock.advance(60_000);
      await page.settle();
      expect(page.endsAt()).toBe('Access ends 2026-11-25 20:01 UTC');
    });

    it('shows no end while the duration is not valid', async () => {
      await open();
      await page.setDuration('15', 'days');
      expect(page.endsAt()).toBe('');
    });

    it('keeps 8 hours valid when switched to days, and gives exactly 8 hours back', async () => {
      await open();
      await page.agree();
      await page.select('#rs-duration-unit', 'days');
      expect(page.durationAmount()).toBe('0.33');
      expect(page.fieldError('expireInMinutes')).toBeNull();
      expect(page.minutesShown()).toBe('The amount is shown rounded: access lasts exactly 8 hours (480 minutes).');
      expect(page.endsAt()).toBe('Access ends 2026-11-25 20:00 UTC');
      expect(page.grantEnabled()).toBe(true);
      await page.select('#rs-duration-unit', 'hours');
      expect(page.durationAmount()).toBe('8');
      expect(page.fieldError('expireInMinutes')).toBeNull();
      await page.select('#rs-duration-unit', 'minutes');
      expect(page.durationAmount()).toBe('480');
    });

    it('keeps the minimum (60 minutes) valid through days and back', async () => {
      await open();
      await page.setDuration('60', 'minutes');
      await page.select('#rs-duration-unit', 'days');
      expect(page.durationAmount()).toBe('0.04');
      expect(page.fieldError('expireInMinutes')).toBeNull();
      await page.select('#rs-duration-unit', 'hours');
      expect(page.durationAmount()).toBe('1');
      await page.select('#rs-duration-unit', 'minutes');
      expect(page.durationAmount()).toBe('60');
    });

    it('takes a typed amount as typed after a rounded switch', async () => {
      await open();
      await page.select('#rs-duration-unit', 'days');
      await page.type('#rs-duration-amount', '0.33');
      expect(page.fieldError('expireInMinutes')).toContain('whole number of minutes');
    });
  });

  describe('why Grant is disabled', () => {
    it('says what is missing next to the button, linked as its description', async () => {
      await open();
      expect(page.grantEnabled()).toBe(false);
      expect(page.blockedReason()).toBe('To grant access, still needed: your agreement to the terms.');
      expect(page.grantDescribedBy()).toBe('rs-grant-blocked');
      await page.agree();
      expect(page.blockedReason()).toBe('');
      expect(page.grantDescribedBy()).toBeNull();
    });

    it('lists the signature of an unregistered cluster, and its link shows the field\'s message and moves there', async () => {
      await open({ registered: false });
      expect(page.blockedReason()).toBe('To grant access, still needed: a valid shared access signature; your agreement to the terms.');
      expect(page.fieldError('sasCredential')).toBeNull();
      await page.goToMissing('sasCredential');
      expect(page.fieldError('sasCredential')).toMatch(/^Paste the shared access signature from Microsoft support/);
      expect(page.focusedId()).toBe('rs-sas');
    });

    it('shows the message of an empty signature field once the admin leaves it', async () => {
      await open({ registered: false });
      await page.blurSas();
      expect(page.fieldError('sasCredential')).toMatch(/^Paste the shared access signature/);
    });
  });

  describe('Change access', () => {
    const current = grant({ accessLevel: 'Diagnostics', supportCaseNumber: 'CASE-7' });

    it('opens filled with the current grant: level, support case and the time it has left', async () => {
      await open({ activeGrant: current });
      expect(page.title()).toBe('Change remote support access');
      expect(page.selectedLevel()).toBe('Diagnostics');
      expect(page.caseValue()).toBe('CASE-7');
      expect(page.durationAmount()).toBe('479');
      expect(page.durationUnit()).toBe('minutes');
      expect(page.minutesShown()).toBe('That is 7 hours 59 minutes (479 minutes).');
      expect(page.endsAt()).toBe('Access ends 2026-11-25 19:59 UTC');
      expect(page.changeSummaryText()).toContain('Nothing changes');
      expect(page.grantLabel()).toBe('Change access');
    });

    it('follows the gateway\'s clock for the time left', async () => {
      await open({ activeGrant: current, serverOffsetMs: 10 * 60_000 });
      expect(page.durationAmount()).toBe('469');
      expect(page.endsAt()).toBe('Access ends 2026-11-25 19:59 UTC');
    });

    it('raising the level keeps the support case and the end, and says what changes', async () => {
      gateway.answer('grant', { grant: grant(), superseded: current });
      await open({ activeGrant: current });
      await page.chooseLevel('DiagnosticsRepair');
      expect(page.changeSummary()).toEqual(['Level: Diagnostics → Diagnostics and repair']);
      await page.agree();
      await page.grant();
      expect(gateway.grant).toHaveBeenCalledWith(expect.objectContaining({ accessLevel: 'DiagnosticsRepair', supportCaseNumber: 'CASE-7', expireInMinutes: 479 }));
    });

    it('lists a new end and a new support case before Grant', async () => {
      await open({ activeGrant: current });
      await page.setDuration('10', 'hours');
      await page.typeCase('');
      expect(page.changeSummary()).toEqual(['Support case: CASE-7 → none', 'Access ends: 2026-11-25 19:59 UTC → 2026-11-25 22:00 UTC']);
      expect(page.query('[data-change="ends"]')!.getAttribute('title')).toBe('Access ends: 2026-11-25 19:59:00 UTC → 2026-11-25 22:00:00 UTC');
    });

    it('asks for the signature again on an unregistered cluster, and says why', async () => {
      await open({ registered: false, activeGrant: { ...current, sasCredentialProvided: true } });
      expect(page.sasHint()).toContain('stored encrypted and cannot be shown');
      await page.typeSas(VALID_SAS);
      expect(page.changeSummary()).toEqual(['The shared access signature is replaced by the one pasted here.']);
    });
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
