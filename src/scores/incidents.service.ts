import { BadRequestException, Inject, Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import type { Caller } from '../common/auth.decorators';
import { notFound, refuse } from '../common/errors';
import { ctxOf, type Ctx } from '../common/request-context';
import { assertVillageAccess } from '../common/scope';
import { isCalendarDate, todayIn } from '../common/time';
import { APP_CONFIG, AppConfig } from '../config';
import { Tx } from '../db/transaction';
import { Village } from '../villages/village.entity';
import { Incident } from './incident.entity';
import type { IncidentCreateDto, IncidentRevokeDto } from './scores.dto';

/**
 * The town's record of broken "zeros" (docs/product.md, "Village scores (积分换项目)"): recorded and
 * revoked by the town (its own villages) or an admin, read by them and the auditor. They lower
 * the village's quarterly score and nobody's points: nothing here touches the ledger.
 */
@Injectable()
export class IncidentsService {
  constructor(
    private readonly tx: Tx,
    private readonly audit: AuditService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** Newest first (by the day it happened), revoked ones included. */
  list(caller: Caller, villageId: number): Promise<Incident[]> {
    return this.tx.read(async (em) => {
      await this.village(em, caller, villageId);
      return em.find(Incident, { where: { villageId }, order: { occurredOn: 'DESC', id: 'DESC' } });
    });
  }

  create(caller: Caller, villageId: number, dto: IncidentCreateDto): Promise<Incident> {
    return this.tx.run((em) => this.createIn(ctxOf(em, caller), villageId, dto));
  }

  async createIn(ctx: Ctx, villageId: number, dto: IncidentCreateDto): Promise<Incident> {
    const { em, caller } = ctx;
    if (!isCalendarDate(dto.occurredOn)) {
      throw new BadRequestException('occurredOn must be a calendar date YYYY-MM-DD');
    }
    if (dto.occurredOn > todayIn(this.config.timeZone)) {
      throw new BadRequestException('occurredOn must not be in the future');
    }
    await this.village(em, caller, villageId);
    const incident = await em.save(
      em.create(Incident, {
        villageId,
        kind: dto.kind,
        occurredOn: dto.occurredOn,
        description: dto.description,
        recordedBy: caller.id,
        recordedAt: new Date(),
        revokedBy: null,
        revokedAt: null,
        revokeReason: null,
      }),
    );
    await this.audit.created(ctx, 'incident', incident.id, villageId, incident);
    return incident;
  }

  revoke(caller: Caller, villageId: number, id: number, dto: IncidentRevokeDto): Promise<Incident> {
    return this.tx.run((em) => this.revokeIn(ctxOf(em, caller), villageId, id, dto));
  }

  /** One conditional update: of two revokes at once, one wins and the other is refused. */
  async revokeIn(
    ctx: Ctx,
    villageId: number,
    id: number,
    dto: IncidentRevokeDto,
  ): Promise<Incident> {
    const { em, caller } = ctx;
    await this.village(em, caller, villageId);
    const before = await em.findOneBy(Incident, { id, villageId });
    if (!before) throw notFound('Incident');
    const result = await em
      .createQueryBuilder()
      .update(Incident)
      .set({ revokedAt: new Date(), revokedBy: caller.id, revokeReason: dto.reason })
      .where('id = :id AND revoked_at IS NULL', { id })
      .execute();
    if (!result.affected) {
      throw refuse('INVALID_TRANSITION', '这件事已经撤销过了 (the incident was revoked already)');
    }
    const after = await em.findOneByOrFail(Incident, { id });
    await this.audit.record(ctx, {
      action: 'incident.revoke',
      entityType: 'incident',
      entityId: id,
      villageId,
      before,
      after,
      reason: dto.reason,
    });
    return after;
  }

  /** 403 for a village the caller does not reach (a town: another town's), 404 for none. */
  private async village(em: EntityManager, caller: Caller, villageId: number): Promise<Village> {
    assertVillageAccess(caller, villageId);
    const village = await em.findOneBy(Village, { id: villageId });
    if (!village) throw notFound('Village');
    return village;
  }
}
