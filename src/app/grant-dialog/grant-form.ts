import { AccessLevel, GrantRequest, GrantView, SUPPORT_CASE_NUMBER } from '../core/api-models';
import { checkMinutes, DurationInput, DurationProblem, EXPIRE_IN_MINUTES, fromMinutes, toMinutes } from '../core/duration';
import { GatewayError } from '../core/gateway-error';
import { extensionStrings, format } from '../core/strings';
import { formatLocalWithZone, utcTitle } from './grant-times';

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

/** The fields in the order the pane shows them (and a summary of what is missing lists them). */
export const GRANT_FIELDS: readonly GrantField[] = ['accessLevel', 'expireInMinutes', 'supportCaseNumber', 'sasCredential', 'termsVersion', 'agreeToRemoteSupportConsent'];

/** The support case rule of the API, from the generated contract. */
export const SUPPORT_CASE_PATTERN = new RegExp(SUPPORT_CASE_NUMBER.pattern);
/** The SAS credential form: `SharedAccessSignature sr=…&sig=…&se=…&skn=…` (the gateway checks the rest). */
const SAS_PARTS = ['sr', 'sig', 'se', 'skn'];

export function initialGrantForm(level: AccessLevel = 'Diagnostics'): GrantFormValue {
  return { accessLevel: level, duration: fromMinutes(EXPIRE_IN_MINUTES.default), supportCaseNumber: '', sasCredential: '', agreed: false };
}

/**
 * The minutes a change of `grant` at `now` should last so that access ends
 * when it would have: the whole minutes it has left (at least the 60-minute
 * minimum). An admin who raises the level expects the end to stay, not the
 * clock to restart at the original length.
 */
export function minutesLeft(grant: Pick<GrantView, 'expiresAt'>, now: number): number {
  const left = Math.round((Date.parse(grant.expiresAt) - now) / 60_000);
  return Math.min(EXPIRE_IN_MINUTES.max, Math.max(EXPIRE_IN_MINUTES.min, left));
}

/**
 * The form for Change access: the current grant's level, support case and
 * time left. The terms are agreed to again and the SAS credential pasted
 * again: the gateway keeps the current one sealed and never returns it.
 */
export function formFromGrant(grant: GrantView, now: number): GrantFormValue {
  return { ...initialGrantForm(grant.accessLevel), duration: fromMinutes(minutesLeft(grant, now)), supportCaseNumber: grant.supportCaseNumber ?? '' };
}

export function durationProblemText(problem: DurationProblem): string {
  const s = extensionStrings().Dialog.Duration;
  return format(s.Problem[problem], EXPIRE_IN_MINUTES.min, EXPIRE_IN_MINUTES.max);
}

/** The parts of a SAS credential (`sr`, `sig`, `se`, `skn`), or null when it is not one. */
function sasParts(value: string): Map<string, string> | null {
  const m = /^SharedAccessSignature\s+(.+)$/.exec(value.trim());
  if (!m) return null;
  const parts = new Map(m[1]!.split('&').map((p) => [p.split('=')[0]!, p.slice(p.indexOf('=') + 1)] as [string, string]));
  return SAS_PARTS.every((k) => parts.has(k)) ? parts : null;
}

/** When a SAS credential stops being valid (its `se`, in ms), or null when it names none. */
export function sasExpiry(value: string): number | null {
  const se = sasParts(value)?.get('se');
  return se && /^\d{1,12}$/.test(se) ? Number(se) * 1000 : null;
}

function sasProblem(value: string, now: number | undefined): string | null {
  const s = extensionStrings().Dialog.Sas;
  if (!value.trim()) return s.required;
  if (!sasParts(value)) return s.invalid;
  const expiry = sasExpiry(value);
  if (expiry === null) return s.invalid;
  if (now !== undefined && expiry <= now) return format(s.expired, formatLocalWithZone(expiry));
  return null;
}

/**
 * Every problem of the form, by the field it belongs to. `registered` says
 * whether the cluster is registered with Azure (no SAS credential then);
 * `now`, when given, also refuses a SAS credential that has expired.
 */
