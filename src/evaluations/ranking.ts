/** One villager's approved, unrevoked points in one month. */
export interface VillagerMonth {
  villagerId: number;
  name: string;
  householdId: number | null;
  merit: number;
  deductions: number;
  /** Titles of the deduction rules, in the order the deeds happened. */
  deductionReasons: string[];
}

export interface HouseholdInfo {
  id: number;
  householdNo: string;
  headName: string;
}

export interface RedListRow {
  rank: number;
  villagerId: number;
  name: string;
  merit: number;
  net: number;
}

export interface BlackListRow {
  rank: number;
  villagerId: number;
  name: string;
  deductions: number;
  net: number;
  reasons: string[];
}

export interface HouseholdRow {
  rank: number;
  householdId: number;
  householdNo: string;
  headName: string;
  /** Active members with approved deeds this month (the ones whose net is summed). */
  members: number;
  net: number;
}

export interface EvaluationResult {
  redList: RedListRow[];
  blackList: BlackListRow[];
  households: HouseholdRow[];
}

/**
 * Standard competition ranks over rows already sorted best first: ties share a rank and the
 * next rank skips (1, 2, 2, 4).
 */
export function competitionRanks<T>(sorted: T[], score: (row: T) => number): number[] {
  const ranks: number[] = [];
  sorted.forEach((row, i) => {
    ranks.push(i > 0 && score(sorted[i - 1]) === score(row) ? ranks[i - 1] : i + 1);
  });
  return ranks;
}

const byIdThen = (a: { villagerId: number }, b: { villagerId: number }) =>
  a.villagerId - b.villagerId;

/**
 * The month's lists (docs/product.md, "Monthly evaluation"). Red: top `redListSize` by net among villagers with net > 0 and
 * no deduction; everyone tied at the cut-off is included. Black: everyone with a deduction, worst
 * first, with the distinct deduction titles as reasons. Households (文明家庭): by the members'
 * summed net, over households with a positive sum and no member on the black list (一票否决). Equal scores share a rank and are listed by id, so the
 * same input gives the same lists on either database.
 *
 * The input is already the month's approved, unrevoked deeds of active villagers: choosing those
 * rows is the query's job (month-totals.query.ts), ranking them is this function's.
 */
export function rankMonth(
  villagers: VillagerMonth[],
  households: HouseholdInfo[],
  redListSize: number,
): EvaluationResult {
  const scored = villagers.map((v) => ({ ...v, net: v.merit + v.deductions }));

  const redCandidates = scored
    .filter((v) => v.deductions === 0 && v.net > 0)
    .sort((a, b) => b.net - a.net || byIdThen(a, b));
  const redRanks = competitionRanks(redCandidates, (v) => v.net);
  const redList: RedListRow[] = redCandidates
    .map((v, i) => ({
      rank: redRanks[i],
      villagerId: v.villagerId,
      name: v.name,
      merit: v.merit,
      net: v.net,
    }))
    .filter((row) => row.rank <= redListSize);

  const blackCandidates = scored
    .filter((v) => v.deductions < 0)
    .sort((a, b) => a.deductions - b.deductions || byIdThen(a, b));
  const blackRanks = competitionRanks(blackCandidates, (v) => v.deductions);
  const blackList: BlackListRow[] = blackCandidates.map((v, i) => ({
    rank: blackRanks[i],
    villagerId: v.villagerId,
    name: v.name,
    deductions: v.deductions,
    net: v.net,
    reasons: [...new Set(v.deductionReasons)],
  }));

  const info = new Map(households.map((h) => [h.id, h]));
  const totals = new Map<number, { net: number; members: number; vetoed: boolean }>();
  for (const v of scored) {
    if (v.householdId === null || !info.has(v.householdId)) continue;
    const t = totals.get(v.householdId) ?? { net: 0, members: 0, vetoed: false };
    t.net += v.net;
    t.members += 1;
    t.vetoed ||= v.deductions < 0;
    totals.set(v.householdId, t);
  }
  // 一票否决: a member on the black list keeps the household off; only positive sums are listed.
  const householdRows = [...totals.entries()]
    .filter(([, t]) => !t.vetoed && t.net > 0)
    .map(([id, t]) => ({ household: info.get(id)!, net: t.net, members: t.members }))
    .sort((a, b) => b.net - a.net || a.household.id - b.household.id);
  const householdRanks = competitionRanks(householdRows, (h) => h.net);

  return {
    redList,
    blackList,
    households: householdRows.map((h, i) => ({
      rank: householdRanks[i],
      householdId: h.household.id,
      householdNo: h.household.householdNo,
      headName: h.household.headName,
      members: h.members,
      net: h.net,
    })),
  };
}
