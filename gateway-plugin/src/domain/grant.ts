import { AccessLevel, ACCESS_LEVELS, isAccessLevel } from './access-level';
import { MINUTE_MS } from './clock';
import { EXPIRE_IN_MINUTES, EXPIRE_IN_MINUTES_ALLOWED, isValidExpireInMinutes } from './duration';
import { fieldError, RemoteSupportError } from './errors';
import { matches, SUPPORT_CASE_NUMBER } from './identifiers';
import { parseSasCredential } from './sas-credential';
import { TERMS_VERSION } from './terms';

/** Why a grant stopped giving access. */
export type GrantEndReason = 'revoked' | 'superseded' | 'expired';
export type GrantState = 'active' | GrantEndReason;

/** A consent grant as stored. The SAS credential never leaves the store in a read. */
export interface Grant {
  id: string;
  cluster: string;
  accessLevel: AccessLevel;
  expireInMinutes: number;
  grantedAt: number;
  expiresAt: number;
  grantedBy: string;
  /** The granting admin's stable id (Actor.id); null on grants recorded before ids were. */
  grantedById: string | null;
  termsVersion: string;
  supportCaseNumber: string | null;
  sasCredentialProvided: boolean;
  endedAt: number | null;
  endReason: GrantEndReason | null;
  endedBy: string | null;
  endedById: string | null;
  /**
   * For an expired grant, when the gateway recorded the expiry and ended its
   * sessions; later than expiresAt when the gateway was down or busy then
   * (see expiryLateness). Null otherwise, and on grants expired before it was kept.
   */
  expiryRecordedAt: number | null;
  /**
   * Whether each repair command waits for the admin's live approval before
   * it runs (docs/repair-approval.md). Always false for Diagnostics grants
   * (they run no repair), and on DiagnosticsRepair grants recorded before the
   * option existed.
   */
  repairApproval: boolean;
}

/** A validated request to grant access (the reference's Enable-AzStackHCIRemoteSupport). */
export interface GrantRequest {
  accessLevel: AccessLevel;
  expireInMinutes: number;
  supportCaseNumber: string | null;
  sasCredential: string | null;
  termsVersion: string;
  /**
   * For DiagnosticsRepair: repairs wait for the admin's live yes (parseGrantRequest makes it true unless told
   * otherwise). Null or absent for Diagnostics, where it has no meaning.
   */
  repairApproval?: boolean | null;
}

export const GRANT_REQUEST_FIELDS = [
  'accessLevel',
  'expireInMinutes',
  'agreeToRemoteSupportConsent',
  'supportCaseNumber',
  'sasCredential',
  'termsVersion',
  'repairApproval',
] as const;

/** A grant request's fields before their values are checked; the contract refuses any other field. */
export type GrantRequestFields = { readonly [K in (typeof GRANT_REQUEST_FIELDS)[number]]?: unknown };


/**
 * Validates a grant request. `registered` says whether the cluster is
 * registered with Azure: unregistered clusters need a SAS credential,
 * registered ones must not be given one. Throws the first problem found.
 * The API's schema has refused unknown fields and values of the wrong type
 * already; the CLI checks with this before it sends.
 */
export function parseGrantRequest(body: GrantRequestFields, registered: boolean, now: number): GrantRequest {
  const input = body as Record<string, unknown>;

  const level = input['accessLevel'];
  if (level === undefined) throw fieldError('FieldRequired', 'accessLevel', `one of ${ACCESS_LEVELS.join(', ')}`);
  if (!isAccessLevel(level)) throw fieldError('InvalidAccessLevel', 'accessLevel', `one of ${ACCESS_LEVELS.join(', ')}`, level);

  const minutes = input['expireInMinutes'] ?? EXPIRE_IN_MINUTES.default;
  if (!isValidExpireInMinutes(minutes)) {
    throw fieldError('InvalidExpireInMinutes', 'expireInMinutes', EXPIRE_IN_MINUTES_ALLOWED, minutes);
  }

  if (input['agreeToRemoteSupportConsent'] !== true) {
    throw new RemoteSupportError(
      'ConsentRequired',
      'agreeToRemoteSupportConsent must be true: access is granted only with an explicit agreement to the remote support terms',
      'agreeToRemoteSupportConsent',
      'true',
    );
  }

  const termsVersion = input['termsVersion'] ?? TERMS_VERSION;
  if (termsVersion !== TERMS_VERSION) {
    throw new RemoteSupportError(
      'TermsVersionMismatch',
      'termsVersion does not match the current terms; read the terms again (GET terms) and agree to the current version',
      'termsVersion',
      TERMS_VERSION,
    );
  }

  const caseNumber = input['supportCaseNumber'];
  if (caseNumber !== undefined && caseNumber !== null && !matches(SUPPORT_CASE_NUMBER, caseNumber)) {
    throw fieldError('InvalidSupportCaseNumber', 'supportCaseNumber', SUPPORT_CASE_NUMBER.allowed, caseNumber);
  }

  const sas = input['sasCredential'];
  const hasSas = sas !== undefined && sas !== null && sas !== '';
  if (!registered && !hasSas) {
    throw new RemoteSupportError(
      'SasCredentialRequired',
      'sasCredential is required because the cluster is not registered with Azure; ask support for the SAS credential of your case',
      'sasCredential',
      'a Shared Access Signature',
    );
  }
  if (registered && hasSas) {
    throw new RemoteSupportError(
      'SasCredentialNotAccepted',
      'sasCredential must be left out: the cluster is registered with Azure, which supplies the relay credential',
      'sasCredential',
      'no value',
    );
  }
  if (hasSas) parseSasCredential(sas, now);

  const repairApproval = parseRepairApproval(input['repairApproval'], level);

  return {
    accessLevel: level,
    expireInMinutes: minutes,
    supportCaseNumber: typeof caseNumber === 'string' ? caseNumber : null,
    sasCredential: hasSas ? (sas as string) : null,
    termsVersion: TERMS_VERSION,
    repairApproval,
  };
}

