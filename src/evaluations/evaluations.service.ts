import { BadRequestException, Inject, Injectable, StreamableFile } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, Repository } from 'typeorm';
import type { Caller } from '../common/auth.decorators';
import { notFound, refuse } from '../common/errors';
import { assertVillageAccess } from '../common/scope';
import { monthOf, todayIn } from '../common/time';
import { APP_CONFIG, type AppConfig } from '../config';
import { Tx } from '../db/transaction';
import { Village } from '../villages/village.entity';
import { attachment, boardCsv, boardHtml, boardXlsx, toPublicBoard } from './board';
import { Evaluation } from './evaluation.entity';
import type {
  BoardFormat,
  EvaluationResponseDto,
  PublicBoardDto,
  PublicBoardIndexDto,
} from './evaluations.dto';
import { loadMonth } from './month-totals.query';
import { rankMonth, type EvaluationResult } from './ranking';

export function toEvaluationResponse(e: Evaluation): EvaluationResponseDto {
  return {
    villageId: e.villageId,
    month: e.month,
    status: e.status,
    redList: e.result.redList,
    blackList: e.result.blackList,
    households: e.result.households,
    computedBy: e.computedBy,
    computedAt: e.computedAt,
    publishedBy: e.publishedBy,
    publishedAt: e.publishedAt,
  };
}

const monthPublished = (month: string) =>
  refuse('MONTH_PUBLISHED', `${month} 的评比已发布，不能重新计算或再次发布 (already published)`);

const XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

