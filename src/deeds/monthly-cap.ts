/**
 * Whether one more award would pass the rule's monthly cap, given how many awards of that rule
 * the villager already holds that month (approved and not revoked).
 */
export function capReached(alreadyApproved: number, maxPerMonth: number | null): boolean {
  return maxPerMonth !== null && alreadyApproved >= maxPerMonth;
}
