import { EXPIRE_IN_MINUTES } from '../../generated/api-contract';

/** How long a grant may last, in minutes: the gateway's rule, generated from its contract. */
export { EXPIRE_IN_MINUTES };

export type DurationUnit = 'minutes' | 'hours' | 'days';
/** Hours first: the default (8 hours) reads best in hours; minutes are there for the exact rule (60 to 20,160). */
export const DURATION_UNITS: readonly DurationUnit[] = ['hours', 'days', 'minutes'];

export const MINUTES_PER: Readonly<Record<DurationUnit, number>> = { minutes: 1, hours: 60, days: 1440 };

/** A duration as the admin types it: an amount and a unit. */
export interface DurationInput {
  amount: number | null;
  unit: DurationUnit;
}

/** Converts an amount of minutes, hours or days to minutes; NaN when the amount is missing. */
export function toMinutes(input: DurationInput): number {
  if (input.amount === null || input.amount === undefined || Number.isNaN(input.amount)) return Number.NaN;
  return Math.round(input.amount * MINUTES_PER[input.unit] * 1000) / 1000;
}

/** The clearest way to show a number of minutes: whole days when it divides, else hours. */
export function fromMinutes(minutes: number): DurationInput {
  if (minutes % MINUTES_PER.days === 0) return { amount: minutes / MINUTES_PER.days, unit: 'days' };
  return { amount: minutes / MINUTES_PER.hours, unit: 'hours' };
}

/** The limits of the amount field for a unit, so the input's min/max match the rule. */
export function amountLimits(unit: DurationUnit): { min: number; max: number } {
  return { min: EXPIRE_IN_MINUTES.min / MINUTES_PER[unit], max: EXPIRE_IN_MINUTES.max / MINUTES_PER[unit] };
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
