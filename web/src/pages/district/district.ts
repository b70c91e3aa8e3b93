import type { Schemas } from '../../api/client';

export type Figures = Schemas['DashboardFiguresDto'];
export type VillageFigures = Schemas['DashboardVillageDto'];

/** 0.4567 → 45.7% */
export const percentCn = (p: number): string => `${Math.round(p * 1000) / 10}%`;

/** The median review time in hours, or a dash when nothing was reviewed. */
export const hoursCn = (h: number | null): string =>
  h === null ? '—' : String(Math.round(h * 10) / 10);

/** Below this participation a village needs a visit (the bar turns red), above the next, green. */
export const LOW = 0.3;
export const GOOD = 0.6;
export const levelOf = (p: number): 'low' | 'mid' | 'good' =>
  p < LOW ? 'low' : p < GOOD ? 'mid' : 'good';

/** The table's columns after the village's name, in the export's order and words. */
export const COLUMNS: { key: keyof Figures; title: string }[] = [
  { key: 'households', title: '户数' },
  { key: 'activeHouseholds', title: '参与户数' },
  { key: 'participation', title: '参与率' },
  { key: 'deeds', title: '加分事项' },
  { key: 'deductions', title: '扣分事项' },
  { key: 'pendingReviews', title: '待审核' },
  { key: 'medianReviewHours', title: '审核用时中位数(小时)' },
  { key: 'objections', title: '异议' },
  { key: 'upheldObjections', title: '异议成立' },
  { key: 'issued', title: '发放' },
  { key: 'deducted', title: '扣减' },
  { key: 'redeemed', title: '兑换' },
  { key: 'expired', title: '清零' },
  { key: 'outstanding', title: '月末未兑' },
];

/** One cell of the table, as shown. */
export function cellOf(f: Figures, key: keyof Figures): string {
  if (key === 'participation') return percentCn(f.participation);
  if (key === 'medianReviewHours') return hoursCn(f.medianReviewHours);
  return String(f[key]);
}
