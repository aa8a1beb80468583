import { ACCESS_LEVELS, AccessLevel } from './access-level';
import { MINUTE_MS } from './clock';
import { EXPIRE_IN_MINUTES } from './duration';

/**
 * Access requests: an engineer asks, the admin answers. An `access` request
 * asks for a grant (level, duration, nodes, support case, reason); an
 * `extension` request asks to lengthen the active grant. The admin approves
 * (possibly with a lower level, a shorter duration or a later start), denies
 * with a reason, or asks for more information, which the engineer answers.
 * A request nobody answers expires (12 hours by default).
 */
export const REQUEST_KINDS = ['access', 'extension'] as const;
export type RequestKind = (typeof REQUEST_KINDS)[number];

export const REQUEST_STATES = ['pending', 'info-requested', 'scheduled', 'approved', 'denied', 'expired'] as const;
export type RequestState = (typeof REQUEST_STATES)[number];

/** States in which the admin can still answer. */
export const OPEN_REQUEST_STATES: readonly RequestState[] = ['pending', 'info-requested'];

/** How long a request waits for an answer, in minutes: 12 hours unless configured (from 15 minutes to 7 days). */
export const REQUEST_TTL_MINUTES = { min: 15, max: 7 * 24 * 60, default: 12 * 60 } as const;

/** A request's reason, an admin's question, answer or denial: a few sentences. */
export const REQUEST_TEXT_MAX = 1000;

/** How far ahead an approval may set the grant's start. */
export const MAX_START_DELAY_MINUTES = 7 * 24 * 60;

/** One message of a request's conversation. */
export interface RequestMessage {
  at: number;
  from: 'engineer' | 'admin';
  by: string;
  text: string;
}

/** An access request as stored (times in epoch ms). */
export interface AccessRequest {
  id: string;
  cluster: string;
  kind: RequestKind;
  engineer: string;
  engineerId: string | null;
  supportCase: string;
  accessLevel: AccessLevel;
  /** For access: the grant's length. For extension: how many minutes to add. */
  expireInMinutes: number;
  /** The nodes the engineer means to work on; null for all. */
  nodes: string[] | null;
  reason: string;
  /** For extension: the grant to lengthen. Once approved: the grant made. */
  grantId: string | null;
  requestedAt: number;
  /** When an unanswered request expires. */
  expiresAt: number;
  state: RequestState;
  answeredAt: number | null;
  answeredBy: string | null;
  answeredById: string | null;
  /** What was approved: the level, the minutes and the start (a start in the future: scheduled). */
  approved: { accessLevel: AccessLevel; expireInMinutes: number; startAt: number; termsVersion: string } | null;
  /** The denial's reason. */
  denial: string | null;
  messages: RequestMessage[];
}

/** What an approval may change: never more than was asked. */
export interface ApprovalTerms {
  accessLevel: AccessLevel;
  expireInMinutes: number;
  startAt: number;
}

/** Why an approval is not allowed, or null: the level and the length may only go down, the start only later (within 7 days). */
export function approvalProblem(request: AccessRequest, terms: ApprovalTerms, now: number): { field: string; message: string } | null {
  if (ACCESS_LEVELS.indexOf(terms.accessLevel) > ACCESS_LEVELS.indexOf(request.accessLevel)) {
    return { field: 'accessLevel', message: `accessLevel may not be higher than the ${request.accessLevel} the engineer asked for` };
  }
  if (terms.expireInMinutes > request.expireInMinutes) {
    return { field: 'expireInMinutes', message: `expireInMinutes may not be more than the ${request.expireInMinutes} the engineer asked for` };
  }
  if (request.kind === 'access' && terms.expireInMinutes < EXPIRE_IN_MINUTES.min) {
    return { field: 'expireInMinutes', message: `expireInMinutes must be at least ${EXPIRE_IN_MINUTES.min}` };
  }
  if (terms.startAt < now - MINUTE_MS) return { field: 'startAt', message: 'startAt may not be in the past' };
  if (terms.startAt > now + MAX_START_DELAY_MINUTES * MINUTE_MS) return { field: 'startAt', message: 'startAt may be at most 7 days ahead' };
  if (request.kind === 'extension' && terms.startAt > now + MINUTE_MS) return { field: 'startAt', message: 'an extension starts at once; startAt is for access requests' };
  return null;
}

/**
 * The length of the grant an approved extension makes: what is left of the
 * active grant plus the minutes approved, within the longest grant.
 */
export function extendedMinutes(activeExpiresAt: number, addMinutes: number, now: number): number {
  const left = Math.max(0, Math.ceil((activeExpiresAt - now) / MINUTE_MS));
  return Math.min(EXPIRE_IN_MINUTES.max, Math.max(EXPIRE_IN_MINUTES.min, left + addMinutes));
}
