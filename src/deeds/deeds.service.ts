import { BadRequestException, Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Between, EntityManager, MoreThan, Repository } from 'typeorm';
import type { Caller } from '../common/auth.decorators';
import { AuditService } from '../audit/audit.service';
import { forbidden, notFound, refuse, tooMany } from '../common/errors';
import { keyOf, KeyTaken, once, type Keyed } from '../common/idempotency';
import { ctxOf, type Ctx } from '../common/request-context';
import { pageOf, skipTake, type Page } from '../common/pagination';
import {
  assertVillageAccess,
  defined,
  readableVillages,
  villagesToList,
  whereVillage,
  whereVillager,
} from '../common/scope';
import { FIRST_YEAR, isCalendarDate, monthOf, todayIn } from '../common/time';
import { dayInstants } from '../common/zoned-time';
import { APP_CONFIG, type AppConfig } from '../config';
import { EntityRows } from '../db/entity-rows';
import { Tx } from '../db/transaction';
import type { LedgerEntry } from '../ledger/ledger-entry.entity';
import { LedgerService } from '../ledger/ledger.service';
import { NoticesService } from '../notices/notices.service';
import { PhotosService } from '../photos/photos.service';
import { Rule } from '../rules/rule.entity';
import { Villager } from '../villagers/villager.entity';
import { Deed, type DeedStatus } from './deed.entity';
import { DeedBatch, type BulkResult } from './deed-batch.entity';
import {
  canonicalBulk,
  canonicalDeed,
  type DeedBulkCreateDto,
  type DeedBulkResponseDto,
  type DeedCreateDto,
  type DeedListQueryDto,
  type DeedResponse,
} from './deeds.dto';
import { DeedsRepository } from './deeds.repository';
import { capReached } from './monthly-cap';

/** Self-reports one villager may make in 24 hours (docs/security.md, "Floods"). */
export const MAX_SELF_REPORTS_PER_DAY = 20;

