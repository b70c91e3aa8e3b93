import { monthOf, todayIn } from '../common/time';
import { competitionRanks, rankMonth, type HouseholdInfo, type VillagerMonth } from './ranking';

/** A villager's month: id, merit, deductions (≤ 0), and optionally a household. */
const v = (
  villagerId: number,
  merit: number,
  deductions = 0,
  householdId: number | null = null,
): VillagerMonth => ({
  villagerId,
  name: `村民${villagerId}`,
  householdId,
  merit,
  deductions,
  deductionReasons: deductions < 0 ? ['乱倒垃圾'] : [],
});

const hh = (id: number): HouseholdInfo => ({ id, householdNo: `00${id}`, headName: `户主${id}` });

/** [villagerId, rank] pairs, the shape every scenario below is written in. */
const red = (villagers: VillagerMonth[], size: number) =>
  rankMonth(villagers, [], size).redList.map((r) => [r.villagerId, r.rank]);

describe('competitionRanks: equal scores share a rank, the next rank skips', () => {
  it.each<[number[], number[]]>([
    [[], []],
    [
      [5, 4, 3],
      [1, 2, 3],
    ],
    [
      [50, 40, 40, 30],
      [1, 2, 2, 4],
    ],
    [
      [10, 10, 10],
      [1, 1, 1],
    ],
    [
      [9, 9, 7, 7, 7, 1],
      [1, 1, 3, 3, 3, 6],
    ],
    [
      [-5, -10, -10],
      [1, 2, 2],
    ],
  ])('%j → %j', (scores, ranks) => {
    expect(competitionRanks(scores, (s) => s)).toEqual(ranks);
  });
});

describe('red list', () => {
  it.each<[string, VillagerMonth[], number, number[][]]>([
    [
      'top N by net, best first',
      [v(1, 10), v(2, 30), v(3, 20), v(4, 5)],
      3,
      [
        [2, 1],
        [3, 2],
        [1, 3],
      ],
    ],
    [
      'everyone tied at the cut-off is included (size 2, ranks 1, 2, 2)',
      [v(1, 50), v(2, 40), v(3, 40), v(4, 30)],
      2,
      [
        [1, 1],
        [2, 2],
        [3, 2],
      ],
    ],
    [
      'the rank after a tie skips, so it can fall past the cut-off (size 3, no rank 4)',
      [v(1, 50), v(2, 40), v(3, 40), v(4, 30)],
      3,
      [
        [1, 1],
        [2, 2],
        [3, 2],
      ],
    ],
    [
      'the skipped rank is reached when the list is long enough (size 4: 1, 2, 2, 4)',
      [v(1, 50), v(2, 40), v(3, 40), v(4, 30)],
      4,
      [
        [1, 1],
        [2, 2],
        [3, 2],
        [4, 4],
      ],
    ],
    [
      'a tie for first longer than the list: all of them',
      [v(1, 20), v(2, 20), v(3, 20), v(4, 10)],
      1,
      [
        [1, 1],
        [2, 1],
        [3, 1],
      ],
    ],
    [
      'fewer villagers than the list size: all of them',
      [v(1, 10), v(2, 30)],
      10,
      [
        [2, 1],
        [1, 2],
      ],
    ],
    ['nobody positive: an empty red list', [v(1, 0, -10), v(2, 0, -5)], 10, []],
    ['nobody at all: an empty red list', [], 10, []],
    [
      'any deduction keeps a villager off, however high the net',
      [v(1, 100, -5), v(2, 10)],
      10,
      [[2, 1]],
    ],
    ['a zero net is not honoured', [v(1, 0), v(2, 1)], 10, [[2, 1]]],
    [
      'equal nets are listed by villager id, so both databases give the same order',
      [v(9, 10), v(3, 10), v(5, 10)],
      10,
      [
        [3, 1],
        [5, 1],
        [9, 1],
      ],
    ],
  ])('%s', (_, villagers, size, expected) => {
    expect(red(villagers, size)).toEqual(expected);
  });

  it('rows carry name, merit and net', () => {
    expect(rankMonth([v(7, 25)], [], 10).redList).toEqual([
      { rank: 1, villagerId: 7, name: '村民7', merit: 25, net: 25 },
    ]);
  });
});