export function grantFormProblems(value: GrantFormValue, registered: boolean, now?: number): GrantProblems {
  const s = extensionStrings().Dialog;
  const problems: GrantProblems = {};
  const durationProblem = checkMinutes(toMinutes(value.duration));
  if (durationProblem) problems.expireInMinutes = durationProblemText(durationProblem);
  const caseNumber = value.supportCaseNumber.trim();
  if (caseNumber && !SUPPORT_CASE_PATTERN.test(caseNumber)) problems.supportCaseNumber = s.Case.invalid;
  if (!registered) {
    const sas = sasProblem(value.sasCredential, now);
    if (sas) problems.sasCredential = sas;
  }
  if (!value.agreed) problems.agreeToRemoteSupportConsent = s.Terms.required;
  return problems;
}

/** What is still missing before Grant, in the pane's order, as short phrases for the summary beside the button. */
export function missingForGrant(problems: GrantProblems): Array<{ field: GrantField; text: string }> {
  const s = extensionStrings().Dialog.Blocked;
  return GRANT_FIELDS.filter((f) => problems[f]).map((field) => ({ field, text: s[field] }));
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

/** One line of the change summary: what changes, in words, and which part it is. */
export interface GrantChange {
  part: 'level' | 'case' | 'ends' | 'sas';
  text: string;
  /** For a change of times: the same times in UTC, for the tooltip. */
  utc?: string;
}

/**
 * What granting the form at `now` changes about the current grant, in words
 * ("Level: Diagnostics → Diagnostics and repair"). The end is compared to the
 * minute, as the pane shows it; an empty list means nothing changes.
 */
export function grantChanges(current: GrantView, value: GrantFormValue, registered: boolean, now: number): GrantChange[] {
  const s = extensionStrings();
  const c = s.Dialog.Change;
  const changes: GrantChange[] = [];
  if (value.accessLevel !== current.accessLevel) {
    changes.push({ part: 'level', text: format(c.level, s.Level[current.accessLevel], s.Level[value.accessLevel]) });
  }
  const before = current.supportCaseNumber ?? '';
  const after = value.supportCaseNumber.trim();
  if (before !== after) changes.push({ part: 'case', text: format(c.case, before || c.noCase, after || c.noCase) });
  const minutes = toMinutes(value.duration);
  if (Number.isFinite(minutes)) {
    const [oldMs, newMs] = [Date.parse(current.expiresAt), now + minutes * 60_000];
    const [oldEnd, newEnd] = [formatLocalWithZone(oldMs), formatLocalWithZone(newMs)];
    if (oldEnd !== newEnd) changes.push({ part: 'ends', text: format(c.ends, oldEnd, newEnd), utc: format(c.ends, utcTitle(oldMs), utcTitle(newMs)) });
  }
  if (!registered && value.sasCredential.trim()) changes.push({ part: 'sas', text: c.sas });
  return changes;
}

/** Whether the field can show a problem (the API names fields the form does not have, too). */
export function isGrantField(field: string | null): field is GrantField {
  return !!field && (GRANT_FIELDS as readonly string[]).includes(field);
}

/**
 * The gateway's refusal of a grant in an admin's words, by its error code
 * (docs/errors.md); the gateway's own text ("sasCredential must be…") is for
 * the CLI and never shown. `sas` is what the admin pasted, so an expired one
 * can say when it expired in the admin's time zone.
 */
export function adminMessageFor(error: GatewayError, sas: string, now: number): { field: GrantField | null; message: string } {
  const s = extensionStrings().Dialog;
  const byCode = (s.ApiError as Record<string, string>)[error.code];
  const field = isGrantField(error.field) ? error.field : null;
  if (error.code === 'InvalidSasCredential') {
    const expiry = sasExpiry(sas);
    if (expiry !== null && expiry <= now) return { field: 'sasCredential', message: format(s.Sas.expired, formatLocalWithZone(expiry)) };
  }
  if (error.code === 'FieldRequired' && field === 'sasCredential') return { field, message: s.Sas.required };
  if (byCode) return { field, message: byCode };
  if (field) return { field, message: s.ApiError.field };
  if (error.unreachable) return { field: null, message: error.message };
  return { field: null, message: format(s.ApiError.general, error.message) };
}
