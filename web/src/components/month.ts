/** This month (YYYY-MM) in the district's zone, and the month before. */
export function thisMonth(now = new Date()): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' }).format(now).slice(0, 7);
}

/** 2026-11 → 2026年11月 */
export const monthLabel = (m: string) => `${m.slice(0, 4)}年${Number(m.slice(5, 7))}月`;
