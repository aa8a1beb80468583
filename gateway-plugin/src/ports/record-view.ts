import type { ChainCheck, TranscriptEntry } from '../domain/transcript';
import { TRANSCRIPT_EXPORT_FORMAT, transcriptText } from '../domain/transcript-export';
import type { AccessRequest } from '../domain/access-request';
import { expiryLateness, Grant, grantEnd, grantState } from '../domain/grant';
import type { RecordRead } from '../domain/record-read';
import type { SessionRecord } from './store-ports';

/**
 * How the records read on the wire: the API's views of a session and of a
 * transcript entry, and the export document. Here, below both the service and
 * the store, because the read workers build them too (a history page, an
 * export's whole body) so that the main thread only sends what they built.
 */

/** Epoch milliseconds as ISO 8601 in UTC; null stays null (a time that has not happened). */
export function iso(ms: number): string;
export function iso(ms: number | null): string | null;
export function iso(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString();
}

/** A session as the API shows it. */
export function presentSession(s: SessionRecord) {
  return {
    id: s.id,
    grantId: s.grantId,
    engineer: s.engineer,
    engineerId: s.engineerId,
    supportCase: s.supportCase,
    accessLevel: s.accessLevel,
    nodes: s.nodes,
    startedAt: iso(s.startedAt),
    endedAt: iso(s.endedAt),
    endReason: s.endReason,
    endedBy: s.endedBy,
    endedById: s.endedById,
    durationSeconds: s.endedAt === null ? null : Math.round((s.endedAt - s.startedAt) / 1000),
    commandCount: s.commandCount,
    ...(s.deniedCount !== undefined ? { deniedCount: s.deniedCount } : {}),
  };
}

/** A transcript entry as the API shows it. */
export function presentEntry(e: TranscriptEntry) {
  return { seq: e.seq, at: iso(e.at), kind: e.kind, node: e.node, text: e.text, prevHash: e.prevHash, hash: e.hash };
}

/** A grant as the API shows it: times in ISO 8601, its state now, never the SAS credential. */
export function presentGrant(g: Grant, now: number) {
  const state = grantState(g, now);
  return {
    id: g.id,
    cluster: g.cluster,
    state,
    accessLevel: g.accessLevel,
    expireInMinutes: g.expireInMinutes,
    grantedAt: iso(g.grantedAt),
    expiresAt: iso(g.expiresAt),
    endedAt: state === 'active' ? null : iso(grantEnd(g)),
    endReason: state === 'active' ? null : state,
    grantedBy: g.grantedBy,
    grantedById: g.grantedById,
    endedBy: state === 'active' ? null : g.endedBy ?? 'system',
    endedById: state === 'active' ? null : g.endedById,
    supportCaseNumber: g.supportCaseNumber,
    termsVersion: g.termsVersion,
    sasCredentialProvided: g.sasCredentialProvided,
    secondsLeft: state === 'active' ? Math.max(0, Math.floor((g.expiresAt - now) / 1000)) : 0,
    repairApproval: g.repairApproval,
    ...(expiryLateness(g) !== null ? { expiryRecordedAt: iso(g.expiryRecordedAt!) } : {}),
  };
}
export type GrantView = ReturnType<typeof presentGrant>;

/** An access request as the API (and its events) show it. */
export function presentRequest(r: AccessRequest, intact = true) {
  return {
    id: r.id,
    cluster: r.cluster,
    kind: r.kind,
    state: r.state,
    engineer: r.engineer,
    engineerId: r.engineerId,
    supportCase: r.supportCase,
    accessLevel: r.accessLevel,
    expireInMinutes: r.expireInMinutes,
    nodes: r.nodes,
    reason: r.reason,
    grantId: r.grantId,
    requestedAt: iso(r.requestedAt),
    expiresAt: iso(r.expiresAt),
    answeredAt: iso(r.answeredAt),
    answeredBy: r.answeredBy,
    answeredById: r.answeredById,
    approved: r.approved ? { accessLevel: r.approved.accessLevel, expireInMinutes: r.approved.expireInMinutes, startAt: iso(r.approved.startAt), termsVersion: r.approved.termsVersion } : null,
    denial: r.denial,
    messages: r.messages.map((m) => ({ at: iso(m.at), from: m.from, by: m.by, text: m.text })),
    intact,
  };
}

/** A read of the record as the API shows it. */
export function presentRecordRead(r: RecordRead) {
  return { at: iso(r.at), action: r.action, by: r.by, byId: r.byId, sessionId: r.sessionId, detail: r.detail, intact: r.intact };
}

/** A session's whole transcript with its integrity check: the export document. */
export function exportDocument(session: SessionRecord, verification: ChainCheck, entries: TranscriptEntry[], exportedAt: number) {
  return {
    format: TRANSCRIPT_EXPORT_FORMAT,
    exportedAt: iso(exportedAt),
    session: { ...presentSession(session), cluster: session.cluster },
    verification,
    entries: entries.map(presentEntry),
  };
}

/** The export as the file a download saves: the document's JSON, or its text form. */
export function exportBody(doc: ReturnType<typeof exportDocument>, format: 'json' | 'text'): string {
  return format === 'json' ? JSON.stringify(doc) : transcriptText(doc);
}
