import type { PointsEntry, Schemas } from '../api/client';
import { dayCn, todayIso } from '../format';

type AuditEvent = Schemas['AuditEvent'];

/** The value a field took in an audit event. */
export const changedTo = (e: AuditEvent, field: string): unknown =>
  (e.changes as Record<string, [unknown, unknown]> | null)?.[field]?.[1];

/** The first value a field took along an entry's trail. */
export function fromTrail(entry: PointsEntry, field: string): string | undefined {
  for (const e of entry.trail) {
    const v = changedTo(e, field);
    if (typeof v === 'string' && v) return v;
  }
  return undefined;
}

/** Why an entry's points, in the words people use, from its kind, note and deed's rule. */
export function reasonText(
  entry: { kind: PointsEntry['kind']; note: string | null },
  rule: string | null | undefined,
): string {
  if (entry.kind === 'deed') return rule ?? '事迹积分';
  if (entry.kind === 'reversal') return `撤销「${rule ?? '事迹'}」：${entry.note ?? ''}`;
  if (entry.kind === 'redemption') return '积分超市兑换';
  if (entry.kind === 'refund') return `兑换撤销，积分退回${entry.note ? `：${entry.note}` : ''}`;
  return entry.note ?? '积分调整';
}

/** Why these points, for an entry of a villager's history (its deed, else its trail). */
export const reasonOf = (entry: PointsEntry): string =>
  reasonText(entry, entry.deed?.ruleTitle ?? fromTrail(entry, 'ruleTitle'));

/** Days ahead a villager and the counter are told that points will expire (积分清零). */
const NOTICE_DAYS = 30;

/**
 * "N 分将于 X月X日到期" for the soonest expiry within 30 days, else null; further ones the same
 * day are added, later ones wait for their own 30 days.
 */
export function expiryNotice(expiring: readonly { on: string; points: number }[]): string | null {
  const soon = expiring[0];
  if (!soon) return null;
  const limit = new Date(Date.parse(`${todayIso()}T00:00:00Z`) + NOTICE_DAYS * 86_400_000)
    .toISOString()
    .slice(0, 10);
  if (soon.on > limit) return null;
  return `${soon.points} 分将于 ${dayCn(soon.on)}到期`;
}
