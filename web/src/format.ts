/** Dates, months and words shown on the screens (Asia/Shanghai, the district's time zone). */

const TZ = 'Asia/Shanghai';

/** Today as YYYY-MM-DD in the district's time zone. */
export const todayIso = (now = new Date()): string =>
  new Intl.DateTimeFormat('en-CA', { timeZone: TZ }).format(now);

export const thisMonth = (): string => todayIso().slice(0, 7);

export function previousMonth(month: string): string {
  const [y, m] = month.split('-').map(Number);
  return m === 1 ? `${y - 1}-12` : `${y}-${String(m - 1).padStart(2, '0')}`;
}

/** The month after `month` (YYYY-MM). */
export function nextMonth(month: string): string {
  const [y, m] = month.split('-').map(Number);
  return m === 12 ? `${y + 1}-01` : `${y}-${String(m + 1).padStart(2, '0')}`;
}

/** 2026-11-24 → 11月24日 (with the year when it is not this year). */
export function dayCn(iso: string): string {
  const [y, m, d] = iso.slice(0, 10).split('-').map(Number);
  const year = y === Number(todayIso().slice(0, 4)) ? '' : `${y}年`;
  return `${year}${m}月${d}日`;
}

/** 2026-11 → 2026年11月 */
export const monthCn = (month: string): string =>
  `${month.slice(0, 4)}年${Number(month.slice(5, 7))}月`;

/** An instant → 11月24日 14:05, in the district's time zone. */
export function momentCn(at: string | Date): string {
  const d = new Date(at);
  const day = todayIso(d);
  const time = new Intl.DateTimeFormat('zh-CN', {
    timeZone: TZ,
    hour: '2-digit',
    minute: '2-digit',
    hour12: false,
  }).format(d);
  return `${dayCn(day)} ${time}`;
}

/** A number that may be negative, written with a real minus sign (−10), the same on every screen. */
export const numCn = (n: number): string => (n < 0 ? `−${-n}` : String(n));

/** +5 / −3 / 0: a change of points. */
export const signedCn = (n: number): string => (n > 0 ? `+${n}` : numCn(n));

/** +5 分 / −3 分 */
export const pointsCn = (n: number): string => `${signedCn(n)} 分`;

export const CATEGORY_NAME: Record<string, string> = {
  industry: '产业致富',
  kindness: '善行义举',
  environment: '环境卫生',
  integrity: '诚实守信',
  family: '家庭美德',
};

export const DEED_STATUS: Record<string, string> = {
  pending: '待审核',
  approved: '已通过',
  rejected: '未通过',
  revoked: '已撤销',
};

export const VILLAGER_STATUS: Record<string, string> = {
  active: '在册',
  moved: '迁出',
  deceased: '已故',
};

export const EVALUATION_STATUS: Record<string, string> = {
  draft: '草稿（未公布）',
  publicity: '公示中',
  final: '已定',
};

/** Saves a value as a JSON file on the phone or computer (我的数据.json). */
export function downloadJson(value: unknown, filename: string): void {
  const url = URL.createObjectURL(
    new Blob([JSON.stringify(value, null, 2)], { type: 'application/json' }),
  );
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

const WEEKDAY = ['日', '一', '二', '三', '四', '五', '六'];

/** When an activity is: 12月8日 周二 08:00–10:30, or across days 12月8日 08:00 – 12月9日 10:00. */
export function spanCn(startsAt: string | Date, endsAt: string | Date): string {
  const [from, to] = [new Date(startsAt), new Date(endsAt)];
  const time = (d: Date) => momentCn(d).split(' ')[1];
  const day = todayIso(from);
  if (day !== todayIso(to)) return `${momentCn(from)} – ${momentCn(to)}`;
  const weekday = WEEKDAY[new Date(`${day}T12:00:00Z`).getUTCDay()];
  return `${dayCn(day)} 周${weekday} ${time(from)}–${time(to)}`;
}
