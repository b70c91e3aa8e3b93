/** Calendar dates and months in the district's time zone (TIME_ZONE, default Asia/Shanghai). */

const MONTH = /^(\d{4})-(0[1-9]|1[0-2])$/;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

// One formatter per zone: building an Intl.DateTimeFormat costs time and native memory, and
// "today" is asked on every recorded deed.
const dateFormats = new Map<string, Intl.DateTimeFormat>();

/** The last answer per zone and the minute it holds for (a day starts on a whole minute). */
const lastToday = new Map<string, { minute: number; date: string }>();

/** Today's date (YYYY-MM-DD) in the given zone at the given instant. */
export function todayIn(timeZone: string, now: Date = new Date()): string {
  // formatting was a measured part of every record-deed; within one minute the date is the same
  const minute = Math.floor(now.getTime() / 60_000);
  const last = lastToday.get(timeZone);
  if (last?.minute === minute) return last.date;
  const date = formatToday(timeZone, now);
  lastToday.set(timeZone, { minute, date });
  return date;
}

function formatToday(timeZone: string, now: Date): string {
  let format = dateFormats.get(timeZone);
  if (!format) {
    // en-CA formats as YYYY-MM-DD
    format = new Intl.DateTimeFormat('en-CA', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
    });
    dateFormats.set(timeZone, format);
  }
  return format.format(now);
}

/**
 * The years the programme's records may fall in: nothing of it happened before 2000, and a month
 * past 2100 is a typing error, not a plan. Dates and months outside are refused with a 400.
 */
export const FIRST_YEAR = 2000;
export const LAST_YEAR = 2100;

/** A real calendar date in YYYY-MM-DD form (no 2026-02-30), within FIRST_YEAR…LAST_YEAR. */
export function isCalendarDate(
  value: string,
  years = { from: FIRST_YEAR, to: LAST_YEAR },
): boolean {
  const m = DATE.exec(value);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const date = new Date(Date.UTC(y, mo - 1, d));
  return (
    y >= years.from && y <= years.to && date.getUTCMonth() === mo - 1 && date.getUTCDate() === d
  );
}

/** A birth date: a real calendar date from 1900 up to today (UTC, a day either way is fine). */
export function isBirthDate(value: string, now = new Date()): boolean {
  return (
    isCalendarDate(value, { from: 1900, to: now.getUTCFullYear() }) &&
    value <= now.toISOString().slice(0, 10)
  );
}

/** YYYY-MM within FIRST_YEAR…LAST_YEAR. */
export function isMonth(value: string): boolean {
  const m = MONTH.exec(value);
  return m !== null && Number(m[1]) >= FIRST_YEAR && Number(m[1]) <= LAST_YEAR;
}

export const MONTH_RULE = `a month as YYYY-MM from ${FIRST_YEAR}-01 to ${LAST_YEAR}-12, e.g. 2026-11`;

/** The YYYY-MM a date belongs to. */
export function monthOf(date: string): string {
  return date.slice(0, 7);
}

/** How many days a month (YYYY-MM) has. */
export function daysInMonth(month: string): number {
  const [y, m] = month.split('-').map(Number);
  return new Date(Date.UTC(y, m, 0)).getUTCDate();
}

/** First and last day of a month, as YYYY-MM-DD. */
export function monthRange(month: string): { first: string; last: string } {
  return { first: `${month}-01`, last: `${month}-${String(daysInMonth(month)).padStart(2, '0')}` };
}

/** YYYY-MM moved by `n` months (negative: back). */
export function addMonths(month: string, n: number): string {
  const [y, m] = month.split('-').map(Number);
  const index = y * 12 + (m - 1) + n;
  return `${Math.floor(index / 12)}-${String((index % 12) + 1).padStart(2, '0')}`;
}

/** The date `n` days after `date` (YYYY-MM-DD); `n` may be negative. */
export function addDays(date: string, n: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);
}

/** The same day `n` months before `date` (YYYY-MM-DD), the month's last day when it is shorter. */
export function monthsBefore(date: string, n: number): string {
  const month = addMonths(date.slice(0, 7), -n);
  const day = Math.min(Number(date.slice(8, 10)), daysInMonth(month));
  return `${month}-${String(day).padStart(2, '0')}`;
}
