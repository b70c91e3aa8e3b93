import { randomBytes } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import type { Caller } from '../common/auth.decorators';
import { forbidden, notFound, refuse } from '../common/errors';
import { sha256Hex } from '../common/idempotency';
import { pageOf, skipTake, type Page } from '../common/pagination';
import {
  assertVillageAccess,
  defined,
  mayAccessVillage,
  readableVillages,
  whereVillage,
} from '../common/scope';
import { ctxOf, type Ctx } from '../common/request-context';
import { Tx } from '../db/transaction';
import type {
  DisplayKeyDto,
  HouseholdCreateDto,
  HouseholdListQueryDto,
  HouseholdUpdateDto,
  VillageCreateDto,
  VillageListQueryDto,
  VillageUpdateDto,
} from './villages.dto';
import { Household, Village } from './village.entity';

/** The village settings its cadre may change too: the board's, and 长辈版 for its villagers. */
const BOARD_SETTINGS = ['boardNames', 'boardBlackList', 'boardRetentionMonths', 'elderModeDefault'];

@Injectable()
export class VillagesService {
  constructor(
    @InjectRepository(Village) private readonly villages: Repository<Village>,
    @InjectRepository(Household) private readonly households: Repository<Household>,
    private readonly tx: Tx,
    private readonly audit: AuditService,
  ) {}

  create(caller: Caller, dto: VillageCreateDto): Promise<Village> {
    return this.tx.run((em) => this.createIn(ctxOf(em, caller), dto));
  }

  async createIn(ctx: Ctx, dto: VillageCreateDto): Promise<Village> {
    const { em } = ctx;
    if (await em.existsBy(Village, { code: dto.code })) {
      throw refuse('VILLAGE_CODE_TAKEN', `Village code "${dto.code}" already exists`);
    }
    const village = await em.save(em.create(Village, dto));
    await this.audit.created(ctx, 'village', village.id, village.id, village);
    return village;
  }

  async list(caller: Caller, q: VillageListQueryDto): Promise<Page<Village>> {
    const [items, total] = await this.villages.findAndCount({
      where: defined({ id: whereVillage(readableVillages(caller)), town: q.town }),
      order: { id: 'ASC' },
      ...skipTake(q),
    });
    return pageOf(items, total, q);
  }

  async get(caller: Caller, id: number): Promise<Village> {
    const village = mayAccessVillage(caller, id) ? await this.villages.findOneBy({ id }) : null;
    if (!village) throw notFound('Village');
    return village;
  }

  update(caller: Caller, id: number, dto: VillageUpdateDto): Promise<Village> {
    return this.tx.run((em) => this.updateIn(ctxOf(em, caller), id, dto));
  }

  async updateIn(ctx: Ctx, id: number, dto: VillageUpdateDto): Promise<Village> {
    assertVillageAccess(ctx.caller, id);
    if (ctx.caller.role !== 'admin') {
      const other = Object.keys(dto).find((field) => !BOARD_SETTINGS.includes(field));
      if (other) throw forbidden(`${other}: only an administrator changes it`);
    }
    const village = await ctx.em.findOneBy(Village, { id });
    if (!village) throw notFound('Village');
    const before = { ...village };
    const saved = await ctx.em.save(Object.assign(village, dto));
    await this.audit.updated(ctx, 'village', id, id, before, saved);
    return saved;
  }

  /**
   * A new display key for the village's own screens (the TV at the civilisation station, the
   * print layout): the key is answered once and only its SHA-256 is kept; the old one stops.
   */
  rotateDisplayKey(caller: Caller, villageId: number): Promise<DisplayKeyDto> {
    return this.tx.run(async (em) => {
      assertVillageAccess(caller, villageId);
      if (!(await em.existsBy(Village, { id: villageId }))) throw notFound('Village');
      const key = randomBytes(18).toString('base64url');
      await em.update(Village, { id: villageId }, { displayKeyHash: sha256Hex(key) });
      await this.audit.record(ctxOf(em, caller), {
        action: 'village.display_key',
        entityType: 'village',
        entityId: villageId,
        villageId,
      });
      return { key };
    });
  }

  async createHousehold(
    caller: Caller,
    villageId: number,
    dto: HouseholdCreateDto,
  ): Promise<Household> {
    return this.tx.run((em) => this.createHouseholdIn(ctxOf(em, caller), villageId, dto));
  }

  async createHouseholdIn(
    ctx: Ctx,
    villageId: number,
    dto: HouseholdCreateDto,
  ): Promise<Household> {
    const { em, caller } = ctx;
    assertVillageAccess(caller, villageId);
    if (!(await em.existsBy(Village, { id: villageId }))) throw notFound('Village');
    if (await em.existsBy(Household, { villageId, householdNo: dto.householdNo })) {
      throw refuse(
        'HOUSEHOLD_NO_TAKEN',
        `Household number "${dto.householdNo}" already exists in this village`,
      );
    }
    const household = await em.save(
      em.create(Household, { ...dto, group: dto.group ?? '', villageId }),
    );
    await this.audit.created(ctx, 'household', household.id, villageId, household);
    return household;
  }

  /** Corrects a household's number, head or 村民小组 (admin, or the village's cadre). */
  updateHousehold(
    caller: Caller,
    villageId: number,
    id: number,
    dto: HouseholdUpdateDto,
  ): Promise<Household> {
    return this.tx.run((em) => this.updateHouseholdIn(ctxOf(em, caller), villageId, id, dto));
  }

  async updateHouseholdIn(
    ctx: Ctx,
    villageId: number,
    id: number,
    dto: HouseholdUpdateDto,
  ): Promise<Household> {
    const { em, caller } = ctx;
    assertVillageAccess(caller, villageId);
    const before = await em.findOneBy(Household, { id, villageId });
    if (!before) throw notFound('Household');
    const changes = defined({
      householdNo: dto.householdNo,
      headName: dto.headName,
      group: dto.group,
    });
    if (
      changes.householdNo !== undefined &&
      changes.householdNo !== before.householdNo &&
      (await em.existsBy(Household, { villageId, householdNo: changes.householdNo }))
    ) {
      throw refuse(
        'HOUSEHOLD_NO_TAKEN',
        `Household number "${changes.householdNo}" already exists in this village`,
      );
    }
    if (Object.keys(changes).length) await em.update(Household, { id }, changes);
    const after = { ...before, ...changes };
    await this.audit.updated(ctx, 'household', id, villageId, before, after);
    return after;
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
