import type { EntityManager } from 'typeorm';
import { int } from '../db/columns';
import { Deed } from '../deeds/deed.entity';
import { Household } from '../villages/village.entity';
import { Villager } from '../villagers/villager.entity';
import type { HouseholdInfo, VillagerMonth } from './ranking';

/**
 * One village's month as the ranking needs it, in three queries whatever the village's size:
 * the per-villager sums (one aggregate over the `(village_id, month, status)` index), the titles
 * of the deduction deeds, and the village's households. A deed belongs to the month of its
 * `occurredOn`, which the deeds feature stores in `month`; revoked deeds have status `revoked`
 * and so drop out with `status = 'approved'`. Only active villagers are ranked.
 */
export async function loadMonth(
  em: EntityManager,
  villageId: number,
  month: string,
): Promise<{ villagers: VillagerMonth[]; households: HouseholdInfo[] }> {
  const scope = { villageId, month, approved: 'approved', active: 'active' };

  const totals = await em
    .createQueryBuilder(Deed, 'd')
    // v.villageId lets PostgreSQL read only this village's villagers (index on village_id)
    // instead of hashing the whole district's; a deed's villager is always of its village.
    .innerJoin(Villager, 'v', 'v.id = d.villagerId AND v.villageId = :villageId', scope)
    .select('d.villagerId', 'villagerId')
    .addSelect('v.name', 'name')
    .addSelect('v.householdId', 'householdId')
    .addSelect('SUM(CASE WHEN d.points > 0 THEN d.points ELSE 0 END)', 'merit')
    .addSelect('SUM(CASE WHEN d.points < 0 THEN d.points ELSE 0 END)', 'deductions')
    .where('d.villageId = :villageId AND d.month = :month AND d.status = :approved', scope)
    .andWhere('v.status = :active', scope)
    .groupBy('d.villagerId')
    .addGroupBy('v.name')
    .addGroupBy('v.householdId')
    .getRawMany<{
      villagerId: unknown;
      name: string;
      householdId: unknown;
      merit: unknown;
      deductions: unknown;
    }>();

  const reasonRows = await em
    .createQueryBuilder(Deed, 'd')
    .select('d.villagerId', 'villagerId')
    .addSelect('d.ruleTitle', 'ruleTitle')
    .where('d.villageId = :villageId AND d.month = :month AND d.status = :approved', scope)
    .andWhere('d.points < 0')
    .orderBy('d.occurredOn', 'ASC')
    .addOrderBy('d.id', 'ASC')
    .getRawMany<{ villagerId: unknown; ruleTitle: string }>();
  const reasons = new Map<number, string[]>();
  for (const row of reasonRows) {
    const id = int(row.villagerId);
    const list = reasons.get(id);
    if (list) list.push(row.ruleTitle);
    else reasons.set(id, [row.ruleTitle]);
  }

  const households = await em.find(Household, {
    select: { id: true, householdNo: true, headName: true },
    where: { villageId },
  });

  return {
    villagers: totals.map((row) => ({
      villagerId: int(row.villagerId),
      name: row.name,
      householdId: row.householdId === null ? null : int(row.householdId),
      merit: int(row.merit),
      deductions: int(row.deductions),
      deductionReasons: reasons.get(int(row.villagerId)) ?? [],
    })),
    households: households.map((h) => ({
      id: h.id,
      householdNo: h.householdNo,
      headName: h.headName,
    })),
  };
}
