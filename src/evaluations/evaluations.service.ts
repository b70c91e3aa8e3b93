import { BadRequestException, Inject, Injectable, StreamableFile } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, In, MoreThanOrEqual, Repository } from 'typeorm';
import type { Caller } from '../common/auth.decorators';
import { AuditService } from '../audit/audit.service';
import { NoticesService } from '../notices/notices.service';
import { WecomService } from '../wecom/wecom.service';
import { forbidden, notFound, refuse } from '../common/errors';
import { sha256Hex } from '../common/idempotency';
import { assertVillageAccess, defined, mayAccessVillage } from '../common/scope';
import { addMonths, monthOf, monthRange, todayIn } from '../common/time';
import { APP_CONFIG, type AppConfig } from '../config';
import { ctxOf, type Ctx } from '../common/request-context';
import { EntityRows } from '../db/entity-rows';
import { Tx } from '../db/transaction';
import { Villager } from '../villagers/villager.entity';
import { Village } from '../villages/village.entity';
import {
  attachment,
  boardCsv,
  boardHtml,
  boardXlsx,
  dayLabel,
  isMinorOn,
  monthLabel,
  toPublicBoard,
  type ListedPerson,
} from './board';
import { Evaluation } from './evaluation.entity';
import type {
  BoardFormat,
  EvaluationResponseDto,
  PublicBoardDto,
  PublicBoardIndexDto,
} from './evaluations.dto';
import { loadMonth } from './month-totals.query';
import { hasUpheld, latestRevision, objectionCounts, statusNow } from './objections.query';
import { publicityEndsOn } from './publicity';
import { rankMonth, type EvaluationResult } from './ranking';

const monthPublished = (month: string) =>
  refuse(
    'MONTH_PUBLISHED',
    `${month} 的评比已发布，不能重新计算或再次发布；异议成立后才能更正 (already published)`,
  );

const XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

