import { DAY_MS } from './clock';

/** Grants that ended this long ago still show with includeExpired. */
export const EXPIRED_GRANT_WINDOW_DAYS = 30;
/** Sessions and their transcripts are kept this long after they end, then purged. */
export const TRANSCRIPT_RETENTION_DAYS = 90;
/** Session history looks back this far when no fromDate is given. */
export const DEFAULT_HISTORY_DAYS = 7;

export function expiredGrantCutoff(now: number): number {
  return now - EXPIRED_GRANT_WINDOW_DAYS * DAY_MS;
}

export function transcriptCutoff(now: number): number {
  return now - TRANSCRIPT_RETENTION_DAYS * DAY_MS;
}

export function defaultHistoryFrom(now: number): number {
  return now - DEFAULT_HISTORY_DAYS * DAY_MS;
}

/**
 * Rows (transcript entries, sessions or grants) the retention purge removes
 * in one transaction: a few milliseconds of the writer (bench/startup.mjs
 * measures the longest batch), after which grants, revokes and appends get
 * their turn.
 */
export const PURGE_BATCH_ROWS = 500;
