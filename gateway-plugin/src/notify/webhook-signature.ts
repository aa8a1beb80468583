import { createHmac, timingSafeEqual } from 'node:crypto';

/** The headers of a signed webhook delivery. */
export const SIGNATURE_HEADERS = {
  event: 'X-RemoteSupport-Event',
  delivery: 'X-RemoteSupport-Delivery',
  timestamp: 'X-RemoteSupport-Timestamp',
  signature: 'X-RemoteSupport-Signature',
} as const;

/** How old a delivery's timestamp may be before a receiver refuses it as a replay (docs/notifications.md). */
export const DEFAULT_TOLERANCE_SECONDS = 300;

/** `sha256=` + the hex HMAC-SHA256 of `${timestamp}.${body}` under the webhook's secret. */
export function signPayload(secret: string, timestamp: number, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/** The signed headers of one delivery; `timestamp` is in seconds since the epoch. */
export function signedHeaders(secret: string, event: { id: string; type: string }, timestamp: number, body: string): Record<string, string> {
  return {
    [SIGNATURE_HEADERS.event]: event.type,
    [SIGNATURE_HEADERS.delivery]: event.id,
    [SIGNATURE_HEADERS.timestamp]: String(timestamp),
    [SIGNATURE_HEADERS.signature]: signPayload(secret, timestamp, body),
  };
}

export type SignatureCheck = { valid: true } | { valid: false; reason: string };

/**
 * What a receiver runs on each delivery: the signature must match the body
 * exactly as received, under the shared secret, and the timestamp must be
 * within `toleranceSeconds` of `now` (epoch ms), so a captured delivery
 * replayed later is refused. Header names are matched without regard to case.
 */
export function verifySignature(secret: string, headers: Record<string, string | string[] | undefined>, body: string, now: number, toleranceSeconds = DEFAULT_TOLERANCE_SECONDS): SignatureCheck {
  const header = (name: string): string | undefined => {
    const found = Object.entries(headers).find(([k]) => k.toLowerCase() === name.toLowerCase())?.[1];
    return Array.isArray(found) ? undefined : found;
  };
  const timestamp = header(SIGNATURE_HEADERS.timestamp);
  const signature = header(SIGNATURE_HEADERS.signature);
  if (timestamp === undefined || !/^\d{1,12}$/.test(timestamp)) return { valid: false, reason: `${SIGNATURE_HEADERS.timestamp} is missing or not a number of seconds` };
  if (signature === undefined || !/^sha256=[0-9a-f]{64}$/.test(signature)) return { valid: false, reason: `${SIGNATURE_HEADERS.signature} is missing or not sha256=<64 hex digits>` };
  const expected = Buffer.from(signPayload(secret, Number(timestamp), body));
  if (!timingSafeEqual(expected, Buffer.from(signature))) return { valid: false, reason: 'the signature does not match the body under the shared secret' };
  const age = Math.abs(now / 1000 - Number(timestamp));
  if (age > toleranceSeconds) return { valid: false, reason: `the timestamp is ${Math.round(age)} s from now, more than the ${toleranceSeconds} s allowed (a replay?)` };
  return { valid: true };
}