@Injectable()
export class EvaluationsService {
  constructor(
    @InjectRepository(Evaluation) private readonly evaluations: Repository<Evaluation>,
    @InjectRepository(Village) private readonly villages: Repository<Village>,
    @InjectRepository(Villager) private readonly villagerRows: Repository<Villager>,
    private readonly tx: Tx,
    private readonly auditTrail: AuditService,
    private readonly rows: EntityRows,
    private readonly notices: NoticesService,
    private readonly wecom: WecomService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * Computes the month's lists and stores them as the draft, replacing an earlier draft. A
   * published month is final (409) unless an objection against it was upheld: then the draft is
   * the next revision.
   */
  async compute(caller: Caller, villageId: number, month: string): Promise<EvaluationResponseDto> {
    const village = await this.village(caller, villageId);
    this.assertStarted(month);
    await this.assertOpenFor(this.evaluations.manager, villageId, month);
    const result = await this.calculate(village, month);
    const saved = await this.tx.run((em) =>
      this.saveDraftIn(ctxOf(em, caller), villageId, month, result),
    );
    return this.respond(saved);
  }

  /** The month's latest revision, or the one asked for; 404 until computed. */
  async get(
    caller: Caller,
    villageId: number,
    month: string,
    revision?: number,
  ): Promise<EvaluationResponseDto> {
    await this.village(caller, villageId);
    const evaluation = await this.evaluations.findOne({
      where: defined({ villageId, month, revision }),
      order: { revision: 'DESC' },
    });
    if (!evaluation) throw notFound(`Evaluation of ${month} (compute it first)`);
    return this.respond(evaluation);
  }

  /**
   * Freezes the stored draft as it is (computing one first if there is none) and opens the
   * publicity window. The switch from draft to published is one conditional UPDATE, so of two
   * concurrent publishes exactly one succeeds, on either database.
   */
  async publish(caller: Caller, villageId: number, month: string): Promise<EvaluationResponseDto> {
    const village = await this.village(caller, villageId);
    this.assertStarted(month);
    const latest = await this.assertOpenFor(this.evaluations.manager, villageId, month);
    const result = latest?.status === 'draft' ? undefined : await this.calculate(village, month);
    const saved = await this.tx.run((em) =>
      this.publishIn(ctxOf(em, caller), village, month, result),
    );
    return this.respond(saved);
  }

  /** The inner half of `publish`: stores `result` as the draft first when there is none. */
  async publishIn(
    ctx: Ctx,
    village: Village,
    month: string,
    result?: EvaluationResult,
  ): Promise<Evaluation> {
    const { em, caller } = ctx;
    const draft = result
      ? await this.saveDraftIn(ctx, village.id, month, result)
      : await latestRevision(em, village.id, month);
    const now = new Date();
    const { affected } = await em
      .createQueryBuilder()
      .update(Evaluation)
      .set({
        status: 'published',
        publishedBy: caller.id,
        publishedAt: now,
        publicityEndsOn: publicityEndsOn(now, village.publicityDays, this.config.timeZone),
      })
      .where({ id: draft?.id ?? -1, status: 'draft' })
      .execute();
    if (affected !== 1) throw monthPublished(month);
    const published = await em.findOneByOrFail(Evaluation, { id: draft!.id });
    await this.record(ctx, 'evaluation.publish', draft, published);
    const ends = published.publicityEndsOn;
    // the village's 企业微信 group, if it has one, gets the lists as the public board shows them
    await this.wecom.queuePublicity(em, village.id, async () => {
      const lists: EvaluationResponseDto = {
        villageId: village.id,
        month,
        revision: published.revision,
        latestRevision: published.revision,
        status: ends ? 'publicity' : 'final',
        publicityEndsOn: ends,
        objections: { filed: 0, resolved: 0 },
        redList: published.result.redList,
        blackList: published.result.blackList,
        households: published.result.households,
        computedBy: published.computedBy,
        computedAt: published.computedAt,
        publishedBy: published.publishedBy,
        publishedAt: published.publishedAt,
      };
      return toPublicBoard(village, lists, this.config.timeZone, {
        fullNames: false,
        people: await this.listedPeople(lists, month, em),
      });
    });
    await this.notices.post(
      em,
      { villagers: village.id },
      {
        kind: 'lists.publicity',
        title: `${Number(month.slice(5, 7))}月红黑榜${ends ? '公示中' : '已公布'}`,
        body: ends
          ? `${village.name}${monthLabel(month)}的红黑榜公示到${dayLabel(ends)}，有异议请在此之前提出。`
          : `${village.name}${monthLabel(month)}的红黑榜已公布。`,
        link: `/board/${village.code}/${month}`,
      },
    );
    return published;
  }

  /**
   * A village's board: its published months, newest first, each once (a republished month has a
   * published row per revision); 404 for an unknown village.
   */
  boardIndex(code: string, caller?: Caller): Promise<PublicBoardIndexDto> {
    // public and read often: on the read replica when there is one
    return this.tx.readReplica((em) => this.boardIndexIn(em, code, caller));
  }

  private async boardIndexIn(
    em: EntityManager,
    code: string,
    caller?: Caller,
  ): Promise<PublicBoardIndexDto> {
    const village = code.length <= 32 ? await em.findOneBy(Village, { code }) : null;
    if (!village) throw notFound('Village');
    const rows = await em.find(Evaluation, {
      select: { month: true },
      where: defined({
        villageId: village.id,
        status: 'published' as const,
        month: this.insider(caller, village)
          ? undefined
          : MoreThanOrEqual(this.onlineFrom(village)),
      }),
      order: { month: 'DESC' },
    });
    return {
      village: { code: village.code, name: village.name, town: village.town },
      months: [...new Set(rows.map((r) => r.month))],
    };
  }

  /** The first month still online: the current month less the village's retention. */
  private onlineFrom(village: Village): string {
    return addMonths(monthOf(todayIn(this.config.timeZone)), -village.boardRetentionMonths);
  }

  /** A signed-in user of the village (or an admin) sees its board whole, every month of it. */
  private insider(caller: Caller | undefined, village: Village): boolean {
    return caller !== undefined && mayAccessVillage(caller, village.id);
  }

  /**
   * Who of the listed villagers agreed to their full name, and who is under 14 at the month's end
   * (by the birth date, which the villagers' owner keeps filled from the ID number; unknown
   * counts as of age).
   */
  private async listedPeople(
    e: Pick<EvaluationResponseDto, 'redList' | 'blackList'>,
    month: string,
    em: EntityManager = this.villagerRows.manager,
  ): Promise<Map<number, ListedPerson>> {
    const ids = [...new Set([...e.redList, ...e.blackList].map((r) => r.villagerId))];
    if (!ids.length) return new Map();
    const rows = await em.find(Villager, {
      select: { id: true, birthDate: true, boardConsent: true },
      where: { id: In(ids) },
    });
    const monthEnd = monthRange(month).last;
    return new Map(
      rows.map((v) => {
        return [v.id, { consent: v.boardConsent, minor: isMinorOn(v.birthDate, monthEnd) }];
      }),
    );
  }

  /**
   * A published month for the notice board; 404 for an unknown village, an unpublished month or,
   * for the public, a month no longer online. Full names for the village's display key (a wrong
   * one is 403) and for its signed-in users; `fullNames` says so, for the cache header.
   */
  async board(
    code: string,
    month: string,
    format: BoardFormat,
    viewer: { caller?: Caller; key?: string; revision?: number },
  ): Promise<{ body: PublicBoardDto | StreamableFile; fullNames: boolean }> {
    // public and read often: on the read replica when there is one
    const { board, fullNames } = await this.tx.readReplica((em) =>
      this.boardIn(em, code, month, viewer),
    );
    return { body: await this.boardFile(board, format), fullNames };
  }

  private async boardIn(
    em: EntityManager,
    code: string,
    month: string,
    viewer: { caller?: Caller; key?: string; revision?: number },
  ): Promise<{ board: PublicBoardDto; fullNames: boolean }> {
    const village =
      code.length <= 32
        ? await em
            .createQueryBuilder(Village, 'v')
            .addSelect('v.displayKeyHash')
            .where('v.code = :code', { code })
            .getOne()
        : null;
    const insider = village !== null && this.insider(viewer.caller, village);
    const online = village !== null && (insider || month >= this.onlineFrom(village));
    const evaluation =
      online &&
      (await em.findOne(Evaluation, {
        where: defined({
          villageId: village.id,
          month,
          status: 'published' as const,
          revision: viewer.revision,
        }),
        order: { revision: 'DESC' },
      }));
    if (!village || !evaluation) throw notFound(`Published board of ${month}`);
    if (viewer.key !== undefined && village.displayKeyHash !== sha256Hex(viewer.key)) {
      throw forbidden('key: not this village’s display key');
    }
    const fullNames = insider || viewer.key !== undefined;
    const result = await this.respond(evaluation, em);
    const board = toPublicBoard(village, result, this.config.timeZone, {
      fullNames,
      people: await this.listedPeople(result, month, em),
    });
    return { board, fullNames };
  }

  private async boardFile(
    board: PublicBoardDto,
    format: BoardFormat,
  ): Promise<PublicBoardDto | StreamableFile> {
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

  /** The month's lists from its three totals, read on one snapshot of committed data. */
  private async calculate(village: Village, month: string): Promise<EvaluationResult> {
    const { villagers, households } = await this.tx.read((em) => loadMonth(em, village.id, month));
    return rankMonth(villagers, households, village.redListSize);
  }

  /**
   * Overwrites the month's draft, or inserts it as the next revision when there is none. Every
   * write is conditional on the row still being a draft, so a publish that lands in between is
   * never overwritten.
   */
  async saveDraftIn(
    ctx: Ctx,
    villageId: number,
    month: string,
    result: EvaluationResult,
  ): Promise<Evaluation> {
    const { em, caller } = ctx;
    const latest = await this.assertOpenFor(em, villageId, month);
    const revision = latest?.status === 'draft' ? latest.revision : (latest?.revision ?? 0) + 1;
    const computed = { result, computedBy: caller.id, computedAt: new Date() };
    if (latest?.status !== 'draft') {
      // A concurrent request may insert the same revision first: then this overwrites its draft.
      await this.rows.insertUnlessPresent(em, Evaluation, {
        villageId,
        month,
        revision,
        status: 'draft',
        ...computed,
        publishedBy: null,
        publishedAt: null,
        publicityEndsOn: null,
      });
    }
    const { affected } = await em
      .createQueryBuilder()
      .update(Evaluation)
      .set(computed)
      .where({ villageId, month, revision, status: 'draft' })
      .execute();
    if (affected !== 1) throw monthPublished(month);
    const saved = await em.findOneByOrFail(Evaluation, { villageId, month, revision });
    await this.record(
      ctx,
      'evaluation.compute',
      latest?.revision === revision ? latest : null,
      saved,
    );
    return saved;
  }

  /** The month's trail: the lists' sizes, not the lists (they are in the evaluation itself). */
  private record(ctx: Ctx, action: string, before: Evaluation | null, after: Evaluation) {
    const summary = (e: Evaluation) => ({
      month: e.month,
      revision: e.revision,
      status: e.status,
      publicityEndsOn: e.publicityEndsOn,
      redList: e.result.redList.length,
      blackList: e.result.blackList.length,
      households: e.result.households.length,
    });
    return this.auditTrail.record(ctx, {
      action,
      entityType: 'evaluation',
      entityId: after.id,
      villageId: after.villageId,
      before: before && summary(before),
      after: summary(after),
    });
  }

  /**
   * The month's latest revision, refusing (409) when it is published and not reopened by an
   * upheld objection: a published revision is never recomputed or published again.
   */
  private async assertOpenFor(
    em: EntityManager,
    villageId: number,
    month: string,
  ): Promise<Evaluation | null> {
    const latest = await latestRevision(em, villageId, month);
    if (latest?.status === 'published' && !(await hasUpheld(em, latest.id))) {
      throw monthPublished(month);
    }
    return latest;
  }

  /** A revision as the cadre sees it: status decided now, the window, the objections. */
  private async respond(
    e: Evaluation,
    em: EntityManager = this.evaluations.manager,
  ): Promise<EvaluationResponseDto> {
    const counts = await objectionCounts(em, e.villageId, e.month);
    const { status, latestRevision: latest } = await statusNow(em, e, this.config.timeZone);
    return {
      villageId: e.villageId,
      month: e.month,
      revision: e.revision,
      latestRevision: latest,
      status,
      publicityEndsOn: e.publicityEndsOn,
      objections: counts,
      redList: e.result.redList,
      blackList: e.result.blackList,
      households: e.result.households,
      computedBy: e.computedBy,
      computedAt: e.computedAt,
      publishedBy: e.publishedBy,
      publishedAt: e.publishedAt,
    };
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
