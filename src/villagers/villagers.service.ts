import {
  BadRequestException,
  ConflictException,
  HttpException,
  HttpStatus,
  Inject,
  Injectable,
} from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Brackets, EntityManager, Repository } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import type { Caller } from '../common/auth.decorators';
import { IdNumberConflict } from '../auth/user.entity';
import { forbidden, notFound, refuse } from '../common/errors';
import { closeAccountsOf } from '../auth/users.service';
import { pageOf, skipTake, type Page, type PageQueryDto } from '../common/pagination';
import {
  assertVillageAccess,
  defined,
  mayAccessVillage,
  ownVillage,
  villagesToList,
  whereVillager,
} from '../common/scope';
import { ctxOf, type Ctx } from '../common/request-context';
import { todayIn } from '../common/time';
import { APP_CONFIG, AppConfig } from '../config';
import { Dialect } from '../db/dialect';
import { EntityRows } from '../db/entity-rows';
import { Tx } from '../db/transaction';
import { Household, Village } from '../villages/village.entity';
import { birthDateOf, birthYearOf, maskIdNumber } from './id-number';
import { nameInitials } from './name-initials';
import type {
  VillagerCreateDto,
  VillagerListQueryDto,
  VillagerResponseDto,
  VillagerUpdateDto,
} from './villagers.dto';
import { Villager } from './villager.entity';

export function toVillagerResponse(v: Villager): VillagerResponseDto {
  return {
    id: v.id,
    villageId: v.villageId,
    householdId: v.householdId,
    name: v.name,
    idNumber: maskIdNumber(v.idNumber),
    phone: v.phone,
    // beside the masked ID number a whole birth date would unmask it
    birthDate: v.idNumber ? null : v.birthDate,
    birthYear: birthYearOf(v),
    relation: v.relation,
    status: v.status,
    boardConsent: v.boardConsent,
    boardConsentBy: v.boardConsentBy,
    boardConsentAt: v.boardConsentAt,
    balance: v.balance,
    createdAt: v.createdAt,
  };
}

/**
 * The birth date to store: an ID number's own (a different one given is 400), else the one given
 * (undefined keeps what is stored, null clears it).
 */
function birthDateFor(
  idNumber: string | null,
  given: string | null | undefined,
): string | null | undefined {
  if (!idNumber) return given;
  const own = birthDateOf(idNumber);
  if (typeof given === 'string' && given !== own) {
    throw new BadRequestException(`birthDate: differs from the ID number's (${own})`);
  }
  return own;
}

/** Escapes LIKE wildcards so a search for "100%" means the text. */
const likeEscape = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

/**
 * ID_NUMBER_TAKEN answers one user may receive a day. Each one tells the caller that an ID number
 * exists, so without a bound a cadre could recover a masked number (430102********1234) by
 * trying its ~3,300 plausible birth dates. Past the bound, every request of that user carrying
 * an ID number is 429 until the next day.
 */
export const MAX_ID_NUMBER_CONFLICTS_PER_DAY = 10;

const isIdNumberTaken = (err: unknown) =>
  err instanceof ConflictException &&
  (err.getResponse() as { code?: string }).code === 'ID_NUMBER_TAKEN';

@Injectable()
export class VillagersService {
  constructor(
    @InjectRepository(Villager) private readonly villagers: Repository<Villager>,
    private readonly tx: Tx,
    private readonly audit: AuditService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly rows: EntityRows,
    private readonly dialect: Dialect,
  ) {}

  async create(caller: Caller, dto: VillagerCreateDto): Promise<VillagerResponseDto> {
    const saved = await this.limitIdNumberConflicts(caller, dto.idNumber, (em) =>
      this.createIn(ctxOf(em, caller), dto),
    );
    return toVillagerResponse(saved);
  }

  async createIn(ctx: Ctx, dto: VillagerCreateDto): Promise<Villager> {
    const { em, caller } = ctx;
    const villageId = dto.villageId ?? ownVillage(caller);
    if (villageId === undefined) throw new BadRequestException('villageId is required');
    assertVillageAccess(caller, villageId);
    if (!(await em.existsBy(Village, { id: villageId }))) throw notFound('Village');
    await this.checkHousehold(em, villageId, dto.householdId);
    await this.checkIdNumberFree(em, dto.idNumber);
    const villager = await em.save(
      em.create(Villager, {
        villageId,
        householdId: dto.householdId ?? null,
        name: dto.name,
        nameInitials: nameInitials(dto.name),
        idNumber: dto.idNumber ?? null,
        phone: dto.phone ?? null,
        birthDate: birthDateFor(dto.idNumber ?? null, dto.birthDate) ?? null,
        relation: dto.relation ?? null,
        boardConsent: false,
        boardConsentBy: null,
        boardConsentAt: null,
        status: 'active',
        balance: 0,
      }),
    );
    await this.audit.created(ctx, 'villager', villager.id, villageId, villager);
    return villager;
  }

