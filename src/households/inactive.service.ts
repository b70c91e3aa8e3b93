import { Inject, Injectable } from '@nestjs/common';
import type { Caller } from '../common/auth.decorators';
import { notFound } from '../common/errors';
import { assertVillageAccess } from '../common/scope';
import { monthsBefore, todayIn } from '../common/time';
import { APP_CONFIG, AppConfig } from '../config';
import { Tx } from '../db/transaction';
import { Deed } from '../deeds/deed.entity';
import { Villager } from '../villagers/villager.entity';
import { Household, Village } from '../villages/village.entity';
import type { InactiveHouseholdsDto } from './inactive.dto';

/** The households a cadre should visit: the programme has not reached them lately. */
@Injectable()
export class InactiveHouseholdsService {
  constructor(
    private readonly tx: Tx,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * 该走访的家庭: the village's households none of whose members had an approved deed that
   * occurred in the last three months (dashboard, docs/product.md "The district"), the longest
   * quiet first.
   */
  list(caller: Caller, villageId: number): Promise<InactiveHouseholdsDto> {
    assertVillageAccess(caller, villageId);
    return this.tx.read(async (em) => {
      if (!(await em.existsBy(Village, { id: villageId }))) throw notFound('Village');
      const since = monthsBefore(todayIn(this.config.timeZone), 3);
      const latest: { householdId: number; last: string }[] = await em
        .createQueryBuilder(Deed, 'd')
        .innerJoin(Villager, 'v', 'v.id = d.villagerId')
        .select('v.householdId', 'householdId')
        .addSelect('CAST(MAX(d.occurredOn) AS varchar(10))', 'last')
        .where("d.villageId = :villageId AND d.status = 'approved' AND v.householdId IS NOT NULL", {
          villageId,
        })
        .groupBy('v.householdId')
        .getRawMany();
      const lastOf = new Map(latest.map((r) => [Number(r.householdId), r.last]));
      const members: { householdId: number; n: string | number }[] = await em
        .createQueryBuilder(Villager, 'v')
        .select('v.householdId', 'householdId')
        .addSelect('COUNT(*)', 'n')
        .where("v.villageId = :villageId AND v.status = 'active' AND v.householdId IS NOT NULL", {
          villageId,
        })
        .groupBy('v.householdId')
        .getRawMany();
      const countOf = new Map(members.map((r) => [Number(r.householdId), Number(r.n)]));
      const households = await em.find(Household, {
        where: { villageId },
        order: { householdNo: 'ASC', id: 'ASC' },
      });
      const items = households
        .map((h) => ({
          householdId: h.id,
          householdNo: h.householdNo,
          headName: h.headName,
          group: h.group,
          members: countOf.get(h.id) ?? 0,
          lastDeedOn: lastOf.get(h.id) ?? null,
        }))
        .filter((h) => h.members > 0 && (h.lastDeedOn === null || h.lastDeedOn < since));
      // never first, then the oldest; the household number keeps ties in order
      items.sort((a, b) => (a.lastDeedOn ?? '').localeCompare(b.lastDeedOn ?? ''));
      return { since, items };
    });
  }
}
