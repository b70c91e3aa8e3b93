import { FIRST_YEAR, LAST_YEAR } from '../common/time';

/**
 * The quarterly village score (docs/product.md, "Village scores (积分换项目)"), 0–100 in three
 * parts: participation (40), points per household relative to the town's best (30), and the
 * "zeros" kept (30, less 10 a broken one). Pure: the service gathers the figures.
 */
export const PARTICIPATION_WEIGHT = 40;
export const POINTS_WEIGHT = 30;
export const INCIDENTS_WEIGHT = 30;
export const PER_INCIDENT = 10;

export const QUARTER_RULE = `a quarter as YYYY-Qn from ${FIRST_YEAR}-Q1 to ${LAST_YEAR}-Q4, e.g. 2026-Q4`;

export function isQuarter(value: string): boolean {
  const m = /^(\d{4})-Q([1-4])$/.exec(value);
  return m !== null && Number(m[1]) >= FIRST_YEAR && Number(m[1]) <= LAST_YEAR;
}

/** The quarter a date (YYYY-MM-DD) or month (YYYY-MM) is in. */
export function quarterOf(date: string): string {
  return `${date.slice(0, 4)}-Q${Math.ceil(Number(date.slice(5, 7)) / 3)}`;
}

/** The quarter's three months, YYYY-MM. */
export function quarterMonths(quarter: string): [string, string, string] {
  const year = quarter.slice(0, 4);
  const first = (Number(quarter.slice(6)) - 1) * 3 + 1;
  const month = (i: number) => `${year}-${String(first + i).padStart(2, '0')}`;
  return [month(0), month(1), month(2)];
}

/** The quarter's first and last day, YYYY-MM-DD. */
export function quarterDays(quarter: string): { first: string; last: string } {
  const [first, , last] = quarterMonths(quarter);
  const [y, m] = last.split('-').map(Number);
  const lastDay = new Date(Date.UTC(y, m, 0)).getUTCDate();
  return { first: `${first}-01`, last: `${last}-${String(lastDay).padStart(2, '0')}` };
}

/** What the formula reads of one village over the quarter. */
export interface VillageQuarter {
  villageId: number;
  name: string;
  /** Each month's participation, 0–1. */
  participation: number[];
  /** Households with an active member. */
  households: number;
  /** Σ over the months of points awarded less points deducted. */
  netPoints: number;
  /** Incidents not revoked, with occurredOn in the quarter. */
  incidents: number;
}

export interface ScoreParts {
  participation: number;
  points: number;
  incidents: number;
}

export interface VillageScore {
  villageId: number;
  name: string;
  rank: number;
  score: number;
  parts: ScoreParts;
}

export const oneDecimal = (n: number): number => Math.round(n * 10) / 10;

/**
 * Scores and ranks a town's villages: best first; equal scores share a rank (1, 1, 3) and are
 * listed by village name. The score is the sum of the rounded parts, so a board's figures add up.
 */
export function scoreVillages(villages: VillageQuarter[]): VillageScore[] {
  const perHousehold = (v: VillageQuarter) => (v.households > 0 ? v.netPoints / v.households : 0);
  const best = Math.max(0, ...villages.map(perHousehold));
  const scored = villages.map((v) => {
    const months = v.participation.length;
    const meanParticipation = months ? v.participation.reduce((a, b) => a + b, 0) / months : 0;
    const parts: ScoreParts = {
      participation: oneDecimal(meanParticipation * PARTICIPATION_WEIGHT),
      points: oneDecimal(best > 0 ? Math.max(0, perHousehold(v) / best) * POINTS_WEIGHT : 0),
      incidents: oneDecimal(Math.max(0, INCIDENTS_WEIGHT - PER_INCIDENT * v.incidents)),
    };
    const score = oneDecimal(parts.participation + parts.points + parts.incidents);
    return { villageId: v.villageId, name: v.name, rank: 0, score, parts };
  });
  scored.sort(
    (a, b) => b.score - a.score || compareNames(a.name, b.name) || a.villageId - b.villageId,
  );
  scored.forEach((row, i) => {
    row.rank = i > 0 && scored[i - 1].score === row.score ? scored[i - 1].rank : i + 1;
  });
  return scored;
}

/** Village names in the order a Chinese reader expects (pinyin: 丙村 before 丁村). */
const compareNames = new Intl.Collator('zh-CN').compare;

const QUARTER_NAMES = ['一', '二', '三', '四'];

/** 2026-Q4 → 2026年第四季度 */
export function quarterLabel(quarter: string): string {
  return `${quarter.slice(0, 4)}年第${QUARTER_NAMES[Number(quarter.slice(6)) - 1]}季度`;
}
