import { TestBed } from '@angular/core/testing';
import { GatewayError } from '../core/gateway-error';
import { DomHarness } from '../testing';
import { AlertLedger } from './alert-ledger';
import { AlertsComponent } from './alerts.component';
import { SharedUiModule } from './shared-ui.module';

describe('AlertsComponent and AlertLedger', () => {
  let ledger: AlertLedger;
  let page: DomHarness;

  beforeEach(async () => {
    TestBed.configureTestingModule({ imports: [SharedUiModule] });
    ledger = TestBed.inject(AlertLedger);
    const fixture = TestBed.createComponent(AlertsComponent);
    page = new DomHarness(fixture);
    await page.settle();
  });

  it('shows an error with what failed, why, and its code, as an alert', async () => {
    ledger.error('Could not revoke access', new GatewayError('NoActiveGrant', 'No grant is active', 403));
    await page.settle();
    const alert = page.query('[data-alert-kind="error"]')!;
    expect(alert.getAttribute('role')).toBe('alert');
    expect(alert.textContent).toContain('Could not revoke access: No grant is active');
    expect(alert.getAttribute('data-alert-code')).toBe('NoActiveGrant');
  });

  it('explains an unreachable gateway and a missing sign-in in words', () => {
    expect(ledger.error('Could not read', new GatewayError('GatewayUnreachable', 'x', 0)).message).toContain('cannot be reached');
    expect(ledger.error('Could not read', new GatewayError('Unauthenticated', 'x', 401)).message).toContain('not signed in');
  });

  it('replaces a repeated message instead of stacking it, and dismisses on request', async () => {
    ledger.show('info', 'Same');
    ledger.show('info', 'Same');
    await page.settle();
    expect(page.queryAll('.rs-alert')).toHaveLength(1);
    await page.click('.rs-alert-dismiss');
    expect(page.queryAll('.rs-alert')).toHaveLength(0);
  });
});