/** What repairApproval accepts, in words. */
export const REPAIR_APPROVAL_ALLOWED = 'true or false, and only for a DiagnosticsRepair grant (default true); leave it out for Diagnostics';

/**
 * A grant's repair approval option: on by default for DiagnosticsRepair.
 * For Diagnostics it is refused rather than ignored: such a grant runs no
 * repair, and an admin who sets it believes something that is not so.
 */
export function parseRepairApproval(value: unknown, level: AccessLevel): boolean | null {
  if (level !== 'DiagnosticsRepair') {
    if (value === undefined || value === null) return null;
    throw new RemoteSupportError('InvalidRepairApproval', `repairApproval applies only to DiagnosticsRepair grants: a ${level} grant runs no repair command; leave it out`, 'repairApproval', REPAIR_APPROVAL_ALLOWED);
  }
  if (value === undefined || value === null) return true;
  if (typeof value !== 'boolean') throw fieldError('InvalidRepairApproval', 'repairApproval', REPAIR_APPROVAL_ALLOWED, value);
  return value;
}

/** The moment a grant made at `grantedAt` for `minutes` stops giving access. */
export function expiryOf(grantedAt: number, minutes: number): number {
  return grantedAt + minutes * MINUTE_MS;
}

/**
 * The state of a grant at `now`. Time decides expiry even if the scheduler
 * has not run yet, so a late timer can never extend access.
 */
export function grantState(grant: Pick<Grant, 'expiresAt' | 'endReason' | 'endedAt'>, now: number): GrantState {
  if (grant.endReason && grant.endReason !== 'expired' && grant.endedAt !== null && grant.endedAt <= now) return grant.endReason;
  if (now >= grant.expiresAt) return 'expired';
  return 'active';
}

/** When a grant stopped (or will stop) giving access. */
export function grantEnd(grant: Pick<Grant, 'expiresAt' | 'endedAt'>): number {
  return grant.endedAt !== null ? Math.min(grant.endedAt, grant.expiresAt) : grant.expiresAt;
}

/** How long after expiresAt an expiry may be recorded and still count as on time: a timer's jitter, not a gateway that was down or busy. */
export const EXPIRY_LATE_TOLERANCE_MS = 1000;

/**
 * How many milliseconds after its expiry time the gateway recorded a grant's
 * expiry (and ended its sessions), when more than the tolerance; else null.
 * Access itself never outlives expiresAt (see grantState): what comes late is
 * the record and the closing of live sessions.
 */
export function expiryLateness(grant: Pick<Grant, 'expiresAt' | 'endReason' | 'expiryRecordedAt'>): number | null {
  if (grant.endReason !== 'expired' || grant.expiryRecordedAt === null) return null;
  const late = grant.expiryRecordedAt - grant.expiresAt;
  return late > EXPIRY_LATE_TOLERANCE_MS ? late : null;
}

/** How the history says an expiry came late: "recorded 2026-11-25T17:00:18.000Z, 18 s late". Takes ISO times or epoch ms. */
export function lateExpiryText(expiresAt: string | number, recordedAt: string | number): string {
  const due = typeof expiresAt === 'number' ? expiresAt : Date.parse(expiresAt);
  const at = typeof recordedAt === 'number' ? recordedAt : Date.parse(recordedAt);
  const seconds = Math.round((at - due) / 100) / 10;
  return `expiry recorded ${new Date(at).toISOString()}, ${seconds} s late`;
}
