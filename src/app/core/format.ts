import type { SessionView } from './api-models';
import { extensionStrings, format } from './strings';

const pad = (n: number) => String(n).padStart(2, '0');

/** How a time is shown: with seconds (a transcript), and in which zone (the viewer's own unless a test names one). */
export interface TimeOptions {
  seconds?: boolean;
  timeZone?: string;
}

/**
 * The parts of a moment in a time zone, and the zone's name as people read
 * it: an abbreviation where the locale has one (`PST`), else an offset from
 * UTC (`UTC+1`, `UTC+5:30`), and `UTC` itself.
 */
function zonedParts(d: Date, timeZone: string | undefined): Record<'year' | 'month' | 'day' | 'hour' | 'minute' | 'second' | 'timeZoneName', string> {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    timeZoneName: 'short',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(d);
  const get = (type: Intl.DateTimeFormatPartTypes) => parts.find((p) => p.type === type)?.value ?? '';
  const zone = get('timeZoneName').replace(/^GMT(?=[+-]|$)/, 'UTC');
  return { year: get('year'), month: get('month'), day: get('day'), hour: get('hour'), minute: get('minute'), second: get('second'), timeZoneName: zone || 'UTC' };
}

/**
 * The extension's one rule for showing a moment: the date and time in the
 * viewer's time zone with the zone named, `2026-12-03 15:54 PST` (with
 * seconds where asked, `15:54:07 PST`); empty for null. Pair it with
 * formatUtc on hover, so an admin can match it with the engineer's console.
 */
export function formatDateTime(iso: string | null | undefined, options: TimeOptions = {}): string {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const p = zonedParts(d, options.timeZone);
  const time = options.seconds ? `${p.hour}:${p.minute}:${p.second}` : `${p.hour}:${p.minute}`;
  return `${p.year}-${p.month}-${p.day} ${time} ${p.timeZoneName}`;
}

/** A time of day with seconds and the zone (`15:54:07 PST`), for a transcript entry of a session whose date is shown above it. */
export function formatTimeOfDay(iso: string | null | undefined, options: Pick<TimeOptions, 'timeZone'> = {}): string {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const p = zonedParts(d, options.timeZone);
  return `${p.hour}:${p.minute}:${p.second} ${p.timeZoneName}`;
}

/** The name of the viewer's time zone as formatDateTime writes it (`PST`, `UTC+1`). */
export function zoneName(at: number, timeZone?: string): string {
  return zonedParts(new Date(at), timeZone).timeZoneName;
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

/** A count in words without "(s)": `one` for exactly 1, else `many` with the number filled in. */
export function formatCount(n: number, one: string, many: string, ...rest: Array<string | number>): string {
  return n === 1 ? format(one, ...rest) : format(many, n, ...rest);
}
