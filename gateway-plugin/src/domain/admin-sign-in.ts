import { MINUTE_MS } from './clock';

/**
 * The rules of the embedded default's browser sign-in: how long a one-time
 * login code and a signed-in session last, and how many failed sign-ins are
 * let through. Pure: every decision takes the time it is made at.
 */

/** How long a one-time login code can be redeemed after it is minted. */
export const LOGIN_CODE_TTL_MS = 10 * MINUTE_MS;
/** A session ends this long after sign-in, however busy. */
export const SESSION_ABSOLUTE_MS = 12 * 60 * MINUTE_MS;
/** A session ends after this long without a request. */
export const SESSION_IDLE_MS = 60 * MINUTE_MS;
/**
 * A session's last-seen time is written at most this often: each write is a
 * synchronous commit, and an idle limit of an hour does not need a finer one.
 */
export const SESSION_TOUCH_MS = MINUTE_MS;
/** Failed sign-ins counted per window. */
export const SIGN_IN_WINDOW_MS = MINUTE_MS;
/** Failed sign-ins one client address may make per window before it waits. */
export const SIGN_IN_FAILURES_PER_ADDRESS = 10;
/** Failed sign-ins all addresses together may make per window (a spread-out guess). */
export const SIGN_IN_FAILURES_OVERALL = 50;

/** A signed-in browser session as the store keeps it. */
export interface AdminSession {
  /** The public id (a UUID), listed and revoked by; the cookie carries a separate secret. */
  id: string;
  /** Who signed in (display). */
  name: string;
  createdAt: number;
  lastSeenAt: number;
  /** The absolute end: createdAt + SESSION_ABSOLUTE_MS. */
  expiresAt: number;
  revokedAt: number | null;
  /** The credential generation the session was made under; a rotated credential ends it. */
  epoch: string;
}

export type AdminSessionState = 'active' | 'revoked' | 'expired' | 'idle';

/** Whether a session still signs its browser in at `now`, and if not, why. */
export function adminSessionState(s: AdminSession, now: number, epoch: string): AdminSessionState {
  if (s.revokedAt !== null || s.epoch !== epoch) return 'revoked';
  if (now >= s.expiresAt) return 'expired';
  if (now >= s.lastSeenAt + SESSION_IDLE_MS) return 'idle';
  return 'active';
}

/** When the session ends if no request comes: the earlier of the idle and the absolute limit. */
export function adminSessionEndsAt(s: AdminSession): number {
  return Math.min(s.expiresAt, s.lastSeenAt + SESSION_IDLE_MS);
}

/**
 * Failed attempts in a sliding window, per key and overall. `retryAfter`
 * says how long a key must wait (0: it may try now).
 */
export class FailureWindow {
  private readonly byKey = new Map<string, number[]>();
  private all: number[] = [];

  constructor(
    private readonly windowMs = SIGN_IN_WINDOW_MS,
    private readonly perKey = SIGN_IN_FAILURES_PER_ADDRESS,
    private readonly overall = SIGN_IN_FAILURES_OVERALL,
  ) {}

  /** Milliseconds until `key` may try again, or 0. */
  retryAfter(key: string, now: number): number {
    this.prune(now);
    const mine = this.byKey.get(key) ?? [];
    let wait = 0;
    if (mine.length >= this.perKey) wait = mine[mine.length - this.perKey]! + this.windowMs - now;
    if (this.all.length >= this.overall) wait = Math.max(wait, this.all[this.all.length - this.overall]! + this.windowMs - now);
    return Math.max(0, wait);
  }

  fail(key: string, now: number): void {
    this.prune(now);
    const mine = this.byKey.get(key) ?? [];
    mine.push(now);
    this.byKey.set(key, mine);
    this.all.push(now);
  }

  private prune(now: number): void {
    const since = now - this.windowMs;
    this.all = this.all.filter((t) => t > since);
    for (const [key, times] of this.byKey) {
      const kept = times.filter((t) => t > since);
      if (kept.length) this.byKey.set(key, kept);
      else this.byKey.delete(key);
    }
  }
}
