/**
 * Paging of the lists that grow with time (session history, consent
 * history): newest first, by a keyset on (time, row id), so a page is an
 * index range whatever the list's length, and rows added between pages
 * neither repeat nor hide others.
 */

/** Items per page: the default when a client names none, and the most it may ask for. */
export const LIST_PAGE = { default: 100, max: 500 } as const;
/**
 * The first page counts its list (`total`) only up to here: past it the count
 * is null ("more than this"), so a first page never scans a busy cluster's
 * 90 days (a COUNT of 180,000 sessions held the event loop about 60 ms).
 */
export const LIST_COUNT_CAP = 10_000;

/** A capped count as the API gives it: the number, or null when it passed the cap. */
export function cappedCount(n: number): number | null {
  return n > LIST_COUNT_CAP ? null : n;
}
export const LIST_PAGE_ALLOWED = `an integer from 1 to ${LIST_PAGE.max}`;
export const CURSOR_ALLOWED = 'a nextCursor from a previous page of this list';

/** Where the previous page stopped: the last item's time and row id. */
export interface PageKey {
  at: number;
  row: number;
}

/** The cursor a client sends back for the next page: opaque to it (base64url of the key). */
export function encodeCursor(key: PageKey): string {
  return Buffer.from(`${key.at}.${key.row}`, 'utf8').toString('base64url');
}

/** The key a cursor names, or null when it is not one this gateway wrote. */
export function decodeCursor(cursor: string): PageKey | null {
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(cursor)) return null;
  const match = /^(\d{1,15})\.(\d{1,15})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  return match ? { at: Number(match[1]), row: Number(match[2]) } : null;
}

/**
 * A page of a list: its items, the cursor of the next page (null on the
 * last), and the list's length on the first page only (null after it: a
 * count reads the whole window, many times the cost of a page).
 */
export interface ListPage<T> {
  items: T[];
  nextCursor: string | null;
  total: number | null;
}
