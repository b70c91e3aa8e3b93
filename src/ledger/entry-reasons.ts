import { In, type EntityManager } from 'typeorm';
import { Deed } from '../deeds/deed.entity';
import type { LedgerEntry } from './ledger-entry.entity';

/**
 * The rule behind each deed or reversal entry (what its points were for), by deed id, read in
 * one query for a page of entries.
 */
export async function ruleTitlesOf(
  em: EntityManager,
  entries: Pick<LedgerEntry, 'deedId'>[],
): Promise<Map<number, string>> {
  const deedIds = [...new Set(entries.map((e) => e.deedId).filter((id) => id !== null))];
  if (!deedIds.length) return new Map();
  const deeds = await em.find(Deed, {
    select: { id: true, ruleTitle: true },
    where: { id: In(deedIds) },
  });
  return new Map(deeds.map((d) => [d.id, d.ruleTitle]));
}
