import { grantFormProblems, initialGrantForm, toGrantRequest } from './grant-form';

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
});
