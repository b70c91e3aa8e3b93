import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import type { Caller } from '../common/auth.decorators';
import { notFound, refuse } from '../common/errors';
import { pageOf, skipTake, type Page } from '../common/pagination';
import { assertVillageAccess, defined, villageScope } from '../common/scope';
import { ctxOf, type Ctx } from '../common/request-context';
import { Tx } from '../db/transaction';
import type {
  HouseholdCreateDto,
  HouseholdListQueryDto,
  VillageCreateDto,
  VillageListQueryDto,
  VillageUpdateDto,
} from './villages.dto';
import { Household, Village } from './village.entity';

@Injectable()
export class VillagesService {
  constructor(
    @InjectRepository(Village) private readonly villages: Repository<Village>,
    @InjectRepository(Household) private readonly households: Repository<Household>,
    private readonly tx: Tx,
  ) {}

  create(caller: Caller, dto: VillageCreateDto): Promise<Village> {
    return this.tx.run((em) => this.createIn(ctxOf(em, caller), dto));
  }

  async createIn({ em }: Ctx, dto: VillageCreateDto): Promise<Village> {
    if (await em.existsBy(Village, { code: dto.code })) {
      throw refuse('VILLAGE_CODE_TAKEN', `Village code "${dto.code}" already exists`);
    }
    return em.save(em.create(Village, dto));
  }

  async list(caller: Caller, q: VillageListQueryDto): Promise<Page<Village>> {
    const [items, total] = await this.villages.findAndCount({
      where: defined({ id: villageScope(caller), town: q.town }),
      order: { id: 'ASC' },
      ...skipTake(q),
    });
    return pageOf(items, total, q);
  }

  async get(caller: Caller, id: number): Promise<Village> {
    const scope = villageScope(caller);
    const village =
      scope === undefined || scope === id ? await this.villages.findOneBy({ id }) : null;
    if (!village) throw notFound('Village');
    return village;
  }

  update(caller: Caller, id: number, dto: VillageUpdateDto): Promise<Village> {
    return this.tx.run((em) => this.updateIn(ctxOf(em, caller), id, dto));
  }

  async updateIn({ em }: Ctx, id: number, dto: VillageUpdateDto): Promise<Village> {
    const village = await em.findOneBy(Village, { id });
    if (!village) throw notFound('Village');
    return em.save(Object.assign(village, dto));
  }

  async createHousehold(
    caller: Caller,
    villageId: number,
    dto: HouseholdCreateDto,
  ): Promise<Household> {
    return this.tx.run((em) => this.createHouseholdIn(ctxOf(em, caller), villageId, dto));
  }

  async createHouseholdIn(
    { em, caller }: Ctx,
    villageId: number,
    dto: HouseholdCreateDto,
  ): Promise<Household> {
    assertVillageAccess(caller, villageId);
    if (!(await em.existsBy(Village, { id: villageId }))) throw notFound('Village');
    if (await em.existsBy(Household, { villageId, householdNo: dto.householdNo })) {
      throw refuse(
        'HOUSEHOLD_NO_TAKEN',
        `Household number "${dto.householdNo}" already exists in this village`,
      );
    }
    return em.save(em.create(Household, { ...dto, group: dto.group ?? '', villageId }));
  }

  async listHouseholds(
    caller: Caller,
    villageId: number,
    q: HouseholdListQueryDto,
  ): Promise<Page<Household>> {
    assertVillageAccess(caller, villageId);
    if (!(await this.villages.existsBy({ id: villageId }))) throw notFound('Village');
    const [items, total] = await this.households.findAndCount({
      where: defined({ villageId, group: q.group }),
      order: { householdNo: 'ASC', id: 'ASC' },
      ...skipTake(q),
    });
    return pageOf(items, total, q);
  }
}
