/**
 * When a notification is tried again: exponential backoff with jitter, a cap
 * on each wait and on the attempts, and which answers are worth another try.
 */
export interface RetryPolicy {
  firstDelayMs: number;
  maxDelayMs: number;
  maxAttempts: number;
  /** Each wait is the backoff times a factor from 1 - jitter to 1 + jitter. */
  jitter: number;
  /** The longest Retry-After honoured; a longer one waits this long. */
  maxRetryAfterMs: number;
}

/** 1 s doubling to 5 min, at most 8 attempts, each wait ±20 %. */
export const DEFAULT_RETRY: RetryPolicy = { firstDelayMs: 1000, maxDelayMs: 5 * 60_000, maxAttempts: 8, jitter: 0.2, maxRetryAfterMs: 60 * 60_000 };

/** What one attempt came to. */
export type AttemptOutcome =
  | { kind: 'delivered'; status: number | null }
  | { kind: 'retry'; status: number | null; error: string | null; retryAfterMs?: number }
  | { kind: 'give-up'; status: number | null; error: string };

/** The wait after `attempts` failed attempts (1 → about firstDelayMs); `random` is in [0, 1). */
export function backoffMs(attempts: number, random: () => number, policy: RetryPolicy = DEFAULT_RETRY): number {
  const base = Math.min(policy.maxDelayMs, policy.firstDelayMs * 2 ** Math.max(0, attempts - 1));
  return Math.round(base * (1 - policy.jitter + 2 * policy.jitter * random()));
}

/** The wait before the next attempt: the backoff, or the receiver's Retry-After when longer (capped). */
export function nextDelayMs(attempts: number, outcome: { retryAfterMs?: number }, random: () => number, policy: RetryPolicy = DEFAULT_RETRY): number {
  const backoff = backoffMs(attempts, random, policy);
  return outcome.retryAfterMs === undefined ? backoff : Math.max(backoff, Math.min(outcome.retryAfterMs, policy.maxRetryAfterMs));
}

/** Retry-After as seconds or an HTTP date, in ms from `now`; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | undefined, now: number): number | undefined {
  if (value === undefined) return undefined;
  if (/^\s*\d+\s*$/.test(value)) return Number(value) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** A webhook's HTTP answer: 2xx delivered; 408, 429 and 5xx tried again; any other status given up at once. */
export function outcomeOfStatus(status: number, retryAfter: string | undefined, now: number): AttemptOutcome {
  if (status >= 200 && status < 300) return { kind: 'delivered', status };
  if (status === 408 || status === 429 || status >= 500) {
    const retryAfterMs = parseRetryAfter(retryAfter, now);
    return { kind: 'retry', status, error: null, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) };
  }
  return { kind: 'give-up', status, error: `the receiver answered ${status}, which another attempt would not change` };
}
