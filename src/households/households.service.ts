import { randomBytes } from 'node:crypto';
import { BadRequestException, Injectable } from '@nestjs/common';
import { In, type EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import type { Caller } from '../common/auth.decorators';
import { notFound } from '../common/errors';
import { sha256Hex } from '../common/idempotency';
import { pageOf, skipTake, type PageQueryDto } from '../common/pagination';
import { ctxOf, type Ctx } from '../common/request-context';
import {
  assertVillageAccess,
  defined,
  mayAccessVillage,
  readableVillages,
  whereVillage,
} from '../common/scope';
import { Dialect } from '../db/dialect';
import { RateLimiter } from '../db/rate-limit';
import { Tx } from '../db/transaction';
import { ExpiryQuery } from '../ledger/expiry';
import { ruleTitlesOf } from '../ledger/entry-reasons';
import { LedgerEntry } from '../ledger/ledger-entry.entity';
import { StoreVillage } from '../store/store.entity';
import { Villager } from '../villagers/villager.entity';
import { birthYearOf } from '../villagers/id-number';
import { Household, Village } from '../villages/village.entity';
import { HouseholdCard } from './household-card.entity';
import {
  MAX_CARD_BATCH,
  type CardBatchCreateDto,
  type CardBatchIssuedDto,
  type CardIssuedDto,
  type HouseholdPointsDto,
} from './households.dto';

/** Card lookups per user and minute: a counter scans one card at a time, not thousands. */
const CARD_LOOKUPS_PER_MINUTE = 30;

@Injectable()
export class HouseholdsService {
  constructor(
    private readonly tx: Tx,
    private readonly limiter: RateLimiter,
    private readonly dialect: Dialect,
    private readonly audit: AuditService,
    private readonly expiry: ExpiryQuery,
  ) {}

  /** Admin, the village's cadre, or a member of the household (404 for anyone else). */
  points(caller: Caller, householdId: number, q: PageQueryDto): Promise<HouseholdPointsDto> {
    return this.tx.read(async (em) => {
      const household = await em.findOneBy(
        Household,
        defined({ id: householdId, villageId: whereVillage(readableVillages(caller)) }),
      );
      if (!household) throw notFound('Household');
      if (caller.role === 'villager') {
        const member = await em.existsBy(Villager, {
          id: caller.villagerId ?? -1,
          householdId,
        });
        if (!member) throw notFound('Household');
      }
      return this.pointsOf(em, household, q, false);
    });
  }

  /**
   * Issues a card (cadre of the household's village): a random 192-bit token, kept hashed; the
   * household's older cards stop working in the same transaction.
   */
  issueCard(caller: Caller, householdId: number): Promise<CardIssuedDto> {
    return this.tx.run((em) => this.issueCardIn(ctxOf(em, caller), householdId));
  }

  async issueCardIn(ctx: Ctx, householdId: number): Promise<CardIssuedDto> {
    const { em, caller } = ctx;
    // the household's row held: two cards issued at once cannot both stay valid
    const household = await this.dialect
      .lockRows(
        em
          .createQueryBuilder(Household, 'h')
          .where(defined({ id: householdId, villageId: whereVillage(readableVillages(caller)) })),
      )
      .getOne();
    if (!household) throw notFound('Household');
    const now = new Date();
    const revoked = await em
      .createQueryBuilder()
      .update(HouseholdCard)
      .set({ revokedAt: now })
      .where('household_id = :householdId AND revoked_at IS NULL', { householdId })
      .execute();
    const token = randomBytes(24).toString('base64url');
    await em.insert(HouseholdCard, {
      householdId,
      tokenHash: sha256Hex(token),
      issuedBy: caller.id,
      issuedAt: now,
      revokedAt: null,
    });
    await this.audit.record(ctx, {
      action: 'household.card',
      entityType: 'household',
      entityId: householdId,
      villageId: household.villageId,
      before: { card: revoked.affected ? '旧卡' : null },
      after: { card: '新卡（旧卡作废）' },
    });
    return { token };
  }

  /**
   * A sheet of cards (cadre of the village): fresh cards for the chosen households, or for every
   * household of the village, in one transaction — all issued or none. Each household's older
   * cards stop working, with one audit event per household as for a single card.
   */
  issueCards(
    caller: Caller,
    villageId: number,
    dto: CardBatchCreateDto,
  ): Promise<CardBatchIssuedDto> {
    return this.tx.run((em) => this.issueCardsIn(ctxOf(em, caller), villageId, dto));
  }

  async issueCardsIn(
    ctx: Ctx,
    villageId: number,
    dto: CardBatchCreateDto,
  ): Promise<CardBatchIssuedDto> {
    const { em, caller } = ctx;
    assertVillageAccess(caller, villageId);
    const village = await em.findOneBy(Village, { id: villageId });
    if (!village) throw notFound('Village');
    const households = await em.find(Household, {
      where: defined({
        villageId,
        id: dto.householdIds ? In(dto.householdIds) : undefined,
      }),
      order: { householdNo: 'ASC', id: 'ASC' },
      take: MAX_CARD_BATCH + 1,
    });
    const missing = dto.householdIds?.find((id) => !households.some((h) => h.id === id));
    if (missing !== undefined) throw notFound(`Household ${missing} in this village`);
    if (households.length > MAX_CARD_BATCH) {
      throw new BadRequestException(
        `householdIds is required for a village of more than ${MAX_CARD_BATCH} households`,
      );
    }
    const cards = [];
    for (const h of households) {
      const { token } = await this.issueCardIn(ctx, h.id);
      cards.push({ householdId: h.id, householdNo: h.householdNo, headName: h.headName, token });
    }
    return { villageId, villageName: village.name, town: village.town, cards };
  }

  /**
   * The household of a scanned card, active members only: for a shopkeeper whose store serves
   * its village, or the village's cadre. An unknown, revoked or out-of-scope card is the same 404.
   */
  async card(caller: Caller, token: string, q: PageQueryDto): Promise<HouseholdPointsDto> {
    await this.limiter.hit(
      `card:${caller.id}`,
      CARD_LOOKUPS_PER_MINUTE,
      60,
      '查卡过于频繁，请稍后再试 (too many card lookups)',
    );
    const unknown = () => notFound('Card');
    if (!/^[A-Za-z0-9_-]{16,64}$/.test(token)) throw unknown();
    return this.tx.read(async (em) => {
      const card = await em.findOneBy(HouseholdCard, { tokenHash: sha256Hex(token) });
      if (!card || card.revokedAt !== null) throw unknown();
      const household = await em.findOneByOrFail(Household, { id: card.householdId });
      const allowed =
        caller.role === 'shopkeeper'
          ? await em.existsBy(StoreVillage, {
              storeId: caller.storeId ?? -1,
              villageId: household.villageId,
            })
          : mayAccessVillage(caller, household.villageId);
      if (!allowed) throw unknown();
      return this.pointsOf(em, household, q, true);
    });
  }

  private async pointsOf(
    em: EntityManager,
    household: Household,
    q: PageQueryDto,
    activeOnly: boolean,
  ): Promise<HouseholdPointsDto> {
    const village = await em.findOneByOrFail(Village, { id: household.villageId });
    const members = await em.find(Villager, {
      where: defined({ householdId: household.id, status: activeOnly ? 'active' : undefined }),
      order: { id: 'ASC' },
    });
    const names = new Map(members.map((m) => [m.id, m.name]));
    const [entries, total] = members.length
      ? await em.findAndCount(LedgerEntry, {
          where: { villagerId: In(members.map((m) => m.id)) },
          order: { id: 'DESC' },
          ...skipTake(q),
        })
      : [[], 0];
    const rules = await ruleTitlesOf(em, entries);
    const expiring = await this.expiry.upcoming(
      em,
      members.map((m) => m.id),
    );
    return {
      householdId: household.id,
      householdNo: household.householdNo,
      headName: household.headName,
      villageName: village.name,
      town: village.town,
      total: members.reduce((sum, m) => sum + m.balance, 0),
      members: members.map((m) => ({
        villagerId: m.id,
        name: m.name,
        balance: m.balance,
        birthYear: birthYearOf(m),
        relation: m.relation,
        expiring: expiring.get(m.id)!,
      })),
      entries: pageOf(
        entries.map((e) => ({
          ...e,
          villagerName: names.get(e.villagerId)!,
          ruleTitle: e.deedId === null ? null : (rules.get(e.deedId) ?? null),
        })),
        total,
        q,
      ),
    };
  }
}
