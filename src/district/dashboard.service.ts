import { Inject, Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import type { Caller } from '../common/auth.decorators';
import { forbidden } from '../common/errors';
import { readableVillages } from '../common/scope';
import { addMonths, monthOf, todayIn } from '../common/time';
import { monthInstants } from '../common/zoned-time';
import { APP_CONFIG, AppConfig } from '../config';
import { millis } from '../db/columns';
import { Tx } from '../db/transaction';
import { Deed } from '../deeds/deed.entity';
import { Objection } from '../evaluations/objection.entity';
import { LedgerEntry } from '../ledger/ledger-entry.entity';
import { Village } from '../villages/village.entity';
import { Villager } from '../villagers/villager.entity';
import type {
  DashboardDto,
  DashboardFiguresDto,
  DashboardTrendDto,
  DashboardVillageDto,
  TrendMonthDto,
} from './dashboard.dto';

/** PostgreSQL answers COUNT and SUM as bigint strings, SQLite as numbers. */
const int = (value: unknown): number => Number(value ?? 0);

/** Village id → a number, from rows of `{ villageId, n }`. */
const byVillage = (rows: { villageId: unknown; n: unknown }[]) =>
  new Map(rows.map((r) => [int(r.villageId), int(r.n)]));

const share = (part: number, whole: number) => (whole > 0 ? part / whole : 0);

function median(values: number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const m = sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  return Math.round(m * 10) / 10;
}

/** What the ledger's kinds add to: points awarded or deducted, spent, expired. */
const EARNED = ['deed', 'reversal', 'adjustment'];
const SPENT = ['redemption', 'refund'];

/**
 * The district's dashboard (docs/product.md, "The dashboard"): for each village the caller reads
 * (an admin or auditor every one, a town account its town's), whether the programme lives in a
 * month. A handful of grouped queries over the month's index ranges, whatever the villages'
 * number; nothing is kept between requests.
 */
@Injectable()
export class DashboardService {
  constructor(
    private readonly tx: Tx,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** The villages of the request: the caller's, narrowed to `town` (a town account's own). */
  async villages(em: EntityManager, caller: Caller, town?: string): Promise<Village[]> {
    if (caller.role === 'town') {
      if (town !== undefined && town !== caller.town?.name) {
        throw forbidden('A town account reads its own town');
      }
      town = caller.town?.name;
    }
    const readable = readableVillages(caller);
    const qb = em.createQueryBuilder(Village, 'v').orderBy('v.town').addOrderBy('v.code');
    if (town !== undefined) qb.andWhere('v.town = :town', { town });
    if (readable !== 'all') qb.andWhere('v.id IN (:...ids)', { ids: [...readable, -1] });
    return qb.getMany();
  }

  month(month?: string): string {
    return month ?? monthOf(todayIn(this.config.timeZone));
  }

  dashboard(caller: Caller, q: { month?: string; town?: string }): Promise<DashboardDto> {
    const month = this.month(q.month);
    return this.tx.read(async (em) => {
      const villages = await this.villages(em, caller, q.town);
      const figures = await this.figures(
        em,
        villages.map((v) => v.id),
        month,
      );
      const rows: DashboardVillageDto[] = villages.map((v) => ({
        villageId: v.id,
        name: v.name,
        town: v.town,
        ...figures.of(v.id),
      }));
      return {
        month,
        town: q.town ?? (caller.town?.name || null),
        villages: rows,
        totals: figures.totals(),
      };
    });
  }

  /** Twelve months ending with `month`: participation, and points issued against points spent. */
  trend(caller: Caller, q: { month?: string; town?: string }): Promise<DashboardTrendDto> {
    const last = this.month(q.month);
    return this.tx.read(async (em) => {
      const ids = (await this.villages(em, caller, q.town)).map((v) => v.id);
      const first = addMonths(last, -11);
      const households = await this.householdCount(em, ids);
      const total = [...households.values()].reduce((a, b) => a + b, 0);
      const active: { month: string; n: unknown }[] = await em
        .createQueryBuilder(Deed, 'd')
        .innerJoin(Villager, 'v', 'v.id = d.villagerId')
        .select('d.month', 'month')
        .addSelect('COUNT(DISTINCT v.householdId)', 'n')
        .where('d.villageId IN (:...ids) AND d.month >= :first AND d.month <= :last', {
          ids: [...ids, -1],
          first,
          last,
        })
        .andWhere("d.status = 'approved' AND v.status = 'active' AND v.householdId IS NOT NULL")
        .groupBy('d.month')
        .getRawMany();
      const activeOf = new Map(active.map((r) => [r.month, int(r.n)]));
      const months: TrendMonthDto[] = [];
      for (let i = 0; i < 12; i++) {
        const month = addMonths(first, i);
        const posted = await this.posted(em, ids, month);
        const sum = (m: Map<number, number>) => [...m.values()].reduce((a, b) => a + b, 0);
        const activeHouseholds = activeOf.get(month) ?? 0;
        months.push({
          month,
          households: total,
          activeHouseholds,
          participation: share(activeHouseholds, total),
          issued: sum(posted.issued),
          redeemed: sum(posted.redeemed),
        });
      }
      return { town: q.town ?? (caller.town?.name || null), months };
    });
  }

  /** Every figure of the month for the villages, by village, and their totals. */
  async figures(em: EntityManager, ids: number[], month: string) {
    const scope = { ids: [...ids, -1], month };
    const { from, to } = monthInstants(month, this.config.timeZone);
    const households = await this.householdCount(em, ids);

    const active = byVillage(
      await em
        .createQueryBuilder(Deed, 'd')
        .innerJoin(Villager, 'v', 'v.id = d.villagerId')
        .select('d.villageId', 'villageId')
        .addSelect('COUNT(DISTINCT v.householdId)', 'n')
        .where("d.villageId IN (:...ids) AND d.month = :month AND d.status = 'approved'", scope)
        .andWhere("v.status = 'active' AND v.householdId IS NOT NULL")
        .groupBy('d.villageId')
        .getRawMany(),
    );

    const deedRows: { villageId: unknown; status: string; sign: unknown; n: unknown }[] = await em
      .createQueryBuilder(Deed, 'd')
      .select('d.villageId', 'villageId')
      .addSelect('d.status', 'status')
      .addSelect('CASE WHEN d.points > 0 THEN 1 ELSE -1 END', 'sign')
      .addSelect('COUNT(*)', 'n')
      .where(
        "d.villageId IN (:...ids) AND d.month = :month AND d.status IN ('approved', 'pending')",
        scope,
      )
      .groupBy('d.villageId')
      .addGroupBy('d.status')
      .addGroupBy('CASE WHEN d.points > 0 THEN 1 ELSE -1 END')
      .getRawMany();
    const deeds = new Map<number, number>();
    const deductions = new Map<number, number>();
    const pending = new Map<number, number>();
    for (const r of deedRows) {
      const target = r.status === 'pending' ? pending : int(r.sign) > 0 ? deeds : deductions;
      const id = int(r.villageId);
      target.set(id, (target.get(id) ?? 0) + int(r.n));
    }

    // self-reports reviewed in the month: how long villagers waited for an answer
    const reviews: { villageId: unknown; recordedAt: Date | string; reviewedAt: Date | string }[] =
      await em
        .createQueryBuilder(Deed, 'd')
        .select('d.villageId', 'villageId')
        .addSelect('d.recordedAt', 'recordedAt')
        .addSelect('d.reviewedAt', 'reviewedAt')
        .where("d.villageId IN (:...ids) AND d.source = 'self_report'", scope)
        .andWhere('d.reviewedAt >= :from AND d.reviewedAt < :to', { from, to })
        .getRawMany();
    const waits = new Map<number, number[]>();
    for (const r of reviews) {
      const hours = (millis(r.reviewedAt) - millis(r.recordedAt)) / 3_600_000;
      const id = int(r.villageId);
      waits.set(id, [...(waits.get(id) ?? []), hours]);
    }

    const objectionRows: { villageId: unknown; status: string; n: unknown }[] = await em
      .createQueryBuilder(Objection, 'o')
      .select('o.villageId', 'villageId')
      .addSelect('o.status', 'status')
      .addSelect('COUNT(*)', 'n')
      .where('o.villageId IN (:...ids) AND o.month = :month', scope)
      .groupBy('o.villageId')
      .addGroupBy('o.status')
      .getRawMany();
    const objections = new Map<number, number>();
    const upheld = new Map<number, number>();
    for (const r of objectionRows) {
      const id = int(r.villageId);
      objections.set(id, (objections.get(id) ?? 0) + int(r.n));
      if (r.status === 'upheld') upheld.set(id, int(r.n));
    }

    const posted = await this.posted(em, ids, month);
    const outstanding = await this.outstanding(em, ids, to);

    const of = (id: number): DashboardFiguresDto => ({
      households: households.get(id) ?? 0,
      activeHouseholds: active.get(id) ?? 0,
      participation: share(active.get(id) ?? 0, households.get(id) ?? 0),
      deeds: deeds.get(id) ?? 0,
      deductions: deductions.get(id) ?? 0,
      pendingReviews: pending.get(id) ?? 0,
      medianReviewHours: median(waits.get(id) ?? []),
      objections: objections.get(id) ?? 0,
      upheldObjections: upheld.get(id) ?? 0,
      issued: posted.issued.get(id) ?? 0,
      deducted: posted.deducted.get(id) ?? 0,
      redeemed: Math.max(0, posted.redeemed.get(id) ?? 0),
      expired: posted.expired.get(id) ?? 0,
      outstanding: outstanding.get(id) ?? 0,
    });
    const totals = (): DashboardFiguresDto => {
      const rows = ids.map(of);
      const add = (key: keyof DashboardFiguresDto) =>
        rows.reduce((sum, r) => sum + Number(r[key] ?? 0), 0);
      return {
        households: add('households'),
        activeHouseholds: add('activeHouseholds'),
        participation: share(add('activeHouseholds'), add('households')),
        deeds: add('deeds'),
        deductions: add('deductions'),
        pendingReviews: add('pendingReviews'),
        medianReviewHours: median(ids.flatMap((id) => waits.get(id) ?? [])),
        objections: add('objections'),
        upheldObjections: add('upheldObjections'),
        issued: add('issued'),
        deducted: add('deducted'),
        redeemed: add('redeemed'),
        expired: add('expired'),
        outstanding: add('outstanding'),
      };
    };
    return { of, totals };
  }

  /** Households with at least one active member, by village. */
  private async householdCount(em: EntityManager, ids: number[]): Promise<Map<number, number>> {
    return byVillage(
      await em
        .createQueryBuilder(Villager, 'v')
        .select('v.villageId', 'villageId')
        .addSelect('COUNT(DISTINCT v.householdId)', 'n')
        .where("v.villageId IN (:...ids) AND v.status = 'active' AND v.householdId IS NOT NULL", {
          ids: [...ids, -1],
        })
        .groupBy('v.villageId')
        .getRawMany(),
    );
  }

  /** Points posted in the month by village: one pass over the month's entries by kind and sign. */
  private async posted(em: EntityManager, ids: number[], month: string) {
    const { from, to } = monthInstants(month, this.config.timeZone);
    const rows: { villageId: unknown; kind: string; gained: unknown; lost: unknown }[] = await em
      .createQueryBuilder(LedgerEntry, 'e')
      .select('e.villageId', 'villageId')
      .addSelect('e.kind', 'kind')
      .addSelect('SUM(CASE WHEN e.delta > 0 THEN e.delta ELSE 0 END)', 'gained')
      .addSelect('SUM(CASE WHEN e.delta < 0 THEN -e.delta ELSE 0 END)', 'lost')
      .where('e.villageId IN (:...ids) AND e.createdAt >= :from AND e.createdAt < :to', {
        ids: [...ids, -1],
        from,
        to,
      })
      .groupBy('e.villageId')
      .addGroupBy('e.kind')
      .getRawMany();
    const issued = new Map<number, number>();
    const deducted = new Map<number, number>();
    const redeemed = new Map<number, number>();
    const expired = new Map<number, number>();
    const add = (m: Map<number, number>, id: number, n: number) => m.set(id, (m.get(id) ?? 0) + n);
    for (const r of rows) {
      const id = int(r.villageId);
      if (EARNED.includes(r.kind)) {
        add(issued, id, int(r.gained));
        add(deducted, id, int(r.lost));
      } else if (SPENT.includes(r.kind)) {
        add(redeemed, id, int(r.lost) - int(r.gained));
      } else if (r.kind === 'expiry') {
        add(expired, id, int(r.lost));
      }
    }
    return { issued, deducted, redeemed, expired };
  }

  /**
   * The sum of positive balances at `end`, by village: today's balance less what was posted
   * since, for the villagers whose balance moved after `end` (none, for the current month).
   */
  private async outstanding(em: EntityManager, ids: number[], end: Date) {
    const later = em
      .createQueryBuilder(LedgerEntry, 'e')
      .select('e.villagerId', 'villagerId')
      .addSelect('SUM(e.delta)', 'moved')
      .where('e.villageId IN (:...ids) AND e.createdAt >= :end')
      .groupBy('e.villagerId');
    const rows = await em
      .createQueryBuilder(Villager, 'v')
      .leftJoin(`(${later.getQuery()})`, 'l', 'l."villagerId" = v.id')
      .select('v.villageId', 'villageId')
      .addSelect(
        'SUM(CASE WHEN v.balance - COALESCE(l.moved, 0) > 0 THEN v.balance - COALESCE(l.moved, 0) ELSE 0 END)',
        'n',
      )
      .where('v.villageId IN (:...ids)')
      .setParameters({ ids: [...ids, -1], end })
      .groupBy('v.villageId')
      .getRawMany();
    return byVillage(rows);
  }
}
