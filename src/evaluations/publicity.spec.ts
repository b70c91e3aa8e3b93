import { addDays, publicationStatus, publicityEndsOn } from './publicity';

const TZ = 'Asia/Shanghai';
const at = (iso: string) => new Date(iso);

describe('publicityEndsOn: the end of the day publicityDays days later, district time', () => {
  it.each([
    ['published at noon, 3 days', '2026-11-23T04:00:00Z', 3, '2026-11-26'],
    // 23:30 on the 23rd in Shanghai is still the 23rd there, though UTC says the same day
    ['published late evening in Shanghai', '2026-11-23T15:30:00Z', 3, '2026-11-26'],
    // 00:30 on the 24th in Shanghai is the 23rd in UTC: the window counts from the 24th
    ['published just after midnight in Shanghai', '2026-11-23T16:30:00Z', 3, '2026-11-27'],
    ['over a month end', '2026-11-29T04:00:00Z', 3, '2026-12-02'],
    ['over a year end', '2026-12-30T04:00:00Z', 5, '2027-01-04'],
    ['one day', '2026-02-28T04:00:00Z', 1, '2026-03-01'],
    ['0 days: no window, final at once', '2026-11-23T04:00:00Z', 0, null],
  ])('%s', (_, published, days, expected) => {
    expect(publicityEndsOn(at(published), days, TZ)).toBe(expected);
  });

  it('addDays crosses leap days', () => {
    expect(addDays('2028-02-28', 1)).toBe('2028-02-29');
    expect(addDays('2028-02-28', 2)).toBe('2028-03-01');
  });
});

describe('publicationStatus: decided when read', () => {
  const published = { status: 'published' as const, publicityEndsOn: '2026-11-26' };
  it.each([
    [
      'a draft is a draft',
      { status: 'draft' as const, publicityEndsOn: null },
      false,
      '2026-11-20T00:00:00Z',
      'draft',
    ],
    ['inside the window', published, false, '2026-11-24T04:00:00Z', 'publicity'],
    // the window's last minute: 23:59:59 on the 26th in Shanghai is 15:59:59 UTC
    [
      'the last second of the last day (Shanghai)',
      published,
      false,
      '2026-11-26T15:59:59Z',
      'publicity',
    ],
    ['the first second after it', published, false, '2026-11-26T16:00:00Z', 'final'],
    [
      'after the window, an objection still open',
      published,
      true,
      '2026-12-01T00:00:00Z',
      'publicity',
    ],
    ['after the window, nothing pending', published, false, '2026-12-01T00:00:00Z', 'final'],
    [
      'no window at all',
      { status: 'published' as const, publicityEndsOn: null },
      false,
      '2026-11-23T04:00:00Z',
      'final',
    ],
  ])('%s', (_, evaluation, pending, now, expected) => {
    expect(publicationStatus(evaluation, pending, TZ, at(now))).toBe(expected);
  });
});
