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

/** How long one purge batch may hold the writer, in milliseconds: the batch size follows it (nextPurgeBatchRows). */
export const PURGE_BATCH_TARGET_MS = 10;

/** The smallest batch: below it a batch's fixed cost (finding the next session, the commit) dominates. */
export const PURGE_BATCH_MIN_ROWS = 10;

/**
 * The size of the purge's next batch from how long the last one held the
 * writer. The cost of a row is not fixed: on a small record 500 rows take
 * 2 ms, on 90 days of a busy cluster (10 million entries, an index that no
 * longer fits in memory) they took up to 120 ms. So the size shrinks in
 * proportion when a batch overran its target, grows by half when it took
 * less than half, and stays within [PURGE_BATCH_MIN_ROWS, maxRows].
 */
export function nextPurgeBatchRows(rows: number, ms: number, targetMs: number, maxRows: number): number {
  let next = rows;
  if (ms > targetMs) next = Math.floor((rows * targetMs) / ms);
  else if (ms < targetMs / 2) next = Math.ceil(rows * 1.5);
  return Math.min(maxRows, Math.max(PURGE_BATCH_MIN_ROWS, next));
}
