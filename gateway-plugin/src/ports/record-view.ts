import type { ChainCheck, TranscriptEntry } from '../domain/transcript';
import { TRANSCRIPT_EXPORT_FORMAT, transcriptText } from '../domain/transcript-export';
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
  };
}

/** A transcript entry as the API shows it. */
export function presentEntry(e: TranscriptEntry) {
  return { seq: e.seq, at: iso(e.at), kind: e.kind, node: e.node, text: e.text, prevHash: e.prevHash, hash: e.hash };
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