@Injectable()
export class DeedsService {
  constructor(
    @InjectRepository(Deed) private readonly deeds: Repository<Deed>,
    private readonly ledger: LedgerService,
    private readonly tx: Tx,
    private readonly repo: DeedsRepository,
    private readonly rows: EntityRows,
    private readonly auditTrail: AuditService,
    private readonly photos: PhotosService,
    private readonly notices: NoticesService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * A cadre's record is approved at once; a villager's self-report waits for review, and so does
   * one a cadre files for a villager who asked in person (代办: `onBehalf` with a `consentNote`).
   * With an
   * Idempotency-Key a retry of the same request returns the first deed without a second award,
   * on one instance or many; the key reused for another request is 409.
   */
  create(caller: Caller, dto: DeedCreateDto, key?: string): Promise<DeedResponse> {
    const villagerId = caller.role === 'villager' ? caller.villagerId! : dto.villagerId;
    if (villagerId === undefined) throw new BadRequestException('villagerId is required');
    if (
      caller.role === 'villager' &&
      dto.villagerId !== undefined &&
      dto.villagerId !== villagerId
    ) {
      throw forbidden('A villager may report deeds only for themselves');
    }
    if (caller.role !== 'cadre' && (dto.onBehalf !== undefined || dto.consentNote !== undefined)) {
      throw new BadRequestException('onBehalf: only a cadre files for a villager');
    }
    if (dto.onBehalf && dto.consentNote === undefined) {
      throw new BadRequestException(
        'consentNote: say how the villager asked (e.g. 本人到村委会口头申请) when filing onBehalf',
      );
    }
    if (!dto.onBehalf && dto.consentNote !== undefined) {
      throw new BadRequestException('consentNote goes with onBehalf: true');
    }
    this.assertOccurredOn(dto.occurredOn);
    const request = { ...dto, villagerId };
    const keyedDeed = keyOf(key, () => canonicalDeed(request));
    return this.tx.run((em) => {
      const ctx = ctxOf(em, caller);
      return once(
        keyedDeed,
        { find: (k) => this.repo.byKey(em, caller.id, k), replay: (d) => this.replay(ctx, d) },
        () => this.createIn(ctx, request, keyedDeed),
      );
    });
  }

  /**
   * The inner half of `create`, in the caller's transaction; with a key, its insert throws
   * KeyTaken when a concurrent request took the key first (`once` answers with the winner).
   */
  async createIn(
    ctx: Ctx,
    dto: DeedCreateDto & { villagerId: number },
    keyed: Keyed | null = null,
  ): Promise<DeedResponse> {
    const { em, caller } = ctx;
    const villager = await this.ledger.lock(ctx, dto.villagerId);
    assertVillageAccess(caller, villager.villageId);
    if (villager.status !== 'active') throw villagerNotActive();
    const rule = await this.usableRule(em, dto.ruleId, villager.villageId);
    const photoIds = dto.photoIds ?? [];
    if (rule.evidenceRequired && !photoIds.length && !dto.evidence) {
      throw new BadRequestException(
        `evidence: 「${rule.title}」须附证据：照片 (photoIds) 或文字说明 (evidence) (this rule requires evidence)`,
      );
    }
    const now = new Date();
    // a cadre's record is approved at once; a self-report, the villager's or 代办, is reviewed
    const cadre = caller.role === 'cadre' && !dto.onBehalf;
    if (caller.role !== 'cadre') await this.assertReportAllowance(em, villager.id, now);
    const deed = em.create(Deed, {
      villageId: villager.villageId,
      villagerId: villager.id,
      ruleId: rule.id,
      ruleTitle: rule.title,
      category: rule.category,
      points: rule.points,
      occurredOn: dto.occurredOn,
      month: monthOf(dto.occurredOn),
      description: dto.description,
      evidence: dto.evidence ?? null,
      consentNote: dto.onBehalf ? (dto.consentNote ?? null) : null,
      photoIds,
      source: cadre ? 'cadre' : 'self_report',
      status: cadre ? 'approved' : 'pending',
      recordedBy: caller.id,
      recordedAt: now,
      reviewedBy: cadre ? caller.id : null,
      reviewedAt: cadre ? now : null,
      reviewReason: null,
      revokedBy: null,
      revokedAt: null,
      revokeReason: null,
      idempotencyKey: keyed?.key ?? null,
    });
    const id = await this.repo.insert(em, { ...deed, requestHash: keyed?.hash ?? null });
    if (id === null) throw new KeyTaken();
    deed.id = id;
    await this.photos.attachIn(ctx, deed, photoIds);
    // 代办: the trail says who filed for whom, and how the villager asked
    await this.audit(
      ctx,
      cadre ? 'deed.record' : 'deed.report',
      null,
      deed,
      deed.consentNote ?? undefined,
    );
    if (!cadre) {
      await this.notices.post(
        ctx.em,
        { cadres: deed.villageId },
        {
          kind: 'deed.pending_review',
          title: '有村民申报，等您审核',
          body: `「${deed.ruleTitle}」：${deed.description}`,
          link: '/cadre/review',
        },
      );
      return { ...deed, balance: villager.balance };
    }
    const entry = await this.award(ctx, deed, rule);
    const deducted = deed.points < 0;
    await this.notices.post(
      ctx.em,
      { villager: deed.villagerId },
      {
        kind: deducted ? 'deed.deducted' : 'deed.recorded',
        title: deducted ? `扣分 −${-deed.points} 分` : `获得积分 +${deed.points} 分`,
        body: `「${deed.ruleTitle}」：${deed.description}`,
        link: '/villager/history',
      },
    );
    return { ...deed, balance: entry.balanceAfter };
  }

  /**
   * 批量记分: one rule, one day, many villagers of the cadre's village, in one transaction, with
   * an outcome per villager — a refusal (monthly cap, not active, not of this village) skips that
   * villager only. The batch key is claimed first, so the same batch sent again, even at the
   * same moment, returns the first results and awards nothing more.
   */
  bulk(caller: Caller, dto: DeedBulkCreateDto): Promise<DeedBulkResponseDto> {
    this.assertOccurredOn(dto.occurredOn);
    const batch = keyOf(dto.batchKey, () => canonicalBulk(dto))!;
    return this.tx.run((em) => {
      const ctx = ctxOf(em, caller);
      return once(
        batch,
        {
          find: (batchKey) => em.findOneBy(DeedBatch, { recordedBy: caller.id, batchKey }),
          replay: (b) => ({ results: b.results ?? [] }),
        },
        () => this.bulkIn(ctx, dto, batch.hash),
      );
    });
  }

  /** The batch key is claimed first; it throws KeyTaken when a concurrent batch took it. */
  async bulkIn(ctx: Ctx, dto: DeedBulkCreateDto, hash: string): Promise<DeedBulkResponseDto> {
    const { em, caller } = ctx;
    const claimed = await this.repo.claimBatch(em, {
      recordedBy: caller.id,
      batchKey: dto.batchKey,
      requestHash: hash,
      results: null,
      createdAt: new Date(),
    });
    if (claimed === null) throw new KeyTaken();

    const villageId = caller.villageId ?? -1;
    const rule = await this.usableRule(em, dto.ruleId, villageId);
    if (rule.evidenceRequired) {
      throw new BadRequestException(
        `ruleId: 「${rule.title}」须逐条附证据，不能批量记分 (this rule requires evidence for each deed)`,
      );
    }
    const outcomes = new Map<number, BulkResult>();
    // ascending ids: concurrent batches lock villagers in one order, so they never deadlock
    for (const villagerId of [...dto.villagerIds].sort((a, b) => a - b)) {
      outcomes.set(villagerId, await this.awardOne(ctx, villagerId, villageId, dto));
    }
    const results = dto.villagerIds.map((id) => outcomes.get(id)!);
    await em.update(DeedBatch, { id: claimed }, { results });
    return { results };
  }

  private async awardOne(
    ctx: Ctx,
    villagerId: number,
    villageId: number,
    dto: DeedBulkCreateDto,
  ): Promise<BulkResult> {
    if (!(await ctx.em.existsBy(Villager, { id: villagerId, villageId }))) {
      return { villagerId, outcome: 'NOT_IN_VILLAGE' };
    }
    try {
      const deed = await this.tx.savepoint(ctx.em, (em) =>
        this.createIn({ ...ctx, em }, { ...dto, villagerId }),
      );
      return { villagerId, outcome: 'awarded', deedId: deed.id };
    } catch (err) {
      const code = (err as { response?: { code?: unknown } }).response?.code;
      if (code === 'MONTHLY_CAP_REACHED' || code === 'VILLAGER_NOT_ACTIVE') {
        return { villagerId, outcome: code };
      }
      throw err;
    }
  }

  async list(caller: Caller, q: DeedListQueryDto): Promise<Page<Deed>> {
    const villages = villagesToList(caller, q.villageId);
    if (
      caller.role === 'villager' &&
      q.villagerId !== undefined &&
      q.villagerId !== caller.villagerId
    ) {
      throw forbidden('A villager sees only their own deeds');
    }
    const [items, total] = await this.deeds.findAndCount({
      where: defined({
        villageId: whereVillage(villages),
        villagerId: whereVillager(caller) ?? q.villagerId,
        status: q.status,
        month: q.month,
        source: q.source,
        recordedAt:
          q.recordedOn === undefined
            ? undefined
            : Between(...dayInstants(q.recordedOn, this.config.timeZone)),
      }),
      order: { id: 'DESC' },
      ...skipTake(q),
    });
    return pageOf(items, total, q);
  }

  async get(caller: Caller, id: number): Promise<Deed> {
    return this.findScoped(this.deeds.manager, caller, id);
  }

  /** pending → approved: the rule's current points are copied and posted to the ledger. */
  approve(caller: Caller, id: number): Promise<DeedResponse> {
    return this.tx.run((em) => this.approveIn(ctxOf(em, caller), id));
  }

  async approveIn(ctx: Ctx, id: number): Promise<DeedResponse> {
    const { em, caller } = ctx;
    const { before, after: deed } = await this.transition(em, caller, id, 'pending', 'approved', {
      reviewedBy: caller.id,
      reviewedAt: new Date(),
    });
    const villager = await this.ledger.lock(ctx, deed.villagerId);
    if (villager.status !== 'active') throw villagerNotActive();
    const rule = await this.usableRule(em, deed.ruleId, deed.villageId);
    const copied = { points: rule.points, ruleTitle: rule.title };
    await em.update(Deed, { id }, copied);
    const entry = await this.award(ctx, { ...deed, ...copied }, rule);
    await this.notices.post(
      em,
      { villager: deed.villagerId },
      {
        kind: 'deed.approved',
        title: `申报已通过 ${copied.points < 0 ? `−${-copied.points}` : `+${copied.points}`} 分`,
        body: `「${copied.ruleTitle}」：${deed.description}`,
        link: '/villager/history',
      },
    );
    // 代办 reviewed by the cadre who filed it: allowed, and said in the trail
    const ownFiling = deed.consentNote !== null && deed.recordedBy === caller.id;
    await this.audit(
      ctx,
      'deed.approve',
      before,
      { ...deed, ...copied },
      ownFiling ? '代为申报的村干部本人审核' : undefined,
    );
    return { ...deed, ...copied, balance: entry.balanceAfter };
  }

  /** pending → rejected, with the reason; nothing is posted. */
  reject(caller: Caller, id: number, reason: string): Promise<Deed> {
    return this.tx.run((em) => this.rejectIn(ctxOf(em, caller), id, reason));
  }

  async rejectIn(ctx: Ctx, id: number, reason: string): Promise<Deed> {
    const { before, after } = await this.transition(ctx.em, ctx.caller, id, 'pending', 'rejected', {
      reviewedBy: ctx.caller.id,
      reviewedAt: new Date(),
      reviewReason: reason,
    });
    await this.audit(ctx, 'deed.reject', before, after, reason);
    await this.notices.post(
      ctx.em,
      { villager: after.villagerId },
      {
        kind: 'deed.rejected',
        title: '申报没有通过',
        body: `「${after.ruleTitle}」：${reason}`,
        link: '/villager/history',
      },
    );
    return after;
  }

  /**
   * approved → revoked: one reversal entry takes back what the deed awarded (`deed.points`, not
   * the rule's points today). If those points were spent meanwhile the balance goes below zero;
   * the answer carries the new balance.
   */
  revoke(caller: Caller, id: number, reason: string): Promise<DeedResponse> {
    return this.tx.run((em) => this.revokeIn(ctxOf(em, caller), id, reason));
  }

  async revokeIn(ctx: Ctx, id: number, reason: string): Promise<DeedResponse> {
    const { before, after: deed } = await this.transition(
      ctx.em,
      ctx.caller,
      id,
      'approved',
      'revoked',
      { revokedBy: ctx.caller.id, revokedAt: new Date(), revokeReason: reason },
    );
    await this.audit(ctx, 'deed.revoke', before, deed, reason);
    const entry = await this.ledger.credit(
      ctx,
      {
        villagerId: deed.villagerId,
        kind: 'reversal',
        deedId: deed.id,
        note: reason.slice(0, 200),
      },
      -deed.points,
    );
    return { ...deed, balance: entry.balanceAfter };
  }

  /**
   * Moves a deed between states with a conditional UPDATE, so of two concurrent reviews exactly
   * one wins and the other gets 409, on either database. Returns the deed as it now stands.
   */
  private async transition(
    em: EntityManager,
    caller: Caller,
    id: number,
    from: DeedStatus,
    to: DeedStatus,
    fields: Partial<Deed>,
  ): Promise<{ before: Deed; after: Deed }> {
    const before = await this.findScoped(em, caller, id);
    const { affected } = await em.update(Deed, { id, status: from }, { ...fields, status: to });
    if (affected !== 1) {
      throw refuse(
        'INVALID_TRANSITION',
        `只能${verb[to]}状态为「${statusName[from]}」的记录 (deed is ${before.status}, not ${from})`,
      );
    }
    return { before, after: { ...before, ...fields, status: to } };
  }

  private audit(ctx: Ctx, action: string, before: Deed | null, after: Deed, reason?: string) {
    return this.auditTrail.record(ctx, {
      action,
      entityType: 'deed',
      entityId: after.id,
      villageId: after.villageId,
      before,
      after,
      reason,
    });
  }

  /** Posts the deed's award, refusing it past the rule's monthly cap. Caller holds the villager lock. */
  private async award(ctx: Ctx, deed: Deed, rule: Rule): Promise<LedgerEntry> {
    if (rule.maxPerMonth !== null) {
      const n = await this.repo.approvedInMonth(ctx.em, deed.villagerId, rule.id, deed.month);
      // the count already holds this deed
      if (capReached(n - 1, rule.maxPerMonth)) {
        throw refuse(
          'MONTHLY_CAP_REACHED',
          `「${rule.title}」每月最多 ${rule.maxPerMonth} 次，${deed.month} 已达上限 (monthly limit reached)`,
        );
      }
    }
    return this.ledger.credit(
      ctx,
      { villagerId: deed.villagerId, kind: 'deed', deedId: deed.id },
      rule.points,
    );
  }

  /** The first deed made with this key, with the villager's balance now. */
  private async replay(ctx: Ctx, earlier: Deed): Promise<DeedResponse> {
    const { balance } = await ctx.em.findOneByOrFail(Villager, { id: earlier.villagerId });
    delete (earlier as Partial<Deed>).requestHash;
    return { ...earlier, balance };
  }

  /**
   * A villager reports at most MAX_SELF_REPORTS_PER_DAY deeds in 24 hours: a flood would bury the
   * cadre's review list. Counted under the villager's row lock, so parallel reports cannot pass it.
   */
  private async assertReportAllowance(em: EntityManager, villagerId: number, now: Date) {
    const recent = await em.countBy(Deed, {
      villagerId,
      source: 'self_report',
      recordedAt: MoreThan(new Date(now.getTime() - 24 * 3600_000)),
    });
    if (recent >= MAX_SELF_REPORTS_PER_DAY) {
      throw tooMany(
        'TOO_MANY_REPORTS',
        `一天最多申报 ${MAX_SELF_REPORTS_PER_DAY} 件，请明天再报；急事请直接找村干部 (at most ${MAX_SELF_REPORTS_PER_DAY} self-reports a day)`,
      );
    }
  }

  private assertOccurredOn(occurredOn: string): void {
    if (!isCalendarDate(occurredOn)) {
      throw new BadRequestException(
        `occurredOn must be a real date from ${FIRST_YEAR}-01-01 on (deeds before ${FIRST_YEAR} are not recorded)`,
      );
    }
    if (occurredOn > todayIn(this.config.timeZone)) {
      throw new BadRequestException('occurredOn must not be in the future');
    }
  }

  private async usableRule(em: EntityManager, ruleId: number, villageId: number): Promise<Rule> {
    const rule = await this.rows.byId(em, Rule, ruleId);
    if (!rule || (rule.villageId !== null && rule.villageId !== villageId)) {
      throw new BadRequestException('ruleId: no such rule for this village');
    }
    if (!rule.active) throw refuse('RULE_INACTIVE', `「${rule.title}」已停用 (rule is inactive)`);
    return rule;
  }

  private async findScoped(em: EntityManager, caller: Caller, id: number): Promise<Deed> {
    const deed = await em.findOneBy(
      Deed,
      defined({
        id,
        villageId: whereVillage(readableVillages(caller)),
        villagerId: whereVillager(caller),
      }),
    );
    if (!deed) throw notFound('Deed');
    return deed;
  }
}

const villagerNotActive = () =>
  refuse('VILLAGER_NOT_ACTIVE', '该村民已迁出或已故，不能记录积分 (villager is not active)');

/** The request in a canonical form: what a retry must repeat exactly. */

const verb: Record<DeedStatus, string> = {
  pending: '提交',
  approved: '审核通过',
  rejected: '驳回',
  revoked: '撤销',
};
const statusName: Record<DeedStatus, string> = {
  pending: '待审核',
  approved: '已通过',
  rejected: '已驳回',
  revoked: '已撤销',
};
