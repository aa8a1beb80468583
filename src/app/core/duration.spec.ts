import { amountLimits, checkMinutes, DURATION_UNITS, DurationUnit, EXPIRE_IN_MINUTES, fromMinutes, isRounded, MINUTES_PER, switchUnit, toMinutes } from './duration';

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

  it('shows whole days in days, hours exact to two decimals in hours, and the rest in minutes', () => {
    expect(fromMinutes(2880)).toEqual({ amount: 2, unit: 'days' });
    expect(fromMinutes(90)).toEqual({ amount: 1.5, unit: 'hours' });
    expect(fromMinutes(463)).toEqual({ amount: 463, unit: 'minutes' });
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

  it('limits the amount field to the same range in each unit (the minimum as it is shown)', () => {
    expect(amountLimits('hours')).toEqual({ min: 1, max: 336 });
    expect(amountLimits('days')).toEqual({ min: 0.04, max: 14 });
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

  describe('switching the unit', () => {
    const pairs: Array<[DurationUnit, DurationUnit]> = DURATION_UNITS.flatMap((from) => DURATION_UNITS.filter((to) => to !== from).map((to): [DurationUnit, DurationUnit] => [from, to]));

    it('keeps 8 hours valid in days and gives exactly 8 hours back', () => {
      const days = switchUnit({ amount: 8, unit: 'hours' }, 'days');
      expect(days.amount).toBe(0.33);
      expect(toMinutes(days)).toBe(480);
      expect(checkMinutes(toMinutes(days))).toBeNull();
      expect(isRounded(days)).toBe(true);
      expect(switchUnit(days, 'hours')).toEqual({ amount: 8, unit: 'hours' });
    });

    it('converts exactly when the new unit holds the length', () => {
      expect(switchUnit({ amount: 48, unit: 'hours' }, 'days')).toEqual({ amount: 2, unit: 'days' });
      expect(switchUnit({ amount: 90, unit: 'minutes' }, 'hours')).toEqual({ amount: 1.5, unit: 'hours' });
      expect(switchUnit({ amount: 0.5, unit: 'days' }, 'hours')).toEqual({ amount: 12, unit: 'hours' });
    });

    it('keeps a missing amount missing', () => {
      expect(switchUnit({ amount: null, unit: 'hours' }, 'days')).toEqual({ amount: null, unit: 'days' });
    });

    it('drops the kept minutes once the admin types an amount', () => {
      const days = switchUnit({ amount: 8, unit: 'hours' }, 'days');
      expect(toMinutes({ amount: 1, unit: days.unit })).toBe(1440);
    });

    it.each(pairs.flatMap(([from, to]) => [60, 90, 463, 480, 1441, 20160].map((minutes): [number, DurationUnit, DurationUnit] => [minutes, from, to])))(
      'keeps %p minutes exactly from %s to %s and back',
      (minutes, from, to) => {
        const start = minutes % MINUTES_PER[from] === 0 ? { amount: minutes / MINUTES_PER[from], unit: from } : switchUnit({ amount: minutes, unit: 'minutes' }, from);
        expect(toMinutes(start)).toBe(minutes);
        const there = switchUnit(start, to);
        expect(there.unit).toBe(to);
        expect(toMinutes(there)).toBe(minutes);
        expect(checkMinutes(toMinutes(there))).toBeNull();
        const back = switchUnit(there, from);
        expect(toMinutes(back)).toBe(minutes);
        expect(back.amount).toBe(start.amount);
      },
    );

    it.each(pairs)('keeps the bounds (60 and 20,160 minutes) valid from %s to %s', (from, to) => {
      for (const minutes of [EXPIRE_IN_MINUTES.min, EXPIRE_IN_MINUTES.max]) {
        const there = switchUnit(switchUnit({ amount: minutes, unit: 'minutes' }, from), to);
        expect(toMinutes(there)).toBe(minutes);
        expect(checkMinutes(toMinutes(there))).toBeNull();
      }
    });

    it('shows amounts never more than two decimals long', () => {
      for (const [from, to] of pairs) {
        for (const minutes of [60, 61, 479, 480, 20159, 20160]) {
          const there = switchUnit(switchUnit({ amount: minutes, unit: 'minutes' }, from), to);
          expect(String(there.amount)).toMatch(/^\d+(\.\d{1,2})?$/);
        }
      }
    });
  });
});
