import { amountLimits, checkMinutes, EXPIRE_IN_MINUTES, fromMinutes, toMinutes } from './duration';

describe('duration', () => {
  it('defaults to 480 minutes, shown as 8 hours', () => {
    expect(EXPIRE_IN_MINUTES.default).toBe(480);
    expect(fromMinutes(480)).toEqual({ amount: 8, unit: 'hours' });
  });

  it('converts hours and days to minutes', () => {
    expect(toMinutes({ amount: 1, unit: 'hours' })).toBe(60);
    expect(toMinutes({ amount: 1.5, unit: 'hours' })).toBe(90);
    expect(toMinutes({ amount: 14, unit: 'days' })).toBe(20160);
    expect(toMinutes({ amount: 0.5, unit: 'days' })).toBe(720);
    expect(toMinutes({ amount: null, unit: 'days' })).toBeNaN();
  });

  it('shows whole days in days and everything else in hours', () => {
    expect(fromMinutes(2880)).toEqual({ amount: 2, unit: 'days' });
    expect(fromMinutes(90)).toEqual({ amount: 1.5, unit: 'hours' });
  });

  it.each([
    [59, 'tooShort'],
    [60, null],
    [480, null],
    [20160, null],
    [20161, 'tooLong'],
    [90.5, 'notWhole'],
    [Number.NaN, 'required'],
  ])('judges %p minutes as %p', (minutes, problem) => {
    expect(checkMinutes(minutes)).toBe(problem);
  });

  it('limits the amount field to the same range in each unit', () => {
    expect(amountLimits('hours')).toEqual({ min: 1, max: 336 });
    expect(amountLimits('days')).toEqual({ min: 60 / 1440, max: 14 });
    expect(amountLimits('minutes')).toEqual({ min: 60, max: 20160 });
  });

  it.each([
    [59, 'tooShort'],
    [60, null],
    [20160, null],
    [20161, 'tooLong'],
  ])('takes %p typed in minutes as exactly that many minutes (%p)', (amount, problem) => {
    const minutes = toMinutes({ amount, unit: 'minutes' });
    expect(minutes).toBe(amount);
    expect(checkMinutes(minutes)).toBe(problem);
  });
});
