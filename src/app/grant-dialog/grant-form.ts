import { AccessLevel, GrantRequest, SUPPORT_CASE_NUMBER } from '../core/api-models';
import { checkMinutes, DurationInput, DurationProblem, EXPIRE_IN_MINUTES, fromMinutes, toMinutes } from '../core/duration';
import { extensionStrings, format } from '../core/strings';

/** What the admin has entered in the grant dialog. */
export interface GrantFormValue {
  accessLevel: AccessLevel;
  duration: DurationInput;
  supportCaseNumber: string;
  sasCredential: string;
  agreed: boolean;
}

/** The request fields a problem can be shown next to: the names the API's `error.field` uses. */
export type GrantField = 'accessLevel' | 'expireInMinutes' | 'supportCaseNumber' | 'sasCredential' | 'agreeToRemoteSupportConsent' | 'termsVersion';
export type GrantProblems = Partial<Record<GrantField, string>>;

/** The support case rule of the API, from the generated contract. */
export const SUPPORT_CASE_PATTERN = new RegExp(SUPPORT_CASE_NUMBER.pattern);
/** The SAS credential form: `SharedAccessSignature sr=…&sig=…&se=…&skn=…` (the gateway checks the rest). */
const SAS_PARTS = ['sr', 'sig', 'se', 'skn'];

export function initialGrantForm(level: AccessLevel = 'Diagnostics'): GrantFormValue {
  return { accessLevel: level, duration: fromMinutes(EXPIRE_IN_MINUTES.default), supportCaseNumber: '', sasCredential: '', agreed: false };
}

export function durationProblemText(problem: DurationProblem): string {
  const s = extensionStrings().Dialog.Duration;
  return format(s.Problem[problem], EXPIRE_IN_MINUTES.min, EXPIRE_IN_MINUTES.max);
}

function looksLikeSas(value: string): boolean {
  const m = /^SharedAccessSignature\s+(.+)$/.exec(value.trim());
  if (!m) return false;
  const keys = new Set(m[1]!.split('&').map((p) => p.split('=')[0]));
  return SAS_PARTS.every((k) => keys.has(k));
}

/**
 * Every problem of the form, by the field it belongs to. `registered` says
 * whether the cluster is registered with Azure (no SAS credential then).
 */
export function grantFormProblems(value: GrantFormValue, registered: boolean): GrantProblems {
  const s = extensionStrings().Dialog;
  const problems: GrantProblems = {};
  const durationProblem = checkMinutes(toMinutes(value.duration));
  if (durationProblem) problems.expireInMinutes = durationProblemText(durationProblem);
  const caseNumber = value.supportCaseNumber.trim();
  if (caseNumber && !SUPPORT_CASE_PATTERN.test(caseNumber)) problems.supportCaseNumber = s.Case.invalid;
  if (!registered) {
    if (!value.sasCredential.trim()) problems.sasCredential = s.Sas.required;
    else if (!looksLikeSas(value.sasCredential)) problems.sasCredential = s.Sas.invalid;
  }
  if (!value.agreed) problems.agreeToRemoteSupportConsent = s.Terms.required;
  return problems;
}

/** The body of POST access for a valid form. */
export function toGrantRequest(value: GrantFormValue, registered: boolean, termsVersion: string): GrantRequest {
  const request: GrantRequest = {
    accessLevel: value.accessLevel,
    expireInMinutes: toMinutes(value.duration),
    agreeToRemoteSupportConsent: true,
    termsVersion,
  };
  const caseNumber = value.supportCaseNumber.trim();
  if (caseNumber) request.supportCaseNumber = caseNumber;
  if (!registered) request.sasCredential = value.sasCredential.trim();
  return request;
}
