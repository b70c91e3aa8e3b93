import { BadRequestException, Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, Repository } from 'typeorm';
import type { Caller } from '../common/auth.decorators';
import { AuditService } from '../audit/audit.service';
import { NoticesService } from '../notices/notices.service';
import { monthLabel } from './board';
import { displayNamesById } from '../auth/display-name';
import { forbidden, notFound, refuse, tooMany } from '../common/errors';
import { pageOf, skipTake, type Page } from '../common/pagination';
import { ctxOf, type Ctx } from '../common/request-context';
import { assertVillageAccess, defined, readableVillages, whereVillage } from '../common/scope';
import { APP_CONFIG, type AppConfig } from '../config';
import { Dialect } from '../db/dialect';
import { Tx } from '../db/transaction';
import { Deed } from '../deeds/deed.entity';
import { Villager } from '../villagers/villager.entity';
import { Evaluation } from './evaluation.entity';
import { Objection } from './objection.entity';
import type {
  ObjectionItemDto,
  ObjectionCreateDto,
  ObjectionListQueryDto,
  ObjectionResolveDto,
} from './objections.dto';
import { statusNow } from './objections.query';

/** Open objections one villager may have in a month (docs/security.md, "Floods"). */
export const MAX_OPEN_OBJECTIONS = 3;

const notInPublicity = (month: string) =>
  refuse(
    'NOT_IN_PUBLICITY',
    `${month} 的评比不在公示期内，不能提出异议 (the month is not in its publicity period)`,
  );

/**
 * 异议 (docs/product.md): during publicity a villager objects for themselves, or a cadre files for a
 * walk-in; a cadre of the village dismisses or upholds each, once. An upheld objection reopens
 * the month: the cadre may correct deeds and publish the next revision.
 */
