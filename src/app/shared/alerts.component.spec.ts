import { TestBed } from '@angular/core/testing';
import { GatewayError } from '../core/gateway-error';
import { DomHarness, FakeClock, provideFakeClock } from '../testing';
import { ALERT_LIFETIME_MS, AlertLedger } from './alert-ledger';
import { AlertsComponent } from './alerts.component';
import { SharedUiModule } from './shared-ui.module';

describe('AlertsComponent and AlertLedger', () => {
  let ledger: AlertLedger;
  let page: DomHarness;
  let clock: FakeClock;

  beforeEach(async () => {
    clock = new FakeClock();
    TestBed.configureTestingModule({ imports: [SharedUiModule], providers: [provideFakeClock(clock)] });
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

  it('lets a success go by itself after a few seconds, and keeps an error until it is closed', async () => {
    ledger.show('success', 'Access granted until 20:00.');
    ledger.error('Could not revoke access', new Error('boom'));
    await page.settle();
    expect(page.queryAll('.rs-alert')).toHaveLength(2);
    clock.advance(ALERT_LIFETIME_MS - 1);
    await page.settle();
    expect(page.queryAll('.rs-alert')).toHaveLength(2);
    clock.advance(1);
    await page.settle();
    expect(page.queryAll('.rs-alert').map((a) => a.getAttribute('data-alert-kind'))).toEqual(['error']);
    clock.advance(10 * ALERT_LIFETIME_MS);
    await page.settle();
    expect(page.queryAll('.rs-alert')).toHaveLength(1);
  });

  it('replaces an older alert about the grant with a newer one, so they never contradict each other', async () => {
    ledger.show('success', 'Diagnostics access granted until 2026-11-25 20:00.', null, 'grant');
    ledger.show('info', 'The agent is installed.', null, 'agent');
    ledger.show('success', 'Access revoked; the live session was ended.', null, 'grant');
    await page.settle();
    const messages = page.queryAll('.rs-alert-message').map((m) => m.textContent!.trim());
    expect(messages).toEqual(['The agent is installed.', 'Access revoked; the live session was ended.']);
  });
});
