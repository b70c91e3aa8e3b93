import { Inject, Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { EntityManager, In } from 'typeorm';
import type { Caller } from '../common/auth.decorators';
import { forbidden } from '../common/errors';
import { repeat } from '../common/housekeeping';
import { readableVillages } from '../common/scope';
import { addMonths, monthOf, todayIn } from '../common/time';
import { monthInstants } from '../common/zoned-time';
import { APP_CONFIG, AppConfig } from '../config';
import { int, millis } from '../db/columns';
import { Tx } from '../db/transaction';
import { Deed } from '../deeds/deed.entity';
import { Objection } from '../evaluations/objection.entity';
import { LedgerEntry } from '../ledger/ledger-entry.entity';
import { Village } from '../villages/village.entity';
import { Villager } from '../villagers/villager.entity';
import { VillageMonthFigures, type VillageFigures } from './village-month-figures.entity';
import type {
  DashboardDto,
  DashboardFiguresDto,
  DashboardTrendDto,
  DashboardVillageDto,
  TrendMonthDto,
} from './dashboard.dto';

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

/**
 * A month two or more back changes rarely (a very late review or revocation): its figures are
 * kept for a week even if the village changed since, and renewed in the background before then.
 */
const OLD_MONTH_KEPT_MS = 7 * 24 * 3600_000;
const OLD_MONTH_RENEWED_MS = 6 * 24 * 3600_000;
/**
 * How often an instance brings the current and the previous month's figures up to date: each
 * village that changed since costs one computation of its month (~0.1 s at 5,600 deeds a month).
 */
const REFRESH_EVERY_MS = 5 * 60_000;
/** Village-months of the older trend months an instance renews per round (missing or aging). */
const OLD_MONTHS_PER_ROUND = 20;

const EMPTY: DashboardFiguresDto = {
  households: 0,
  activeHouseholds: 0,
  participation: 0,
  deeds: 0,
  deductions: 0,
  pendingReviews: 0,
  medianReviewHours: null,
  objections: 0,
  upheldObjections: 0,
  issued: 0,
  deducted: 0,
  redeemed: 0,
  expired: 0,
  outstanding: 0,
};

const pick = (f: VillageFigures): DashboardFiguresDto =>
  Object.fromEntries(
    Object.keys(EMPTY).map((k) => [k, f[k as keyof DashboardFiguresDto]]),
  ) as unknown as DashboardFiguresDto;

/** A month's figures for a set of villages: each village's, the totals, and what to keep. */
export interface MonthFigures {
  of(villageId: number): DashboardFiguresDto;
  totals(): DashboardFiguresDto;
  /** When the oldest figure used was computed. */
  asOf: Date;
  /** Figures computed for this answer, to `remember` once the read is over. */
  computed: VillageMonthFigures[];
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
export class DashboardService implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('Dashboard');
  private stop?: () => void;

  constructor(
    private readonly tx: Tx,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    this.stop = repeat('dashboard figures', REFRESH_EVERY_MS, () => this.refresh());
  }

  onModuleDestroy(): void {
    this.stop?.();
  }

  /**
   * Brings the current and the previous month's kept figures up to date for every village that
   * changed since, and renews a few of the trend's older ones: so that a dashboard finds them
   * ready. Each instance does it; a village's month is computed only when the village changed.
   */
  async refresh(): Promise<number> {
    const current = this.month();
    const fresh = await this.tx.read(async (em) => {
      const ids = (await em.find(Village, { select: { id: true } })).map((v) => v.id);
      const tokens = await this.tokens(em, ids);
      const computed: VillageMonthFigures[] = [];
      for (const month of [current, addMonths(current, -1)]) {
        computed.push(...(await this.figures(em, ids, month, { tokens })).computed);
      }
      // the trend's older months: a few missing, or changed and aging, village-months a round
      const months = Array.from({ length: 10 }, (_, i) => addMonths(current, -2 - i));
      const kept = await em.find(VillageMonthFigures, {
        select: { villageId: true, month: true, token: true, computedAt: true },
        where: { month: In(months) },
      });
      const renewed = new Set(
        kept
          .filter(
            (r) =>
              r.token === tokens.get(r.villageId) ||
              Date.now() - new Date(r.computedAt).getTime() < OLD_MONTH_RENEWED_MS,
          )
          .map((r) => `${r.villageId}:${r.month}`),
      );
      let budget = OLD_MONTHS_PER_ROUND;
      for (const month of months) {
        const due = ids.filter((id) => !renewed.has(`${id}:${month}`)).slice(0, budget);
        if (!due.length) continue;
        computed.push(...(await this.figures(em, due, month, { exact: true, tokens })).computed);
        budget -= due.length;
        if (budget <= 0) break;
      }
      return computed;
    });
    await this.remember(fresh);
    return fresh.length;
  }

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

  async dashboard(caller: Caller, q: { month?: string; town?: string }): Promise<DashboardDto> {
    const month = this.month(q.month);
    const { answer, computed } = await this.tx.readReplica(async (em) => {
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
      const answer: DashboardDto = {
        month,
        town: q.town ?? (caller.town?.name || null),
        asOf: figures.asOf,
        villages: rows,
        totals: figures.totals(),
      };
      return { answer, computed: figures.computed };
    });
    await this.remember(computed);
    return answer;
  }

  /** Twelve months ending with `month`: participation, and points issued against points spent. */
  async trend(caller: Caller, q: { month?: string; town?: string }): Promise<DashboardTrendDto> {
    const last = this.month(q.month);
    const { months, computed } = await this.tx.readReplica(async (em) => {
      const ids = (await this.villages(em, caller, q.town)).map((v) => v.id);
      const tokens = await this.tokens(em, ids);
      const months: TrendMonthDto[] = [];
      const computed: VillageMonthFigures[] = [];
      for (let i = 11; i >= 0; i--) {
        const month = addMonths(last, -i);
        const figures = await this.figures(em, ids, month, { tokens });
        const t = figures.totals();
        months.push({
          month,
          households: t.households,
          activeHouseholds: t.activeHouseholds,
          participation: t.participation,
          issued: t.issued,
          redeemed: t.redeemed,
        });
        computed.push(...figures.computed);
      }
      return { months, computed };
    });
    await this.remember(computed);
    return { town: q.town ?? (caller.town?.name || null), months };
  }

  /**
   * Every figure of the month for the villages, by village, with their kept rows: a village's
   * row is used while the village's token is unchanged (no audit event, no ledger entry since),
   * and for a month two or more back for a week unless `exact`; the rest are computed now and
   * answered in `computed` for the caller to keep (`remember`) once its read is over. Several
   * months of the same read pass the villages' `tokens` (read once).
   */
  async figures(
    em: EntityManager,
    ids: number[],
    month: string,
    opts: { exact?: boolean; tokens?: Map<number, string> } = {},
  ): Promise<MonthFigures> {
    const now = Date.now();
    const recent = opts.exact || month >= addMonths(this.month(), -1);
    const tokens = opts.tokens ?? (await this.tokens(em, ids));
    const cached = ids.length
      ? await em.find(VillageMonthFigures, { where: { villageId: In(ids), month } })
      : [];
    const byId = new Map<number, VillageFigures>();
    let asOf = now;
    for (const row of cached) {
      const age = now - new Date(row.computedAt).getTime();
      if (row.token === tokens.get(row.villageId) || (!recent && age < OLD_MONTH_KEPT_MS)) {
        byId.set(row.villageId, row.figures);
        asOf = Math.min(asOf, new Date(row.computedAt).getTime());
      }
    }
    const stale = ids.filter((id) => !byId.has(id));
    const fresh = stale.length ? await this.compute(em, stale, month) : new Map();
    const computed: VillageMonthFigures[] = [];
    for (const [id, f] of fresh) {
      byId.set(id, f);
      computed.push(
        em.create(VillageMonthFigures, {
          villageId: id,
          month,
          token: tokens.get(id) ?? '',
          figures: f,
          computedAt: new Date(now),
        }),
      );
    }
    // a village's figures as answered: every figure, not the waits kept for the median
    const of = (id: number): DashboardFiguresDto => {
      const kept = byId.get(id);
      return kept ? pick(kept) : { ...EMPTY };
    };
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
        medianReviewHours: median(ids.flatMap((id) => byId.get(id)?.waits ?? [])),
        objections: add('objections'),
        upheldObjections: add('upheldObjections'),
        issued: add('issued'),
        deducted: add('deducted'),
        redeemed: add('redeemed'),
        expired: add('expired'),
        outstanding: add('outstanding'),
      };
    };
    return { of, totals, asOf: new Date(asOf), computed };
  }

  /** Keeps figures computed during a read, for the next request (a cache: a failure is logged). */
  async remember(rows: VillageMonthFigures[]): Promise<void> {
    if (!rows.length) return;
    try {
      await this.tx.run((em) => em.upsert(VillageMonthFigures, rows, ['villageId', 'month']));
    } catch (err) {
      this.logger.warn(`keeping dashboard figures failed: ${(err as Error).message}`);
    }
  }

  /**
   * What a village's figures depend on, in two index seeks: its latest audit event (every deed,
   * review, objection, roster change and redemption writes one) and its latest ledger entry.
   */
  async tokens(em: EntityManager, ids: number[]): Promise<Map<number, string>> {
    if (!ids.length) return new Map();
    const rows: { id: unknown; a: unknown; l: unknown }[] = await em
      .createQueryBuilder(Village, 'v')
      .select('v.id', 'id')
      .addSelect('(SELECT MAX(a.id) FROM audit_events a WHERE a.village_id = v.id)', 'a')
      .addSelect(
        '(SELECT e.id FROM ledger_entries e WHERE e.village_id = v.id ORDER BY e.created_at DESC LIMIT 1)',
        'l',
      )
      .where('v.id IN (:...ids)', { ids })
      .getRawMany();
    return new Map(rows.map((r) => [int(r.id), `${int(r.a)}:${int(r.l)}`]));
  }

  /** Every figure of the month for the villages, computed now, by village. */
  private async compute(
    em: EntityManager,
    ids: number[],
    month: string,
  ): Promise<Map<number, VillageFigures>> {
    const scope = { ids: [...ids, -1], month };
    const { to } = monthInstants(month, this.config.timeZone);
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
        .where("d.villageId IN (:...ids) AND d.month = :month AND d.source = 'self_report'", scope)
        .andWhere("d.status IN ('approved', 'rejected', 'revoked') AND d.reviewedAt IS NOT NULL")
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

    const of = (id: number): VillageFigures => ({
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
      waits: waits.get(id) ?? [],
    });
    return new Map(ids.map((id) => [id, of(id)]));
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
