import { Inject, Injectable } from '@nestjs/common';
import { In, IsNull, Not, type EntityManager } from 'typeorm';
import type { Caller } from '../common/auth.decorators';
import { notFound } from '../common/errors';
import { assertVillageAccess } from '../common/scope';
import { monthInstants } from '../common/zoned-time';
import { APP_CONFIG, AppConfig } from '../config';
import { Tx } from '../db/transaction';
import { Evaluation } from '../evaluations/evaluation.entity';
import { statusNow } from '../evaluations/objections.query';
import { ruleTitlesOf } from '../ledger/entry-reasons';
import { LedgerEntry } from '../ledger/ledger-entry.entity';
import { Redemption, RedemptionItem } from '../store/redemption.entity';
import { Villager } from '../villagers/villager.entity';
import { Household, Village } from '../villages/village.entity';
import type { HouseholdStatementDto, StatementListsDto, StatementsDto } from './statements.dto';

/** Why a ledger entry's points, as the statement prints it. */
function reasonOf(e: LedgerEntry, rule: string | null): string {
  if (e.kind === 'deed') return rule ?? '事迹积分';
  if (e.kind === 'reversal') return `撤销「${rule ?? '事迹'}」${e.note ? `：${e.note}` : ''}`;
  return e.note ?? '积分调整';
}

/**
 * 家庭积分对账单 (docs/product.md, "Household statements"): for a village and month, one
 * statement per household — the members' balances at the month's end, the month's entries with
 * their reasons, the month's redemptions, and where the month's lists stand (公示, until when).
 * Read in one consistent snapshot.
 */
@Injectable()
export class StatementsService {
  constructor(
    private readonly tx: Tx,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  month(caller: Caller, villageId: number, month: string): Promise<StatementsDto> {
    assertVillageAccess(caller, villageId);
    return this.tx.readReplica(async (em) => {
      const village = await em.findOneBy(Village, { id: villageId });
      if (!village) throw notFound('Village');
      const { from, to } = monthInstants(month, this.config.timeZone);
      const households = await em.find(Household, {
        where: { villageId },
        order: { householdNo: 'ASC', id: 'ASC' },
      });
      const members = await em.find(Villager, {
        where: { villageId, householdId: Not(IsNull()) },
        order: { id: 'ASC' },
      });
      const names = new Map(members.map((m) => [m.id, m.name]));
      const balances = await this.balancesAt(em, villageId, to);
      const entries = await em
        .createQueryBuilder(LedgerEntry, 'e')
        .where('e.villageId = :villageId AND e.createdAt >= :from AND e.createdAt < :to', {
          villageId,
          from,
          to,
        })
        .andWhere('e.kind IN (:...kinds)', { kinds: ['deed', 'reversal', 'adjustment', 'expiry'] })
        .orderBy('e.id', 'ASC')
        .getMany();
      const rules = await ruleTitlesOf(em, entries);
      const redemptions = await em
        .createQueryBuilder(Redemption, 'r')
        .where('r.villageId = :villageId AND r.createdAt >= :from AND r.createdAt < :to', {
          villageId,
          from,
          to,
        })
        .orderBy('r.id', 'ASC')
        .getMany();
      const items = redemptions.length
        ? await em.find(RedemptionItem, {
            where: { redemptionId: In(redemptions.map((r) => r.id)) },
            order: { id: 'ASC' },
          })
        : [];

      const byHousehold = new Map<number, HouseholdStatementDto>(
        households.map((h) => [
          h.id,
          {
            householdId: h.id,
            householdNo: h.householdNo,
            headName: h.headName,
            total: 0,
            members: [],
            entries: [],
            redemptions: [],
          },
        ]),
      );
      const householdOf = new Map(members.map((m) => [m.id, m.householdId!]));
      /** The statement a villager's lines go on (none for someone without a household). */
      const statementOf = (villagerId: number) =>
        byHousehold.get(householdOf.get(villagerId) ?? -1);
      for (const m of members) {
        const statement = byHousehold.get(m.householdId!);
        if (!statement) continue;
        const balance = balances.get(m.id) ?? 0;
        statement.members.push({ villagerId: m.id, name: m.name, balance });
        statement.total += balance;
      }
      for (const e of entries) {
        statementOf(e.villagerId)?.entries.push({
          villagerId: e.villagerId,
          name: names.get(e.villagerId) ?? '',
          at: e.createdAt,
          points: e.delta,
          reason: reasonOf(e, e.deedId === null ? null : (rules.get(e.deedId) ?? null)),
        });
      }
      for (const r of redemptions) {
        statementOf(r.villagerId)?.redemptions.push({
          villagerId: r.villagerId,
          name: names.get(r.villagerId) ?? '',
          at: r.createdAt,
          points: r.total,
          items: items
            .filter((i) => i.redemptionId === r.id)
            .map((i) => `${i.goodsName} ×${i.quantity}`)
            .join('、'),
          cancelled: r.status === 'cancelled',
        });
      }
      return {
        month,
        villageName: village.name,
        town: village.town,
        lists: await this.lists(em, villageId, month),
        households: [...byHousehold.values()],
      };
    });
  }

  /** Each villager's balance after the last entry posted before `at`, in one query. */
  private async balancesAt(
    em: EntityManager,
    villageId: number,
    at: Date,
  ): Promise<Map<number, number>> {
    const last = em
      .createQueryBuilder(LedgerEntry, 'l')
      .select('MAX(l.id)')
      .where('l.villageId = :villageId AND l.createdAt < :at')
      .groupBy('l.villagerId');
    const rows = await em
      .createQueryBuilder(LedgerEntry, 'e')
      .select(['e.villagerId', 'e.balanceAfter'])
      .where(`e.id IN (${last.getQuery()})`, { villageId, at })
      .getMany();
    return new Map(rows.map((e) => [e.villagerId, e.balanceAfter]));
  }

  /** Where the month's lists stand: the latest published revision's 公示, else a draft or none. */
  private async lists(
    em: EntityManager,
    villageId: number,
    month: string,
  ): Promise<StatementListsDto> {
    const published = await em.findOne(Evaluation, {
      where: { villageId, month, status: 'published' },
      order: { revision: 'DESC' },
    });
    if (published) {
      const { status } = await statusNow(em, published, this.config.timeZone);
      return {
        status,
        publicityEndsOn: status === 'publicity' ? published.publicityEndsOn : null,
      };
    }
    const draft = await em.existsBy(Evaluation, { villageId, month });
    return { status: draft ? 'draft' : 'none', publicityEndsOn: null };
  }
}
