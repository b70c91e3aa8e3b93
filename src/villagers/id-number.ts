const WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK_CHARS = '10X98765432';

/** GB 11643-1999 resident ID: 17 digits (region, birth date, sequence) and a check character. */
export function isValidIdNumber(id: string): boolean {
  if (!/^\d{17}[\dX]$/.test(id)) return false;
  const y = Number(id.slice(6, 10));
  const m = Number(id.slice(10, 12));
  const d = Number(id.slice(12, 14));
  const birth = new Date(Date.UTC(y, m - 1, d));
  if (y < 1900 || birth.getUTCMonth() !== m - 1 || birth.getUTCDate() !== d || birth > new Date()) {
    return false;
  }
  const sum = WEIGHTS.reduce((acc, w, i) => acc + w * Number(id[i]), 0);
  return CHECK_CHARS[sum % 11] === id[17];
}

/** The masked form every response carries: `430102********1234`. */
export function maskIdNumber(id: string | null): string | null {
  return id === null ? null : `${id.slice(0, 6)}********${id.slice(-4)}`;
}

/** Appends the right check character to 17 digits; used by the demo seed and tests. */
export function withCheckChar(first17: string): string {
  const sum = WEIGHTS.reduce((acc, w, i) => acc + w * Number(first17[i]), 0);
  return first17 + CHECK_CHARS[sum % 11];
}

/** The birth date an ID number carries (positions 7–14), as YYYY-MM-DD. */
export function birthDateOf(id: string): string {
  return `${id.slice(6, 10)}-${id.slice(10, 12)}-${id.slice(12, 14)}`;
}

/**
 * A birth date as answers may carry it beside a masked ID number, whose hidden eight digits are
 * the birth date itself: the year only (1962-**-**). Shown whole only for someone without one.
 */
export function maskBirthDate(date: string | null): string | null {
  return date === null ? null : `${date.slice(0, 4)}-**-**`;
}

/** The year of birth, for telling same names apart where no ID number is shown. */
export function birthYearOf(v: { birthDate: string | null }): number | null {
  return v.birthDate ? Number(v.birthDate.slice(0, 4)) : null;
}
