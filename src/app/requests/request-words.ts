import type { AccessRequest } from '../core/api-models';
import { formatDateTime } from '../core/format';
import { extensionStrings, format } from '../core/strings';
import { durationInWords } from '../grant-dialog/grant-times';

/** The states in which the admin can still answer (the gateway's OPEN_REQUEST_STATES). */
export const ANSWERABLE_STATES: ReadonlyArray<AccessRequest['state']> = ['pending', 'info-requested'];

/** How far back the Requests tab's "All" goes: the gateway keeps requests 90 days. */
export const REQUEST_HISTORY_DAYS = 90;

/** Whether the admin may approve, deny or ask: open, and its record intact. */
export function isAnswerable(request: AccessRequest): boolean {
  return request.intact && ANSWERABLE_STATES.includes(request.state);
}

/** Whether the request waits for the admin (not for the engineer's reply, not for a later start). */
export function waitsForAdmin(request: AccessRequest): boolean {
  return request.state === 'pending';
}

/** Whether the request is still open: waiting for an answer, for the engineer, or for its later start. */
export function isOpen(request: AccessRequest): boolean {
  return request.state === 'pending' || request.state === 'info-requested' || request.state === 'scheduled';
}

/** The request's state in words ("Waiting for your answer"). */
export function stateWords(request: Pick<AccessRequest, 'state'>): string {
  const states = extensionStrings().Requests.State as Record<string, string>;
  return states[request.state] ?? request.state;
}

/** What is asked, in words: "Diagnostics for 4 hours", or "120 more minutes" for an extension. */
export function askedWords(request: Pick<AccessRequest, 'kind' | 'accessLevel' | 'expireInMinutes'>): string {
  const s = extensionStrings();
  if (request.kind === 'extension') {
    return request.expireInMinutes === 1 ? s.Requests.extensionOne : format(s.Requests.extensionMany, request.expireInMinutes);
  }
  return format(s.Requests.askAccess, s.Level[request.accessLevel], durationInWords(request.expireInMinutes));
}

/** The nodes asked for, or "All nodes" when the engineer named none. */
export function nodesWords(request: Pick<AccessRequest, 'nodes'>): string {
  return request.nodes && request.nodes.length ? request.nodes.join(', ') : extensionStrings().Requests.Detail.allNodes;
}

/**
 * The order of the list: open requests first (oldest first among those
 * waiting for the admin, so nobody's request sinks), then the answered ones,
 * newest first.
 */
export function sortRequests(requests: readonly AccessRequest[]): AccessRequest[] {
  const open = requests.filter(isOpen).sort((a, b) => openRank(a) - openRank(b) || Date.parse(a.requestedAt) - Date.parse(b.requestedAt));
  const done = requests.filter((r) => !isOpen(r)).sort((a, b) => Date.parse(b.answeredAt ?? b.expiresAt) - Date.parse(a.answeredAt ?? a.expiresAt));
  return [...open, ...done];
}

function openRank(request: AccessRequest): number {
  return request.state === 'pending' ? 0 : request.state === 'info-requested' ? 1 : 2;
}

/** Whether a request belongs on the list of the last 90 days at `now`. */
export function withinHistory(request: AccessRequest, now: number): boolean {
  return Date.parse(request.requestedAt) >= now - REQUEST_HISTORY_DAYS * 86_400_000;
}

/** A moment in the admin's zone (the extension's one rule); empty for null. */
export function when(iso: string | null | undefined): string {
  return formatDateTime(iso);
}
