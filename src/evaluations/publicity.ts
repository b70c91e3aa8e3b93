import { todayIn } from '../common/time';

/** What a month's lists are to the village: being worked on, posted for objections, or settled. */
export const PUBLICATION_STATUSES = ['draft', 'publicity', 'final'] as const;
export type PublicationStatus = (typeof PUBLICATION_STATUSES)[number];

/** YYYY-MM-DD plus `days` calendar days. */
export function addDays(date: string, days: number): string {
  const [y, m, d] = date.split('-').map(Number);
  return new Date(Date.UTC(y, m - 1, d + days)).toISOString().slice(0, 10);
}

/**
 * The last day of the publicity window (公示期) for lists published at `publishedAt`: the window
 * runs to the end of the day `publicityDays` days later in the district's zone. null when the
 * village posts no window (0 days): the lists are final at once.
 */
export function publicityEndsOn(
  publishedAt: Date,
  publicityDays: number,
  timeZone: string,
): string | null {
  return publicityDays > 0 ? addDays(todayIn(timeZone, publishedAt), publicityDays) : null;
}

/**
 * Decided when read, so it holds across restarts and instances without a scheduler (docs/product.md):
 * a published revision is in publicity until its window has passed and no objection against it
 * is open or upheld and still waiting for the corrected revision.
 */
export function publicationStatus(
  evaluation: { status: 'draft' | 'published'; publicityEndsOn: string | null },
  objectionsPending: boolean,
  timeZone: string,
  now: Date = new Date(),
): PublicationStatus {
  if (evaluation.status === 'draft') return 'draft';
  const ends = evaluation.publicityEndsOn;
  if (ends !== null && todayIn(timeZone, now) <= ends) return 'publicity';
  return objectionsPending ? 'publicity' : 'final';
}
