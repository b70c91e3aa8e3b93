import { isCalendarDate, isMonth, monthOf, monthRange, todayIn } from './time';

describe('time in the district zone', () => {
  it.each([
    // 2026-01-31 16:30 UTC is already 1 February 00:30 in Shanghai
    ['2026-01-31T16:30:00Z', 'Asia/Shanghai', '2026-02-01'],
    ['2026-01-31T15:59:59Z', 'Asia/Shanghai', '2026-01-31'],
    ['2026-01-31T16:30:00Z', 'UTC', '2026-01-31'],
    ['2026-12-31T16:00:00Z', 'Asia/Shanghai', '2027-01-01'],
  ])('at %s, today in %s is %s', (instant, zone, expected) => {
    expect(todayIn(zone, new Date(instant))).toBe(expected);
  });

  it.each([
    ['2026-02-28', true],
    ['2024-02-29', true],
    ['2026-02-29', false],
    ['2026-13-01', false],
    ['2026-4-01', false],
    ['1899-12-31', false],
    ['1999-12-31', false],
    ['2000-01-01', true],
    ['2100-12-31', true],
    ['2101-01-01', false],
    ['0000-01-01', false],
  ])('%s is a calendar date: %s', (value, ok) => {
    expect(isCalendarDate(value)).toBe(ok);
  });

  it('months', () => {
    expect(isMonth('2026-11')).toBe(true);
    expect(isMonth('2026-00')).toBe(false);
    expect(isMonth('2026-1')).toBe(false);
    expect(isMonth('0000-01')).toBe(false);
    expect(isMonth('1999-12')).toBe(false);
    expect(isMonth('2000-01')).toBe(true);
    expect(isMonth('2100-12')).toBe(true);
    expect(isMonth('9999-12')).toBe(false);
    expect(monthOf('2026-11-30')).toBe('2026-11');
    expect(monthRange('2024-02')).toEqual({ first: '2024-02-01', last: '2024-02-29' });
    expect(monthRange('2026-12')).toEqual({ first: '2026-12-01', last: '2026-12-31' });
  });
});
