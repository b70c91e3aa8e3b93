import { BadRequestException, Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { In, MoreThanOrEqual, Repository } from 'typeorm';
import type { Caller } from '../common/auth.decorators';
import { pageOf, skipTake, type Page, type PageQueryDto } from '../common/pagination';
import { todayIn } from '../common/time';
import { localMidnight } from '../common/zoned-time';
import { APP_CONFIG, type AppConfig } from '../config';
import { ExpiryQuery } from '../ledger/expiry';
import { VillagersService } from '../villagers/villagers.service';
import { Villager } from '../villagers/villager.entity';
import { birthYearOf } from '../villagers/id-number';
import { Household, Village } from '../villages/village.entity';
import {
  MAX_COUNTER_SEARCH,
  type CounterRedemptionDto,
  type CounterVillagerDto,
  type CounterVillagerQueryDto,
} from './counter.dto';
import { Redemption, RedemptionItem } from './redemption.entity';
import { toRedemptionResponse } from './redemptions.service';
import { Store, StoreVillage } from './store.entity';
import { notFound } from '../common/errors';
import { assertStoreStaff } from '../common/scope';

/**
 * What the shop counter reads beyond goods and redemptions: the villagers of the villages the
 * store serves (a shopkeeper may not read the roster), and today's receipts with names.
 */
@Injectable()
export class CounterService {
  constructor(
    @InjectRepository(Store) private readonly stores: Repository<Store>,
    @InjectRepository(Redemption) private readonly redemptions: Repository<Redemption>,
    private readonly villagers: VillagersService,
    private readonly expiry: ExpiryQuery,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * Active villagers of the served villages whose name matches, through the roster's own search
   * (so the counter finds what a cadre's search finds), village by village.
   */
  async searchVillagers(
    caller: Caller,
    storeId: number,
    q: CounterVillagerQueryDto,
  ): Promise<Page<CounterVillagerDto>> {
    const villageIds = await this.servedVillages(caller, storeId);
    const depth = q.page * q.pageSize;
    if (depth > MAX_COUNTER_SEARCH) {
      throw new BadRequestException(
        `page x pageSize must not exceed ${MAX_COUNTER_SEARCH} here; type more of the name`,
      );
    }
    // one query over the served villages, through the roster's own search (name, pinyin, 户号)
    const { items, total } = villageIds.length
      ? await this.villagers.search({ villageIds, q: q.q, status: 'active' }, q)
      : { items: [], total: 0 };
    const em = this.stores.manager;
    const villages = await em.findBy(Village, { id: In(villageIds) });
    const householdIds = items.flatMap((v) => (v.householdId === null ? [] : [v.householdId]));
    const households = householdIds.length
      ? await em.findBy(Household, { id: In(householdIds) })
      : [];
    // the policy, and under any but keep one read of the found villagers' entries
    const expiring = await this.expiry.upcoming(
      em,
      items.map((v) => v.id),
    );
    return pageOf(
      items.map((v) => ({
        villagerId: v.id,
        name: v.name,
        villageId: v.villageId,
        villageName: villages.find((x) => x.id === v.villageId)?.name ?? '',
        householdId: v.householdId,
        householdNo: households.find((h) => h.id === v.householdId)?.householdNo ?? null,
        birthYear: birthYearOf(v),
        relation: v.relation,
        balance: v.balance,
        expiring: expiring.get(v.id)!,
      })),
      total,
      q,
    );
  }

  /** The store's redemptions of today (the district's day), newest first, with names. */
  async today(
    caller: Caller,
    storeId: number,
    q: PageQueryDto,
  ): Promise<Page<CounterRedemptionDto>> {
    await this.servedVillages(caller, storeId);
    const since = localMidnight(todayIn(this.config.timeZone), this.config.timeZone);
    const [rows, total] = await this.redemptions.findAndCount({
      where: { storeId, createdAt: MoreThanOrEqual(since) },
      order: { id: 'DESC' },
      ...skipTake(q),
    });
    const em = this.redemptions.manager;
    const ids = rows.map((r) => r.id);
    const items = ids.length
      ? await em.find(RedemptionItem, {
          where: { redemptionId: In(ids) },
          order: { id: 'ASC' },
        })
      : [];
    const people = rows.length
      ? await em.findBy(Villager, { id: In(rows.map((r) => r.villagerId)) })
      : [];
    const villages = rows.length
      ? await em.findBy(Village, { id: In(rows.map((r) => r.villageId)) })
      : [];
    return pageOf(
      rows.map((r) => ({
        ...toRedemptionResponse(
          r,
          items.filter((i) => i.redemptionId === r.id),
        ),
        villagerName: people.find((p) => p.id === r.villagerId)?.name ?? '',
        villageName: villages.find((v) => v.id === r.villageId)?.name ?? '',
      })),
      total,
      q,
    );
  }

  /** The villages a store serves: its shopkeeper or an admin; 403 for another store's keeper. */
  private async servedVillages(caller: Caller, storeId: number): Promise<number[]> {
    assertStoreStaff(caller, storeId);
    if (!(await this.stores.existsBy({ id: storeId }))) throw notFound('Store');
    const rows = await this.stores.manager.find(StoreVillage, {
      where: { storeId },
      order: { villageId: 'ASC' },
    });
    return rows.map((r) => r.villageId);
  }
}
