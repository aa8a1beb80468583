/** How long a grant may last, in minutes (the reference's ExpireInMinutes). */
export const EXPIRE_IN_MINUTES = { min: 60, max: 20_160, default: 480 } as const;

export const EXPIRE_IN_MINUTES_ALLOWED = `an integer from ${EXPIRE_IN_MINUTES.min} to ${EXPIRE_IN_MINUTES.max}`;

export function isValidExpireInMinutes(value: unknown): value is number {
  return (
    typeof value === 'number' &&
    Number.isInteger(value) &&
    value >= EXPIRE_IN_MINUTES.min &&
    value <= EXPIRE_IN_MINUTES.max
  );
}
