/**
 * The audit of the audit: who read the record of a session, and how. Every
 * transcript opened, exported or verified, and every full-text search, is
 * itself recorded, so the customer can see who looked at what the vendor did.
 */
export const RECORD_READ_ACTIONS = ['viewed', 'exported', 'verified', 'searched'] as const;
export type RecordReadAction = (typeof RECORD_READ_ACTIONS)[number];

/** One read of the record, as stored (times in epoch ms). */
export interface RecordRead {
  at: number;
  cluster: string;
  action: RecordReadAction;
  /** Who read: the display name, and the stable id when known. */
  by: string;
  byId: string | null;
  /** The session read; null for a search, which reads across sessions. */
  sessionId: string | null;
  /** The search's words, the export's format, or the verification's outcome. */
  detail: string | null;
  /** Whether the row is as the gateway wrote it (its record-key MAC verifies). */
  intact: boolean;
}
