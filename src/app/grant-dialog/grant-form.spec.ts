import { GatewayError } from '../core/gateway-error';
import { grant, NOW } from '../testing/fixtures';
import { adminMessageFor, formFromGrant, grantChanges, grantFormProblems, initialGrantForm, minutesLeft, missingForGrant, toGrantRequest } from './grant-form';

describe('grant form', () => {
  const valid = { ...initialGrantForm(), agreed: true };

  it('starts at Diagnostics for 480 minutes, not agreed', () => {
    const form = initialGrantForm();
    expect(form).toMatchObject({ accessLevel: 'Diagnostics', duration: { amount: 8, unit: 'hours' }, agreed: false });
    expect(Object.keys(grantFormProblems(form, true))).toEqual(['agreeToRemoteSupportConsent']);
  });

  it('leaves the support case optional but checks its form', () => {
    expect(grantFormProblems({ ...valid, supportCaseNumber: '' }, true)).toEqual({});
    expect(grantFormProblems({ ...valid, supportCaseNumber: '-x' }, true).supportCaseNumber).toBeDefined();
    expect(grantFormProblems({ ...valid, supportCaseNumber: 'A'.repeat(65) }, true).supportCaseNumber).toBeDefined();
    expect(grantFormProblems({ ...valid, supportCaseNumber: 'A'.repeat(64) }, true)).toEqual({});
  });

  it('needs a SAS credential only for unregistered clusters', () => {
    expect(grantFormProblems(valid, true).sasCredential).toBeUndefined();
    expect(grantFormProblems(valid, false).sasCredential).toBeDefined();
  });

  it('builds the request: minutes, trimmed case, SAS only when unregistered', () => {
    const form = { ...valid, duration: { amount: 1, unit: 'days' as const }, supportCaseNumber: ' CASE-1 ', sasCredential: ' SharedAccessSignature sr=a&sig=b&se=1&skn=c ' };
    expect(toGrantRequest(form, true, 'v1')).toEqual({ accessLevel: 'Diagnostics', expireInMinutes: 1440, agreeToRemoteSupportConsent: true, supportCaseNumber: 'CASE-1', termsVersion: 'v1' });
    expect(toGrantRequest(form, false, 'v1').sasCredential).toBe('SharedAccessSignature sr=a&sig=b&se=1&skn=c');
  });

  it('fills Change access with the level, the case and the whole minutes left', () => {
    const current = grant({ accessLevel: 'DiagnosticsRepair', supportCaseNumber: 'CASE-9', expiresAt: new Date(NOW + 90 * 60_000 + 20_000).toISOString() });
    expect(formFromGrant(current, NOW)).toEqual({ accessLevel: 'DiagnosticsRepair', duration: { amount: 1.5, unit: 'hours' }, supportCaseNumber: 'CASE-9', sasCredential: '', agreed: false });
  });

  it('never fills less than the minimum when under an hour is left', () => {
    expect(minutesLeft({ expiresAt: new Date(NOW + 10 * 60_000).toISOString() }, NOW)).toBe(60);
  });

  it('lists nothing when the form matches the current grant', () => {
    const current = grant();
    expect(grantChanges(current, formFromGrant(current, NOW), true, NOW)).toEqual([]);
  });

  it('lists what is missing in the order of the pane', () => {
    expect(missingForGrant(grantFormProblems(initialGrantForm(), false)).map((m) => m.field)).toEqual(['sasCredential', 'agreeToRemoteSupportConsent']);
  });

  it('maps a catalog error by its code, never by its text', () => {
    const error = new GatewayError('InvalidAccessLevel', 'accessLevel must be one of Diagnostics, DiagnosticsRepair', 400, 'accessLevel');
    expect(adminMessageFor(error, '', NOW)).toEqual({ field: 'accessLevel', message: 'Choose Diagnostics or Diagnostics and repair.' });
  });
});