describe('black list', () => {
  it.each<[string, VillagerMonth[], number[][]]>([
    ['nobody deducted: an empty black list', [v(1, 10), v(2, 5)], []],
    [
      'worst deductions first, ties share a rank',
      [v(1, 0, -5), v(2, 0, -20), v(3, 0, -5), v(4, 0, -1)],
      [
        [2, 1],
        [1, 2],
        [3, 2],
        [4, 4],
      ],
    ],
    [
      'ordered by deductions, not net: merit elsewhere does not soften the place',
      [v(1, 100, -30), v(2, 0, -10)],
      [
        [1, 1],
        [2, 2],
      ],
    ],
  ])('%s', (_, villagers, expected) => {
    expect(rankMonth(villagers, [], 10).blackList.map((r) => [r.villagerId, r.rank])).toEqual(
      expected,
    );
  });

  it('everyone with a deduction is listed, with no size limit, and with net', () => {
    const many = Array.from({ length: 15 }, (_, i) => v(i + 1, 0, -(i + 1)));
    const { blackList } = rankMonth(many, [], 3);
    expect(blackList).toHaveLength(15);
    expect(blackList[0]).toMatchObject({ villagerId: 15, deductions: -15, net: -15 });
  });

  it('reasons are the distinct rule titles, in the order the deeds happened', () => {
    const villager = {
      ...v(1, 10, -40),
      deductionReasons: ['大操大办', '乱倒垃圾', '大操大办', '高价彩礼'],
    };
    expect(rankMonth([villager], [], 10).blackList).toEqual([
      {
        rank: 1,
        villagerId: 1,
        name: '村民1',
        deductions: -40,
        net: -30,
        reasons: ['大操大办', '乱倒垃圾', '高价彩礼'],
      },
    ]);
  });
});

describe('households (文明家庭)', () => {
  it.each<[string, VillagerMonth[], HouseholdInfo[], number[][]]>([
    [
      "ranked by the members' summed net",
      [v(1, 30, 0, 1), v(2, 20, 0, 1), v(3, 20, 0, 2), v(4, 10, 0, 3)],
      [hh(1), hh(2), hh(3)],
      // [householdId, rank, net, members]
      [
        [1, 1, 50, 2],
        [2, 2, 20, 1],
        [3, 3, 10, 1],
      ],
    ],
    [
      '一票否决: a member on the black list keeps the household off, however high its sum',
      [v(1, 300, 0, 1), v(2, 20, -5, 1), v(3, 20, 0, 2)],
      [hh(1), hh(2)],
      [[2, 1, 20, 1]],
    ],
    [
      'equal sums share a rank',
      [v(1, 10, 0, 1), v(2, 5, 0, 2), v(3, 5, 0, 2), v(4, 3, 0, 3)],
      [hh(1), hh(2), hh(3)],
      [
        [1, 1, 10, 1],
        [2, 1, 10, 2],
        [3, 3, 3, 1],
      ],
    ],
    [
      'villagers without a household, and households without scored members, are left out',
      [v(1, 10, 0, null), v(2, 5, 0, 2)],
      [hh(1), hh(2)],
      [[2, 1, 5, 1]],
    ],
    [
      'only households with a positive sum are listed',
      [v(1, 0, -10, 1), v(2, 5, 0, 2), v(3, 0, 0, 3)],
      [hh(1), hh(2), hh(3)],
      [[2, 1, 5, 1]],
    ],
    [
      'nobody listed when no household qualifies',
      [v(1, 10, -10, 1), v(2, 0, -3, 2)],
      [hh(1), hh(2)],
      [],
    ],
    [
      'a household the village does not know is ignored',
      [v(1, 10, 0, 99), v(2, 5, 0, 2)],
      [hh(2)],
      [[2, 1, 5, 1]],
    ],
  ])('%s', (_, villagers, households, expected) => {
    const rows = rankMonth(villagers, households, 10).households;
    expect(rows.map((h) => [h.householdId, h.rank, h.net, h.members])).toEqual(expected);
  });

  it('rows carry the household number and head name', () => {
    expect(rankMonth([v(1, 10, 0, 4)], [hh(4)], 10).households).toEqual([
      { rank: 1, householdId: 4, householdNo: '004', headName: '户主4', members: 1, net: 10 },
    ]);
  });
});

