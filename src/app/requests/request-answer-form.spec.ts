import { GatewayError } from '../core/gateway-error';
import { NOW } from '../testing';
import { answerErrorFor, approvalFormFor, approvalProblems, fromLocalInput, levelsUpTo, textProblem, toLocalInput, toRequestApproval } from './request-answer-form';
import { accessRequest, approvedRequest, deniedRequest, extensionRequest, questionedRequest } from './request-fixtures';
import { askedWords, sortRequests } from './request-words';

describe('the approval form rules', () => {
  const request = accessRequest();

  it('offers the level asked for and those below it, never above', () => {
    expect(levelsUpTo('Diagnostics')).toEqual(['Diagnostics']);
    expect(levelsUpTo('DiagnosticsRepair')).toEqual(['Diagnostics', 'DiagnosticsRepair']);
    const diagnostics = accessRequest({ accessLevel: 'Diagnostics' });
    const higher = { ...approvalFormFor(diagnostics, NOW), accessLevel: 'DiagnosticsRepair' as const, agreed: true };
    expect(approvalProblems(higher, diagnostics, NOW)).toEqual({ accessLevel: 'At most the level the engineer asked for.' });
  });

  it('reads a typed start in the admin\'s zone and refuses dates that do not exist', () => {
    expect(fromLocalInput('2026-11-26T08:30')).toBe(Date.parse('2026-11-26T08:30:00Z')); // the specs run in UTC
    expect(fromLocalInput('2026-02-30T08:30')).toBeNaN();
    expect(fromLocalInput('tomorrow')).toBeNaN();
    expect(toLocalInput(Date.parse('2026-11-26T08:30:00Z'))).toBe('2026-11-26T08:30');
  });

  it('starts the form from what was asked, now, not yet agreed, a later start offered at the next whole hour', () => {
    expect(approvalFormFor(request, NOW + 17 * 60_000)).toEqual({ accessLevel: 'DiagnosticsRepair', minutes: 240, start: 'now', startAt: '2026-11-25T13:00', agreed: false, sasCredential: '' });
  });

  it('needs whole minutes', () => {
    expect(approvalProblems({ ...approvalFormFor(request, NOW), minutes: 90.5, agreed: true }, request, NOW)).toEqual({ expireInMinutes: 'Enter the length in whole minutes.' });
    expect(approvalProblems({ ...approvalFormFor(request, NOW), minutes: null, agreed: true }, request, NOW)).toEqual({ expireInMinutes: 'Enter the length in whole minutes.' });
  });

  it('sends an extension without a level or a start, whatever the form holds', () => {
    const form = { ...approvalFormFor(extensionRequest(), NOW), start: 'later' as const, agreed: true };
    expect(toRequestApproval(form, extensionRequest(), 'v1')).toEqual({ expireInMinutes: 120, agreeToRemoteSupportConsent: true, termsVersion: 'v1' });
  });

  it('takes a question or a reason of 1 to 1,000 characters', () => {
    expect(textProblem('   ')).toBe('Enter some text.');
    expect(textProblem('x'.repeat(1000))).toBeNull();
    expect(textProblem('x'.repeat(1001))).toBe('At most 1,000 characters (1,001 now).');
  });

  it('puts a gateway error by the field it names, in words chosen by its code where there are some', () => {
    expect(answerErrorFor(new GatewayError('ApprovalExceedsRequest', 'accessLevel may not be higher than the Diagnostics the engineer asked for', 422, 'accessLevel'))).toEqual({
      field: 'accessLevel', message: 'accessLevel may not be higher than the Diagnostics the engineer asked for',
    });
    expect(answerErrorFor(new GatewayError('NoGrantToExtend', 'ended', 409))).toEqual({ field: null, message: expect.stringContaining('nothing to extend') });
    expect(answerErrorFor(new GatewayError('Internal', 'boom', 500))).toEqual({ field: null, message: 'The request was not answered: boom' });
  });
});

describe('the request list\'s words and order', () => {
  it('says what is asked in words', () => {
    expect(askedWords(accessRequest({ accessLevel: 'Diagnostics', expireInMinutes: 90 }))).toBe('Diagnostics for 1 hour 30 minutes');
    expect(askedWords(extensionRequest({ expireInMinutes: 1 }))).toBe('1 more minute');
  });

  it('puts waiting requests first (oldest first), then those waiting for the engineer, then the answered, newest answer first', () => {
    const older = accessRequest({ id: 'older', requestedAt: '2026-11-25T10:00:00.000Z' });
    const newer = accessRequest({ id: 'newer', requestedAt: '2026-11-25T11:00:00.000Z' });
    const sorted = sortRequests([approvedRequest(), deniedRequest(), questionedRequest(), newer, older]);
    expect(sorted.map((r) => r.id)).toEqual(['older', 'newer', 'r-asked', 'r-denied', 'r-approved']);
  });
});