@Injectable()
export class ObjectionsService {
  constructor(
    @InjectRepository(Objection) private readonly objections: Repository<Objection>,
    private readonly tx: Tx,
    private readonly dialect: Dialect,
    private readonly auditTrail: AuditService,
    private readonly notices: NoticesService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * A villager has at most MAX_OPEN_OBJECTIONS open objections a month: more would be a flood,
   * not a dispute. Counted under the villager's row lock, so parallel filings cannot pass it.
   */
  private async assertObjectionAllowance(
    em: EntityManager,
    caller: Caller,
    villageId: number,
    month: string,
  ) {
    await this.dialect.lockedRows(em, 'SELECT id FROM villagers WHERE id = $1', [
      caller.villagerId,
    ]);
    const open = await em.countBy(Objection, {
      villageId,
      month,
      filedBy: caller.id,
      status: 'open',
    });
    if (open >= MAX_OPEN_OBJECTIONS) {
      throw tooMany(
        'TOO_MANY_OBJECTIONS',
        `这个月你已有 ${MAX_OPEN_OBJECTIONS} 件异议在处理中，请等村委会处理后再提 (at most ${MAX_OPEN_OBJECTIONS} open objections a month)`,
      );
    }
  }

  file(
    caller: Caller,
    villageId: number,
    month: string,
    dto: ObjectionCreateDto,
  ): Promise<Objection> {
    return this.tx.run((em) => this.fileIn(ctxOf(em, caller), villageId, month, dto));
  }

  async fileIn(
    ctx: Ctx,
    villageId: number,
    month: string,
    dto: ObjectionCreateDto,
  ): Promise<Objection> {
    const { em, caller } = ctx;
    assertVillageAccess(caller, villageId);
    let villagerId = dto.villagerId ?? null;
    if (caller.role === 'villager') {
      if (villagerId !== null && villagerId !== caller.villagerId) {
        throw forbidden('A villager objects only for themselves');
      }
      if (dto.filedByName !== undefined || dto.consentNote !== undefined) {
        throw new BadRequestException(
          `${dto.filedByName !== undefined ? 'filedByName' : 'consentNote'} is for a cadre filing for a walk-in`,
        );
      }
      villagerId = caller.villagerId;
      await this.assertObjectionAllowance(em, caller, villageId, month);
    } else {
      if (dto.filedByName === undefined) {
        throw new BadRequestException("filedByName: the walk-in objector's name is required");
      }
      if (villagerId !== null && !(await em.existsBy(Villager, { id: villagerId, villageId }))) {
        throw new BadRequestException('villagerId: no such villager in this village');
      }
    }
    if (
      dto.deedId !== undefined &&
      !(await em.existsBy(Deed, { id: dto.deedId, villageId, month }))
    ) {
      throw new BadRequestException('deedId: no such deed in this village and month');
    }
    const posted = await em.findOne(Evaluation, {
      where: { villageId, month, status: 'published' },
      order: { revision: 'DESC' },
    });
    if (!posted || (await statusNow(em, posted, this.config.timeZone)).status !== 'publicity') {
      throw notInPublicity(month);
    }
    const objection = em.create(Objection, {
      villageId,
      month,
      evaluationId: posted.id,
      revision: posted.revision,
      villagerId,
      filedBy: caller.id,
      filedByName: dto.filedByName ?? null,
      consentNote: dto.consentNote ?? null,
      deedId: dto.deedId ?? null,
      text: dto.text,
      status: 'open',
      resolution: null,
      resolvedBy: null,
      resolvedAt: null,
      createdAt: new Date(),
    });
    const saved = await em.save(objection);
    await this.auditTrail.record(ctx, {
      action: 'objection.file',
      entityType: 'objection',
      entityId: saved.id,
      villageId,
      after: saved,
    });
    await this.notices.post(
      em,
      { cadres: villageId },
      {
        kind: 'objection.filed',
        title: `${monthLabel(month)}评比有新的异议`,
        body: dto.text,
        link: `/cadre/lists/${month}`,
      },
    );
    return saved;
  }

  /** The village's cadres and admins see all of the month's objections; a villager their own. */
  async list(
    caller: Caller,
    villageId: number,
    month: string,
    q: ObjectionListQueryDto,
  ): Promise<Page<ObjectionItemDto>> {
    assertVillageAccess(caller, villageId);
    const mine = caller.role === 'villager';
    const [items, total] = await this.objections.findAndCount({
      where: mine
        ? [
            defined({ villageId, month, status: q.status, villagerId: caller.villagerId ?? -1 }),
            defined({ villageId, month, status: q.status, filedBy: caller.id }),
          ]
        : defined({ villageId, month, status: q.status }),
      order: { id: 'DESC' },
      ...skipTake(q),
    });
    const filers = await displayNamesById(
      this.objections.manager,
      items.map((o) => o.filedBy),
    );
    const named = items.map((o) => ({
      ...o,
      filerName: o.filedByName ?? filers.get(o.filedBy) ?? '',
    }));
    return pageOf(named, total, q);
  }

  resolve(caller: Caller, id: number, dto: ObjectionResolveDto): Promise<Objection> {
    return this.tx.run((em) => this.resolveIn(ctxOf(em, caller), id, dto));
  }

  /** open → dismissed | upheld, once: the flip is a conditional UPDATE (a second is 409). */
  async resolveIn(ctx: Ctx, id: number, dto: ObjectionResolveDto): Promise<Objection> {
    const { em, caller } = ctx;
    const objection = await em.findOneBy(
      Objection,
      defined({ id, villageId: whereVillage(readableVillages(caller)) }),
    );
    if (!objection) throw notFound('Objection');
    const resolved = {
      status: dto.outcome,
      resolution: dto.reason,
      resolvedBy: caller.id,
      resolvedAt: new Date(),
    };
    const { affected } = await em.update(Objection, { id, status: 'open' }, resolved);
    if (affected !== 1) {
      throw refuse('ALREADY_RESOLVED', '该异议已处理 (this objection is already resolved)');
    }
    const after = { ...objection, ...resolved };
    await this.auditTrail.record(ctx, {
      action: 'objection.resolve',
      entityType: 'objection',
      entityId: id,
      villageId: objection.villageId,
      before: objection,
      after,
      reason: dto.reason,
    });
    if (objection.villagerId !== null) {
      await this.notices.post(
        em,
        { villager: objection.villagerId },
        {
          kind: 'objection.decided',
          title: `您对${monthLabel(objection.month)}评比的异议已处理`,
          body: `${dto.outcome === 'upheld' ? '异议成立，榜单将更正' : '异议不成立'}：${dto.reason}`,
          link: '/villager/objection',
        },
      );
    }
    return after;
  }
}