/**
 * Choosing the input rows is the query's job (month-totals.query.ts; the e2e tests run it on
 * both databases). These scenarios state that contract at deed level: a tally with the query's
 * rules (approved deeds only, month of occurredOn) feeding rankMonth.
 */
describe('which deeds count', () => {
  interface DeedRow {
    villagerId: number;
    points: number;
    title: string;
    occurredOn: string;
    status: 'pending' | 'approved' | 'rejected' | 'revoked';
  }
  const tally = (deeds: DeedRow[], month: string): VillagerMonth[] => {
    const by = new Map<number, VillagerMonth>();
    for (const d of deeds) {
      if (d.status !== 'approved' || monthOf(d.occurredOn) !== month) continue;
      const row = by.get(d.villagerId) ?? { ...v(d.villagerId, 0), deductionReasons: [] };
      if (d.points > 0) row.merit += d.points;
      else {
        row.deductions += d.points;
        row.deductionReasons.push(d.title);
      }
      by.set(d.villagerId, row);
    }
    return [...by.values()];
  };
  const deed = (
    villagerId: number,
    points: number,
    occurredOn = '2026-11-15',
    status: DeedRow['status'] = 'approved',
  ): DeedRow => ({
    villagerId,
    points,
    title: points < 0 ? '乱倒垃圾' : '好人好事',
    occurredOn,
    status,
  });

  it('a revoked deduction is ignored: the villager is back on the red list, off the black list', () => {
    const deeds = [deed(1, 20), deed(1, -10, '2026-11-16', 'revoked'), deed(2, 15)];
    const result = rankMonth(tally(deeds, '2026-11'), [], 10);
    expect(result.redList.map((r) => [r.villagerId, r.net])).toEqual([
      [1, 20],
      [2, 15],
    ]);
    expect(result.blackList).toEqual([]);
  });

  it('pending, rejected and revoked merits do not count', () => {
    const deeds = [
      deed(1, 50, '2026-11-01', 'pending'),
      deed(1, 50, '2026-11-02', 'rejected'),
      deed(1, 50, '2026-11-03', 'revoked'),
      deed(1, 5),
    ];
    expect(rankMonth(tally(deeds, '2026-11'), [], 10).redList).toMatchObject([{ net: 5 }]);
  });

  it.each([
    // 23:59:59 on 30 November in Shanghai is still 15:59:59 UTC on the 30th
    ['2026-11-30T15:59:59Z', '2026-11-30', '2026-11'],
    // one second past midnight in Shanghai is already 1 December, though UTC still says 30 November
    ['2026-11-30T16:00:01Z', '2026-12-01', '2026-12'],
    // the last evening of the year
    ['2026-12-31T15:59:59Z', '2026-12-31', '2026-12'],
    ['2026-12-31T16:00:00Z', '2027-01-01', '2027-01'],
  ])('a deed recorded at %s (Shanghai date %s) belongs to %s', (instant, occurredOn, month) => {
    const occurred = todayIn('Asia/Shanghai', new Date(instant));
    expect(occurred).toBe(occurredOn);
    const deeds = [deed(1, 10, occurred)];
    for (const m of ['2026-11', '2026-12', '2027-01']) {
      expect(red(tally(deeds, m), 10)).toEqual(m === month ? [[1, 1]] : []);
    }
  });

  it('the last day of a short month counts for that month', () => {
    const deeds = [deed(1, 10, '2026-02-28'), deed(2, 10, '2026-03-01'), deed(3, 10, '2024-02-29')];
    expect(red(tally(deeds, '2026-02'), 10)).toEqual([[1, 1]]);
    expect(red(tally(deeds, '2024-02'), 10)).toEqual([[3, 1]]);
  });
});
