import { formatDateTime, formatUtc } from '../core/format';
import { splitMinutes } from '../core/duration';
import { extensionStrings, format } from '../core/strings';

/**
 * A moment in the admin's time zone, to the minute, with the zone named
 * (`2026-12-03 23:25 PST`): what the grant pane shows. `utcTitle` gives the
 * same moment in UTC for the tooltip beside it.
 */
export function formatLocalWithZone(ms: number): string {
  // The extension's one rule for a moment (core/format.ts).
  return formatDateTime(new Date(ms).toISOString());
}

/** The same moment in UTC (`2026-12-04 07:25:00 UTC`), for the title of a local time. */
export function utcTitle(ms: number): string {
  return formatUtc(new Date(ms).toISOString());
}

/** A length of time in words, without "(s)" plurals: "8 hours", "1 day 2 hours", "7 hours 43 minutes". */
export function durationInWords(minutes: number): string {
  const s = extensionStrings().Dialog.Duration.Span;
  const parts = splitMinutes(minutes);
  const words: string[] = [];
  if (parts.days) words.push(parts.days === 1 ? s.day : format(s.days, parts.days));
  if (parts.hours) words.push(parts.hours === 1 ? s.hour : format(s.hours, parts.hours));
  if (parts.minutes || words.length === 0) words.push(parts.minutes === 1 ? s.minute : format(s.minutes, parts.minutes));
  return words.join(' ');
}
