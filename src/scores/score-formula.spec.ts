import {
  isQuarter,
  quarterDays,
  quarterLabel,
  quarterMonths,
  quarterOf,
  scoreVillages,
  type VillageQuarter,
} from './score-formula';

const village = (o: Partial<VillageQuarter> & { name: string }): VillageQuarter => ({
  villageId: o.name.charCodeAt(0),
  participation: [0, 0, 0],
  households: 1,
  netPoints: 0,
  incidents: 0,
  ...o,
});

describe('quarters', () => {
  it.each([
    ['2026-Q4', true],
    ['2026-Q1', true],
    ['2026-Q5', false],
    ['2026-Q0', false],
    ['2026-4', false],
    ['1999-Q4', false],
    ['2026-q4', false],
  ])('%s is a quarter: %s', (q, ok) => expect(isQuarter(q)).toBe(ok));

  it('knows its months, days and name', () => {
    expect(quarterMonths('2026-Q4')).toEqual(['2026-10', '2026-11', '2026-12']);
    expect(quarterDays('2026-Q1')).toEqual({ first: '2026-01-01', last: '2026-03-31' });
    expect(quarterDays('2028-Q3')).toEqual({ first: '2028-07-01', last: '2028-09-30' });
    expect(quarterOf('2026-12-07')).toBe('2026-Q4');
    expect(quarterOf('2026-03-31')).toBe('2026-Q1');
    expect(quarterLabel('2026-Q4')).toBe('2026年第四季度');
  });
});

describe('scoreVillages', () => {
  it('participation × 40, points against the town’s best × 30, 30 less 10 an incident', () => {
    const [best, second] = scoreVillages([
      village({
        name: '甲村',
        participation: [0.5, 1, 0],
        households: 2,
        netPoints: 5,
        incidents: 1,
      }),
      village({
        name: '乙村',
        participation: [1, 1, 1],
        households: 1,
        netPoints: 8,
        incidents: 4,
      }),
    ]);
    expect(best).toEqual({
      villageId: '乙'.charCodeAt(0),
      name: '乙村',
      rank: 1,
      score: 70,
      parts: { participation: 40, points: 30, incidents: 0 },
    });
    // 0.5 × 40 = 20; 2.5 / 8 × 30 = 9.375 → 9.4; 30 − 10
    expect(second).toMatchObject({
      rank: 2,
      score: 49.4,
      parts: { participation: 20, points: 9.4, incidents: 20 },
    });
  });

  it('a negative or empty net gives no points part; no best above 0 gives none to anyone', () => {
    const rows = scoreVillages([
      village({ name: '甲村', netPoints: -4 }),
      village({ name: '乙村', households: 0, netPoints: 9 }),
    ]);
    expect(rows.map((r) => r.parts.points)).toEqual([0, 0]);
  });

  it('equal scores share a rank and are listed by name (1, 1, 3)', () => {
    const rows = scoreVillages([
      village({ name: '丁村', incidents: 1 }),
      village({ name: '丙村', incidents: 1 }),
      village({ name: '甲村', incidents: 2 }),
    ]);
    expect(rows.map((r) => [r.name, r.rank, r.score])).toEqual([
      ['丙村', 1, 20],
      ['丁村', 1, 20],
      ['甲村', 3, 10],
    ]);
  });
});
