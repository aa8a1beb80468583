import type { SessionView } from './api-models';
import { extensionStrings, format } from './strings';

const pad = (n: number) => String(n).padStart(2, '0');

/** A date and time in the viewer's time zone, `YYYY-MM-DD HH:mm:ss`; empty for null. */
export function formatDateTime(iso: string | null | undefined): string {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** A date as an `<input type="date">` value (`YYYY-MM-DD`) in the viewer's time zone. */
export function toDateInput(ms: number): string {
  const d = new Date(ms);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

/**
 * A span of time the way a countdown shows it: the two largest units
 * (`2 d 3 h`, `7 h 59 min`, `4 min 05 s`, `42 s`). Negative spans show as 0 s.
 */
export function formatSpan(ms: number): string {
  const t = extensionStrings().Time;
  const total = Math.max(0, Math.floor(ms / 1000));
  const days = Math.floor(total / 86_400);
  const hours = Math.floor((total % 86_400) / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const seconds = total % 60;
  if (days > 0) return `${format(t.days, days)} ${format(t.hours, hours)}`;
  if (hours > 0) return `${format(t.hours, hours)} ${format(t.minutes, pad(minutes))}`;
  if (minutes > 0) return `${format(t.minutes, minutes)} ${format(t.seconds, pad(seconds))}`;
  return format(t.seconds, seconds);
}

/** A session's length from its duration in seconds; empty while it runs. */
export function formatDurationSeconds(seconds: number | null): string {
  return seconds === null ? '' : formatSpan(seconds * 1000);
}

/** Why a session ended, in words; "Live" while it runs (the reason itself if this build has no words for it). */
export function formatEndReason(session: Pick<SessionView, 'endReason'>): string {
  const h = extensionStrings().History;
  return session.endReason ? h.EndReason[session.endReason] ?? session.endReason : h.live;
}

/** The same moment in UTC, `YYYY-MM-DD HH:mm:ss UTC`, for a tooltip beside a local time; empty for null. */
export function formatUtc(iso: string | null | undefined): string {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return `${d.toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}
