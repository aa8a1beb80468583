import { EXPIRE_IN_MINUTES } from '../../generated/api-contract';

/** How long a grant may last, in minutes: the gateway's rule, generated from its contract. */
export { EXPIRE_IN_MINUTES };

export type DurationUnit = 'minutes' | 'hours' | 'days';
/** Hours first: the default (8 hours) reads best in hours; minutes are there for the exact rule (60 to 20,160). */
export const DURATION_UNITS: readonly DurationUnit[] = ['hours', 'days', 'minutes'];

export const MINUTES_PER: Readonly<Record<DurationUnit, number>> = { minutes: 1, hours: 60, days: 1440 };

/** The most decimals an amount is shown with after a unit switch. */
const SHOWN_DECIMALS = 2;

/**
 * A duration as the admin sees it: an amount and a unit. `minutes` is set
 * only after a unit switch that could not show the length exactly in the new
 * unit (8 hours in days): the amount then shows it rounded, and `minutes`
 * keeps the exact length, so nothing drifts and switching back is exact.
 * Typing a new amount drops it: what the admin types is what counts.
 */
export interface DurationInput {
  amount: number | null;
  unit: DurationUnit;
  minutes?: number;
}

/** Converts an amount of minutes, hours or days to minutes; NaN when the amount is missing. */
export function toMinutes(input: DurationInput): number {
  if (input.minutes !== undefined) return input.minutes;
  if (input.amount === null || input.amount === undefined || Number.isNaN(input.amount)) return Number.NaN;
  return Math.round(input.amount * MINUTES_PER[input.unit] * 1000) / 1000;
}

/** `minutes` in `unit` with at most two decimals, when that is exact (90 minutes = 1.5 hours); null otherwise. */
function exactAmount(minutes: number, unit: DurationUnit): number | null {
  const scale = 10 ** SHOWN_DECIMALS;
  const amount = Math.round((minutes / MINUTES_PER[unit]) * scale) / scale;
  return Math.abs(amount * MINUTES_PER[unit] - minutes) < 1e-9 ? amount : null;
}

/**
 * The clearest way to show a number of minutes: whole days when it divides,
 * hours when they are exact to two decimals (90 = 1.5 hours), minutes otherwise
 * (463 minutes, not 7.7166 hours).
 */
export function fromMinutes(minutes: number): DurationInput {
  if (minutes % MINUTES_PER.days === 0) return { amount: minutes / MINUTES_PER.days, unit: 'days' };
  const hours = exactAmount(minutes, 'hours');
  if (hours !== null) return { amount: hours, unit: 'hours' };
  return { amount: minutes, unit: 'minutes' };
}

/**
 * Shows the same length of time in another unit. When the new unit holds it
 * exactly (to two decimals) the amount is just converted; otherwise the
 * amount is shown rounded to two decimals and the exact minutes are kept, so
 * a valid value stays valid (8 hours in days is 0.33 days that still means
 * 480 minutes) and switching back gives the original (8 hours, never 7.992).
 * A missing amount stays missing.
 */
export function switchUnit(input: DurationInput, unit: DurationUnit): DurationInput {
  const minutes = toMinutes(input);
  if (Number.isNaN(minutes)) return { amount: input.amount, unit };
  const exact = exactAmount(minutes, unit);
  if (exact !== null) return { amount: exact, unit };
  const scale = 10 ** SHOWN_DECIMALS;
  return { amount: Math.round((minutes / MINUTES_PER[unit]) * scale) / scale, unit, minutes };
}

/** Whether the amount shown is a rounding of the length kept (after a unit switch). */
export function isRounded(input: DurationInput): boolean {
  return input.minutes !== undefined;
}

/** The limits of the amount field for a unit, so the input's min/max match the rule (min rounded down to what is shown). */
export function amountLimits(unit: DurationUnit): { min: number; max: number } {
  const scale = 10 ** SHOWN_DECIMALS;
  return { min: Math.floor((EXPIRE_IN_MINUTES.min / MINUTES_PER[unit]) * scale) / scale, max: EXPIRE_IN_MINUTES.max / MINUTES_PER[unit] };
}

/** A whole number of minutes split into days, hours and minutes, for saying a length in words. */
export function splitMinutes(minutes: number): { days: number; hours: number; minutes: number } {
  const whole = Math.max(0, Math.round(minutes));
  return { days: Math.floor(whole / 1440), hours: Math.floor((whole % 1440) / 60), minutes: whole % 60 };
}

export type DurationProblem = 'required' | 'notWhole' | 'tooShort' | 'tooLong';

/** Checks a number of minutes against the rule: an integer from 60 to 20,160. */
export function checkMinutes(minutes: number): DurationProblem | null {
  if (Number.isNaN(minutes)) return 'required';
  if (!Number.isInteger(minutes)) return 'notWhole';
  if (minutes < EXPIRE_IN_MINUTES.min) return 'tooShort';
  if (minutes > EXPIRE_IN_MINUTES.max) return 'tooLong';
  return null;
}