  async list(caller: Caller, q: VillagerListQueryDto): Promise<Page<VillagerResponseDto>> {
    const villages = villagesToList(caller, q.villageId);
    return this.search({ ...q, villageIds: villages === 'all' ? undefined : [...villages] }, q);
  }

  /**
   * The roster query, for a caller already allowed to read these villages (all of them when
   * `villageIds` is absent): the list above, and the counter's search over the villages a store
   * serves.
   */
  async search(
    filter: Pick<VillagerListQueryDto, 'householdId' | 'status' | 'q' | 'ids'> & {
      villageIds?: number[];
    },
    page: PageQueryDto,
  ): Promise<Page<VillagerResponseDto>> {
    const qb = this.villagers
      .createQueryBuilder('v')
      .orderBy('v.id', 'ASC')
      .skip(skipTake(page).skip)
      .take(page.pageSize);
    if (filter.villageIds !== undefined) {
      qb.andWhere('v.villageId IN (:...villageIds)', { villageIds: filter.villageIds });
    }
    if (filter.householdId !== undefined)
      qb.andWhere('v.householdId = :householdId', { householdId: filter.householdId });
    if (filter.status !== undefined) qb.andWhere('v.status = :status', { status: filter.status });
    if (filter.ids !== undefined) qb.andWhere('v.id IN (:...ids)', { ids: filter.ids });
    if (filter.q !== undefined) {
      // Part of the name, or the start of the pinyin initials of either reading (zzh → 周祖辉),
      // or exactly a household number.
      const initials = likeEscape(filter.q.toLowerCase());
      qb.leftJoin(Household, 'h', 'h.id = v.householdId').andWhere(
        new Brackets((w) =>
          w
            .where("v.name LIKE :name ESCAPE '\\'", { name: `%${likeEscape(filter.q!)}%` })
            .orWhere("v.nameInitials LIKE :initials ESCAPE '\\'", { initials: `${initials}%` })
            .orWhere("v.nameInitials LIKE :second ESCAPE '\\'", { second: `% ${initials}%` })
            .orWhere('h.householdNo = :householdNo', { householdNo: filter.q }),
        ),
      );
    }
    const [rows, total] = await qb.getManyAndCount();
    return pageOf(rows.map(toVillagerResponse), total, page);
  }

  async get(caller: Caller, id: number): Promise<VillagerResponseDto> {
    return toVillagerResponse(await this.findScoped(this.villagers.manager, caller, id));
  }

  /** Changing an existing villager's ID number is for admins only (a cadre's PATCH with it: 403). */
  async update(caller: Caller, id: number, dto: VillagerUpdateDto): Promise<VillagerResponseDto> {
    const saved = await this.limitIdNumberConflicts(caller, dto.idNumber, (em) =>
      this.updateIn(ctxOf(em, caller), id, dto),
    );
    return toVillagerResponse(saved);
  }

  async updateIn(ctx: Ctx, id: number, dto: VillagerUpdateDto): Promise<Villager> {
    const { em, caller } = ctx;
    if (dto.idNumber !== undefined && caller.role !== 'admin') {
      throw forbidden('Only an administrator may change an ID number');
    }
    const villager = await this.findScoped(em, caller, id);
    if (dto.householdId !== undefined)
      await this.checkHousehold(em, villager.villageId, dto.householdId);
    if (dto.idNumber !== undefined && dto.idNumber !== villager.idNumber) {
      await this.checkIdNumberFree(em, dto.idNumber);
    }
    // An UPDATE of the sent columns only: save() would write back the balance it loaded over an
    // award that committed in between.
    const changes = defined({
      ...dto,
      nameInitials: dto.name === undefined ? undefined : nameInitials(dto.name),
      birthDate: birthDateFor(dto.idNumber ?? villager.idNumber, dto.birthDate),
      // a consent given or withdrawn is recorded with who and when
      ...(dto.boardConsent !== undefined &&
        dto.boardConsent !== villager.boardConsent && {
          boardConsentBy: caller.id,
          boardConsentAt: new Date(),
        }),
    });
    if (Object.keys(changes).length) await em.update(Villager, { id }, changes);
    const saved = await em.findOneByOrFail(Villager, { id });
    await this.audit.updated(ctx, 'villager', id, villager.villageId, villager, saved);
    return saved;
  }

