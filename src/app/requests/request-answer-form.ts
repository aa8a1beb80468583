import { ACCESS_LEVELS, AccessLevel, AccessRequest, RequestApproval } from '../core/api-models';
import { EXPIRE_IN_MINUTES } from '../core/duration';
import { GatewayError } from '../core/gateway-error';
import { formatDateTime } from '../core/format';
import { extensionStrings, format } from '../core/strings';
import { sasExpiry } from '../grant-dialog/grant-form';

/** How far ahead an approval may set the start (the gateway's MAX_START_DELAY_MINUTES). */
export const MAX_START_DELAY_MS = 7 * 24 * 60 * 60_000;

/** A question, an answer or a denial's reason: 1 to 1,000 characters (the gateway's REQUEST_TEXT_MAX). */
export const REQUEST_TEXT_MAX = 1000;

/** What the admin has chosen in the approval form. */
export interface ApprovalFormValue {
  accessLevel: AccessLevel;
  /** The grant's length, or for an extension the minutes to add. */
  minutes: number | null;
  start: 'now' | 'later';
  /** The later start as an `<input type="datetime-local">` value (`YYYY-MM-DDTHH:mm`) in the admin's zone. */
  startAt: string;
  agreed: boolean;
  /** The shared access signature from Microsoft support, on a cluster not registered with Azure. */
  sasCredential: string;
}

/** The fields of an approval, by the names the API's `error.field` uses. */
export type ApprovalField = 'accessLevel' | 'expireInMinutes' | 'startAt' | 'sasCredential' | 'termsVersion' | 'agreeToRemoteSupportConsent';
export type ApprovalProblems = Partial<Record<ApprovalField, string>>;

/** The form as the request asks: its level, its length, now, not yet agreed. */
export function approvalFormFor(request: AccessRequest, now: number): ApprovalFormValue {
  return { accessLevel: request.accessLevel, minutes: request.expireInMinutes, start: 'now', startAt: toLocalInput(nextHour(now)), agreed: false, sasCredential: '' };
}

/** The levels the admin may approve: the one asked for and those below it. */
export function levelsUpTo(level: AccessLevel): AccessLevel[] {
  return ACCESS_LEVELS.slice(0, ACCESS_LEVELS.indexOf(level) + 1);
}

/** The fewest minutes an extension may add (the approval's contract: 15 minutes). */
export const EXTENSION_MIN_MINUTES = 15;

/** The fewest minutes an approval may give: the shortest grant for access, 15 more minutes for an extension. */
export function minMinutes(request: Pick<AccessRequest, 'kind'>): number {
  return request.kind === 'extension' ? EXTENSION_MIN_MINUTES : EXPIRE_IN_MINUTES.min;
}

const pad = (n: number) => String(n).padStart(2, '0');

/** A moment as an `<input type="datetime-local">` value in the viewer's zone. */
export function toLocalInput(ms: number): string {
  const d = new Date(ms);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** An `<input type="datetime-local">` value read in the viewer's zone; NaN when it is not one. */
export function fromLocalInput(value: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})$/.exec(value.trim());
  if (!m) return Number.NaN;
  const [y, mo, d, h, mi] = m.slice(1).map(Number) as [number, number, number, number, number];
  const date = new Date(y, mo - 1, d, h, mi);
  // 2026-02-30 rolls over to March: not a date the admin meant.
  return date.getMonth() === mo - 1 && date.getDate() === d ? date.getTime() : Number.NaN;
}

/** The start of the next whole hour after `now`: a sensible first "later". */
function nextHour(now: number): number {
  const d = new Date(now);
  d.setMinutes(0, 0, 0);
  return d.getTime() + 60 * 60_000;
}

/**
 * Every problem of the form at `now`, in the admin's words; the consent last,
 * as the form shows it. On a cluster not registered with Azure (`registered`
 * false) the grant needs a shared access signature, which the gateway does not
 * keep until a later start: the approval starts now and carries one.
 */
