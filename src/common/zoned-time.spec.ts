import { localDateTime, localMidnight, monthInstants } from './zoned-time';

describe('local times in the district’s zone', () => {
  it.each([
    ['2026-11-01', 'Asia/Shanghai', '2026-10-31T16:00:00.000Z'],
    ['2026-01-01', 'UTC', '2026-01-01T00:00:00.000Z'],
    ['2026-03-08', 'America/New_York', '2026-03-08T05:00:00.000Z'], // the day DST starts
    ['2026-11-01', 'America/New_York', '2026-11-01T04:00:00.000Z'], // the day DST ends
  ])('%s begins in %s at %s', (date, zone, iso) => {
    expect(localMidnight(date, zone).toISOString()).toBe(iso);
  });

  it('a month runs from its first midnight to the next month’s', () => {
    const { from, to } = monthInstants('2026-12', 'Asia/Shanghai');
    expect(from.toISOString()).toBe('2026-11-30T16:00:00.000Z');
    expect(to.toISOString()).toBe('2026-12-31T16:00:00.000Z');
  });

  it('shows an instant as the zone’s wall clock', () => {
    expect(localDateTime(new Date('2026-11-23T16:05:00Z'), 'Asia/Shanghai')).toBe(
      '2026-11-24 00:05',
    );
  });

  it('a day begins at midnight of the zone (the counter’s “today”)', () => {
    expect(localMidnight('2026-11-24', 'Asia/Shanghai').toISOString()).toBe(
      '2026-11-23T16:00:00.000Z',
    );
    expect(localMidnight('2026-07-01', 'Europe/Berlin').toISOString()).toBe(
      '2026-06-30T22:00:00.000Z',
    );
    expect(localMidnight('2026-01-01', 'UTC').toISOString()).toBe('2026-01-01T00:00:00.000Z');
  });
});
