import { Inject, Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import type { Caller } from '../common/auth.decorators';
import { forbidden, notFound, refuse } from '../common/errors';
import { ctxOf, type Ctx } from '../common/request-context';
import { readsDistrict } from '../common/scope';
import { todayIn } from '../common/time';
import { dayInstants } from '../common/zoned-time';
import { APP_CONFIG, AppConfig } from '../config';
import { int } from '../db/columns';
import { Dialect } from '../db/dialect';
import { Tx } from '../db/transaction';
import { DashboardService } from '../district/dashboard.service';
import { addDays, type PublicationStatus } from '../evaluations/publicity';
import { Village } from '../villages/village.entity';
import { Incident } from './incident.entity';
import {
  quarterDays,
  quarterMonths,
  scoreVillages,
  type VillageQuarter,
  type VillageScore,
} from './score-formula';
import type { TownScoresDto } from './scores.dto';
import { TownScore } from './town-score.entity';

/** Days a published quarter stays in publicity (公示期) before it is final. */
export const SCORE_PUBLICITY_DAYS = 7;

/**
 * 积分换项目 (docs/product.md, "Village scores (积分换项目)"): each quarter a town ranks its villages
 * on participation, points per household and the "zeros" kept. The draft is computed when read
 * from the dashboard's figures (src/district/dashboard.service.ts) and the town's incidents;
 * publishing freezes it, posts it for 7 days of publicity, after which it is final.
 */
@Injectable()
export class ScoresService {
  constructor(
    private readonly tx: Tx,
    private readonly audit: AuditService,
    private readonly dashboards: DashboardService,
    private readonly dialect: Dialect,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * The quarter's ranking: once published, anyone's (no login); a draft only the admin's, the
   * auditor's and the town's own account's — 404 to an anonymous caller, 403 to other accounts.
   */
  get(caller: Caller | undefined, town: string, quarter: string): Promise<TownScoresDto> {
    return this.tx.readReplica(async (em) => {
      const villages = await this.villagesOf(em, town);
      const published = await em.findOneBy(TownScore, { town, quarter });
      if (published) return this.answer(published);
      if (!caller) throw notFound('Published scores');
      if (!readsDistrict(caller) && !this.isTownOf(caller, town)) {
        throw forbidden('A draft is read by the town itself, the admin and the auditor');
      }
      return {
        quarter,
        town,
        status: 'draft',
        revision: 0,
        publishedAt: null,
        publicityEndsAt: null,
        villages: await this.compute(em, villages, quarter),
      };
    });
  }

  publish(caller: Caller, town: string, quarter: string): Promise<TownScoresDto> {
    return this.tx.run((em) => this.publishIn(ctxOf(em, caller), town, quarter));
  }

  /**
   * Freezes the quarter's ranking and opens 7 days of publicity; during them publishing again
   * recomputes it and starts the window anew (the next revision); once final it stays.
   */
  async publishIn(ctx: Ctx, town: string, quarter: string): Promise<TownScoresDto> {
    const { em, caller } = ctx;
    if (caller.role !== 'admin' && !this.isTownOf(caller, town)) {
      throw forbidden('A town account publishes its own town’s scores');
    }
    const villages = await this.villagesOf(em, town);
    const [before] = await this.dialect
      .lockRows(em.createQueryBuilder(TownScore, 's'))
      .where('s.town = :town AND s.quarter = :quarter', { town, quarter })
      .getMany();
    if (before && this.statusOf(before) === 'final') {
      throw refuse(
        'SCORES_FINAL',
        '这个季度的评比已过公示期，不能再公布 (the quarter’s scores are final)',
      );
    }
    const now = new Date();
    const today = todayIn(this.config.timeZone, now);
    const row = em.create(TownScore, {
      ...(before ?? {}),
      town,
      quarter,
      revision: (before?.revision ?? 0) + 1,
      // what is frozen is computed from the data as it is now, nothing kept
      villages: await this.compute(em, villages, quarter, true),
      publishedBy: caller.id,
      publishedAt: now,
      publicityEndsAt: dayInstants(addDays(today, SCORE_PUBLICITY_DAYS), this.config.timeZone)[1],
    });
    const saved = await em.save(row);
    await this.audit.record(ctx, {
      action: 'town_score.publish',
      entityType: 'town_score',
      entityId: saved.id,
      villageId: null,
      before: before ?? null,
      after: saved,
    });
    return this.answer(saved);
  }

  /** The town's villages, by name; 404 for a town without any. */
  private async villagesOf(em: EntityManager, town: string): Promise<Village[]> {
    const villages = await em.find(Village, { where: { town }, order: { name: 'ASC', id: 'ASC' } });
    if (villages.length === 0) throw notFound('Town');
    return villages;
  }

  private isTownOf(caller: Caller, town: string): boolean {
    return caller.role === 'town' && caller.town?.name === town;
  }

  /** Decided when read, like the monthly lists' (src/evaluations/publicity.ts): no scheduler. */
  private statusOf(row: TownScore, now = new Date()): PublicationStatus {
    return now.getTime() <= new Date(row.publicityEndsAt).getTime() ? 'publicity' : 'final';
  }

  private answer(row: TownScore): TownScoresDto {
    return {
      quarter: row.quarter,
      town: row.town,
      status: this.statusOf(row),
      revision: row.revision,
      publishedAt: row.publishedAt,
      publicityEndsAt: row.publicityEndsAt,
      villages: row.villages,
    };
  }

  /** The formula's figures for each village over the quarter's three months, scored and ranked. */
  private async compute(
    em: EntityManager,
    villages: Village[],
    quarter: string,
    exact = false,
  ): Promise<VillageScore[]> {
    const ids = villages.map((v) => v.id);
    const months: Awaited<ReturnType<DashboardService['figures']>>[] = [];
    const tokens = await this.dashboards.tokens(em, ids);
    for (const month of quarterMonths(quarter)) {
      months.push(await this.dashboards.figures(em, ids, month, { exact, tokens }));
    }
    const { first, last } = quarterDays(quarter);
    const counted: { villageId: unknown; n: unknown }[] = await em
      .createQueryBuilder(Incident, 'i')
      .select('i.villageId', 'villageId')
      .addSelect('COUNT(*)', 'n')
      .where('i.villageId IN (:...ids) AND i.occurredOn >= :first AND i.occurredOn <= :last', {
        ids: [...ids, -1],
        first,
        last,
      })
      .andWhere('i.revokedAt IS NULL')
      .groupBy('i.villageId')
      .getRawMany();
    const incidents = new Map(counted.map((r) => [int(r.villageId), int(r.n)]));
    const inputs: VillageQuarter[] = villages.map((v) => {
      const figures = months.map((m) => m.of(v.id));
      return {
        villageId: v.id,
        name: v.name,
        participation: figures.map((f) => f.participation),
        households: figures[figures.length - 1].households,
        netPoints: figures.reduce((sum, f) => sum + f.issued - f.deducted, 0),
        incidents: incidents.get(v.id) ?? 0,
      };
    });
    return scoreVillages(inputs);
  }
}