  /**
   * Anonymises a villager who moved away or died (admin; docs/product.md, "A villager's rights"):
   * 已匿名村民#<id> instead of the name, no ID number, phone or birth date, their accounts
   * disabled; the event keeps no before-values; the ledger and earlier records stay as they are.
   */
  anonymize(caller: Caller, id: number): Promise<VillagerResponseDto> {
    return this.tx.run(async (em) => {
      const villager = await this.findScoped(em, caller, id);
      if (villager.status === 'active') {
        throw refuse('VILLAGER_ACTIVE', 'Only a villager who moved away or died is anonymised');
      }
      const name = `已匿名村民#${id}`;
      await em.update(
        Villager,
        { id },
        {
          name,
          nameInitials: nameInitials(name),
          idNumber: null,
          phone: null,
          birthDate: null,
          boardConsent: false,
        },
      );
      const accounts = await closeAccountsOf(em, id);
      await this.audit.record(ctxOf(em, caller), {
        action: 'villager.anonymize',
        entityType: 'villager',
        entityId: id,
        villageId: villager.villageId,
        after: { anonymized: true, accountsDisabled: accounts },
      });
      return toVillagerResponse(await em.findOneByOrFail(Villager, { id }));
    });
  }

  /** Runs the write in one transaction, counting (in the database) each ID_NUMBER_TAKEN answer. */
  private async limitIdNumberConflicts<T>(
    caller: Caller,
    idNumber: string | null | undefined,
    work: (em: EntityManager) => Promise<T>,
  ): Promise<T> {
    if (!idNumber) return this.tx.run(work);
    const day = todayIn(this.config.timeZone);
    const answered = await this.villagers.manager.countBy(IdNumberConflict, {
      userId: caller.id,
      day,
    });
    if (answered >= MAX_ID_NUMBER_CONFLICTS_PER_DAY) {
      throw new HttpException(
        {
          statusCode: 429,
          error: 'Too Many Requests',
          message: 'Too many ID numbers already registered were tried today; try again tomorrow',
        },
        HttpStatus.TOO_MANY_REQUESTS,
      );
    }
    try {
      return await this.tx.run(work);
    } catch (err) {
      if (isIdNumberTaken(err)) {
        await this.tx.run((em) =>
          em.insert(IdNumberConflict, { userId: caller.id, day, at: new Date() }),
        );
      }
      throw err;
    }
  }

  /**
   * The villager at a store's counter, and whether the store serves their village: one plain
   * query of fixed text (two find() query builders were a measured part of every redemption).
   * Null when there is no such villager.
   */
  async atStore(
    em: EntityManager,
    villagerId: number,
    storeId: number,
  ): Promise<{ villager: Pick<Villager, 'id' | 'villageId' | 'status'>; served: boolean } | null> {
    const [row] = await this.dialect.select<{
      id: number;
      village_id: number;
      status: Villager['status'];
      served: unknown;
    }>(
      em,
      `SELECT v.id, v.village_id, v.status,
              EXISTS (SELECT 1 FROM store_villages s
                       WHERE s.store_id = $1 AND s.village_id = v.village_id) AS served
         FROM villagers v WHERE v.id = $2`,
      [storeId, villagerId],
    );
    if (!row) return null;
    return {
      villager: { id: Number(row.id), villageId: Number(row.village_id), status: row.status },
      served: row.served === true || Number(row.served) === 1,
    };
  }

  /** A villager the caller may see, or 404: another village's villager does not exist for them. */
  async findScoped(em: EntityManager, caller: Caller, id: number): Promise<Villager> {
    // by primary key on a reused statement: the points history reads it on every request
    const villager = await this.rows.byId(em, Villager, id);
    const only = whereVillager(caller);
    if (
      !villager ||
      !mayAccessVillage(caller, villager.villageId) ||
      (only !== undefined && only !== id)
    ) {
      throw notFound('Villager');
    }
    return villager;
  }

  private async checkHousehold(
    em: EntityManager,
    villageId: number,
    householdId: number | null | undefined,
  ) {
    if (householdId == null) return;
    if (!(await em.existsBy(Household, { id: householdId, villageId }))) {
      throw new BadRequestException('householdId: no such household in this village');
    }
  }

  private async checkIdNumberFree(em: EntityManager, idNumber: string | undefined) {
    if (idNumber && (await em.existsBy(Villager, { idNumber }))) {
      throw refuse('ID_NUMBER_TAKEN', 'A villager with this ID number is already registered');
    }
  }
}