export function approvalProblems(form: ApprovalFormValue, request: AccessRequest, now: number, registered = true): ApprovalProblems {
  const strings = extensionStrings();
  const p = strings.Requests.Problem;
  const problems: ApprovalProblems = {};
  if (request.kind === 'access' && !levelsUpTo(request.accessLevel).includes(form.accessLevel)) problems.accessLevel = p.levelTooHigh;
  const minutes = form.minutes;
  if (minutes === null || minutes === undefined || !Number.isInteger(minutes)) problems.expireInMinutes = p.minutesRequired;
  else if (minutes > request.expireInMinutes) problems.expireInMinutes = format(p.minutesTooLong, request.expireInMinutes);
  else if (minutes < minMinutes(request)) problems.expireInMinutes = format(p.minutesTooShort, minMinutes(request));
  if (request.kind === 'access' && form.start === 'later') {
    const at = fromLocalInput(form.startAt);
    if (Number.isNaN(at)) problems.startAt = p.startAtRequired;
    else if (at <= now) problems.startAt = p.startAtPast;
    else if (at > now + MAX_START_DELAY_MS) problems.startAt = p.startAtTooFar;
    if (!registered) problems.startAt = strings.Requests.Approve.laterNeedsRegistration;
  }
  if (!registered) {
    const sas = form.sasCredential.trim();
    const expiry = sasExpiry(sas);
    if (!sas) problems.sasCredential = strings.Dialog.Sas.required;
    else if (expiry === null) problems.sasCredential = strings.Dialog.Sas.invalid;
    else if (expiry <= now) problems.sasCredential = format(strings.Dialog.Sas.expired, formatDateTime(new Date(expiry).toISOString()));
  }
  if (!form.agreed) problems.agreeToRemoteSupportConsent = p.consent;
  return problems;
}

/**
 * The approval the gateway is sent: exactly what the admin chose. An
 * extension only adds minutes (the gateway keeps the grant's level and starts
 * it at once), so it carries neither a level nor a start.
 */
export function toRequestApproval(form: ApprovalFormValue, request: AccessRequest, termsVersion: string, registered = true): RequestApproval {
  const agreed = { agreeToRemoteSupportConsent: true, termsVersion, ...(registered ? {} : { sasCredential: form.sasCredential.trim() }) };
  if (request.kind === 'extension') return { expireInMinutes: form.minutes!, ...agreed };
  const later = form.start === 'later' ? { startAt: new Date(fromLocalInput(form.startAt)).toISOString() } : {};
  return { accessLevel: form.accessLevel, expireInMinutes: form.minutes!, ...later, ...agreed };
}

/** The problem of a question or a denial's reason: required, at most 1,000 characters. */
export function textProblem(text: string): string | null {
  const p = extensionStrings().Requests.Problem;
  const trimmed = text.trim();
  if (!trimmed) return p.textRequired;
  if (trimmed.length > REQUEST_TEXT_MAX) return format(p.textTooLong, trimmed.length.toLocaleString('en-US'));
  return null;
}

const APPROVAL_FIELDS: readonly string[] = ['accessLevel', 'expireInMinutes', 'startAt', 'sasCredential', 'termsVersion', 'agreeToRemoteSupportConsent'];

/**
 * A gateway error in the admin's words, and the field to show it by (null:
 * above the buttons). The gateway's own message is kept where it names the
 * limit (ApprovalExceedsRequest: "may not be more than the 240 the engineer
 * asked for").
 */
export function answerErrorFor(error: unknown): { field: ApprovalField | null; message: string } {
  const s = extensionStrings().Requests.Error as Record<string, string>;
  if (!(error instanceof GatewayError)) return { field: null, message: format(s['general']!, error instanceof Error ? error.message : String(error)) };
  const field = error.field && APPROVAL_FIELDS.includes(error.field) ? (error.field as ApprovalField) : null;
  const byCode = s[error.code];
  if (error.code === 'TermsVersionMismatch') return { field: 'termsVersion', message: byCode! };
  if (error.code === 'ConsentRequired') return { field: 'agreeToRemoteSupportConsent', message: byCode! };
  // The grant pane's words for the signature: the same field, the same rule.
  const sasWords = (extensionStrings().Dialog.ApiError as Record<string, string>)[error.code];
  if (field === 'sasCredential' && sasWords) return { field, message: sasWords };
  if (byCode) return { field, message: byCode };
  if (field) return { field, message: error.message };
  return { field: null, message: format(s['general']!, error.message) };
}

/** Whether the error means the request is no longer as shown (answered, expired, tampered): read it again. */
export function requestChangedMeanwhile(error: unknown): boolean {
  return error instanceof GatewayError && (error.code === 'RequestNotOpen' || error.code === 'RequestTampered' || error.code === 'RequestNotFound');
}