@Injectable()
export class EvaluationsService {
  constructor(
    @InjectRepository(Evaluation) private readonly evaluations: Repository<Evaluation>,
    @InjectRepository(Village) private readonly villages: Repository<Village>,
    private readonly tx: Tx,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** Computes the month's lists and stores them as the draft, replacing an earlier draft. */
  async compute(caller: Caller, villageId: number, month: string): Promise<EvaluationResponseDto> {
    const village = await this.village(caller, villageId);
    this.assertStarted(month);
    if ((await this.find(villageId, month))?.status === 'published') throw monthPublished(month);
    const result = await this.calculate(village, month);
    const saved = await this.tx.run(async (em) => {
      await this.saveDraft(em, caller, villageId, month, result);
      return em.findOneByOrFail(Evaluation, { villageId, month });
    });
    return toEvaluationResponse(saved);
  }

  async get(caller: Caller, villageId: number, month: string): Promise<EvaluationResponseDto> {
    await this.village(caller, villageId);
    const evaluation = await this.find(villageId, month);
    if (!evaluation) throw notFound(`Evaluation of ${month} (compute it first)`);
    return toEvaluationResponse(evaluation);
  }

  /**
   * Freezes the stored draft as it is (computing one first if there is none). The switch from
   * draft to published is one conditional UPDATE, so of two concurrent publishes exactly one
   * succeeds, on either database.
   */
  async publish(caller: Caller, villageId: number, month: string): Promise<EvaluationResponseDto> {
    const village = await this.village(caller, villageId);
    this.assertStarted(month);
    const existing = await this.find(villageId, month);
    if (existing?.status === 'published') throw monthPublished(month);
    const result = existing ? undefined : await this.calculate(village, month);
    const saved = await this.tx.run(async (em) => {
      if (result) await this.insertDraft(em, caller, villageId, month, result);
      const { affected } = await em
        .createQueryBuilder()
        .update(Evaluation)
        .set({ status: 'published', publishedBy: caller.id, publishedAt: new Date() })
        .where({ villageId, month, status: 'draft' })
        .execute();
      if (affected !== 1) throw monthPublished(month);
      return em.findOneByOrFail(Evaluation, { villageId, month });
    });
    return toEvaluationResponse(saved);
  }

  /** A village's board: its published months, newest first; 404 for an unknown village. */
  async boardIndex(code: string): Promise<PublicBoardIndexDto> {
    const village = code.length <= 32 ? await this.villages.findOneBy({ code }) : null;
    if (!village) throw notFound('Village');
    const rows = await this.evaluations.find({
      select: { month: true },
      where: { villageId: village.id, status: 'published' },
      order: { month: 'DESC' },
    });
    return {
      village: { code: village.code, name: village.name, town: village.town },
      months: rows.map((r) => r.month),
    };
  }

  /** A published month for the notice board; 404 for an unknown village or an unpublished month. */
  async board(
    code: string,
    month: string,
    format: BoardFormat,
  ): Promise<PublicBoardDto | StreamableFile> {
    const village = code.length <= 32 ? await this.villages.findOneBy({ code }) : null;
    const evaluation =
      village &&
      (await this.evaluations.findOneBy({ villageId: village.id, month, status: 'published' }));
    if (!village || !evaluation) throw notFound(`Published board of ${month}`);
    const board = toPublicBoard(village, evaluation, this.config.timeZone);
    switch (format) {
      case 'json':
        return board;
      case 'csv':
        return new StreamableFile(boardCsv(board), {
          type: 'text/csv; charset=utf-8',
          disposition: attachment(board, 'csv'),
        });
      case 'xlsx':
        return new StreamableFile(await boardXlsx(board), {
          type: XLSX_TYPE,
          disposition: attachment(board, 'xlsx'),
        });
      case 'html':
        return new StreamableFile(Buffer.from(boardHtml(board), 'utf8'), {
          type: 'text/html; charset=utf-8',
        });
    }
  }

  private async calculate(village: Village, month: string): Promise<EvaluationResult> {
    const { villagers, households } = await loadMonth(this.evaluations.manager, village.id, month);
    return rankMonth(villagers, households, village.redListSize);
  }

  /**
   * Overwrites the draft, or inserts it when the month has none. Every write is conditional on
   * the row still being a draft, so a publish that lands in between is never overwritten.
   */
  private async saveDraft(
    em: EntityManager,
    caller: Caller,
    villageId: number,
    month: string,
    result: EvaluationResult,
  ): Promise<void> {
    const overwrite = () =>
      em
        .createQueryBuilder()
        .update(Evaluation)
        .set({ result, computedBy: caller.id, computedAt: new Date() })
        .where({ villageId, month, status: 'draft' })
        .execute();
    if ((await overwrite()).affected === 1) return;
    await this.insertDraft(em, caller, villageId, month, result);
    // Either our row, or one a concurrent request inserted first: still a draft unless published.
    if ((await overwrite()).affected !== 1) throw monthPublished(month);
  }

  /** Inserts the draft unless the month already has a row (unique village_id + month). */
  private async insertDraft(
    em: EntityManager,
    caller: Caller,
    villageId: number,
    month: string,
    result: EvaluationResult,
  ): Promise<void> {
    await em
      .createQueryBuilder()
      .insert()
      .into(Evaluation)
      .values({
        villageId,
        month,
        status: 'draft',
        result,
        computedBy: caller.id,
        computedAt: new Date(),
        publishedBy: null,
        publishedAt: null,
      })
      .orIgnore()
      .execute();
  }

  private find(villageId: number, month: string): Promise<Evaluation | null> {
    return this.evaluations.findOneBy({ villageId, month });
  }

  /** The village, if the caller may act on it: 403 for another village's cadre, 404 if none. */
  private async village(caller: Caller, villageId: number): Promise<Village> {
    assertVillageAccess(caller, villageId);
    const village = await this.villages.findOneBy({ id: villageId });
    if (!village) throw notFound('Village');
    return village;
  }

  /** A month that has not begun in the district's time zone has nothing to rank yet. */
  private assertStarted(month: string): void {
    const current = monthOf(todayIn(this.config.timeZone));
    if (month > current) {
      throw new BadRequestException(
        `month ${month} is in the future (the current month is ${current})`,
      );
    }
  }
}
