import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, Repository } from 'typeorm';
import type { Caller } from '../common/auth.decorators';
import { displayNamesById } from '../auth/display-name';
import { forbidden } from '../common/errors';
import { pageOf, skipTake, type Page } from '../common/pagination';
import type { Ctx } from '../common/request-context';
import { readsDistrict, villagesToList } from '../common/scope';
import { EntityRows } from '../db/entity-rows';
import { maskBirthDate, maskIdNumber } from '../villagers/id-number';
import { AuditEvent, type AuditEntityType } from './audit-event.entity';
import type { AuditEventItemDto, AuditListQueryDto } from './audit.dto';

export interface AuditChange {
  action: string;
  entityType: AuditEntityType;
  entityId: number;
  villageId: number | null;
  /** The record before the change (null: created) and after it (null: removed). */
  before?: object | null;
  after?: object | null;
  reason?: string | null;
}

/** Never in the trail: secrets and what only serves the machinery. */
const HIDDEN = new Set([
  'passwordHash',
  'password',
  'tokenHash',
  'requestHash',
  'tokenVersion',
  'mfaSecret',
  'mfaPendingSecret',
  'mfaLastStep',
  'codeHash',
]);
/** Bookkeeping every row has; the event itself says who and when. */
const SKIPPED = new Set(['id', 'createdAt', 'updatedAt']);

/** The access log's actions (docs/security.md). */
export type AccessAction =
  | 'auth.login'
  | 'auth.login_failed'
  | 'auth.logout'
  | 'auth.password_changed'
  | 'auth.mfa_enabled'
  | 'export.download';

/** Field → [before, after] for the fields that differ; ID numbers and birth dates masked, secrets left out. */
export function diff(
  before: object | null,
  after: object | null,
): Record<string, [unknown, unknown]> {
  const b = (before ?? {}) as Record<string, unknown>;
  const a = (after ?? {}) as Record<string, unknown>;
  const changes: Record<string, [unknown, unknown]> = {};
  for (const key of new Set([...Object.keys(b), ...Object.keys(a)])) {
    if (SKIPPED.has(key) || HIDDEN.has(key)) continue;
    const [from, to] = [b[key] ?? null, a[key] ?? null].map((v) =>
      typeof v !== 'string'
        ? toJson(v)
        : key === 'idNumber'
          ? maskIdNumber(v)
          : key === 'birthDate'
            ? maskBirthDate(v)
            : v,
    );
    if (JSON.stringify(from) !== JSON.stringify(to)) changes[key] = [from, to];
  }
  if (b.passwordHash !== a.passwordHash && (before || a.passwordHash !== undefined)) {
    changes.password = [null, '（已更改）'];
  }
  return changes;
}

const toJson = (v: unknown) => (v instanceof Date ? v.toISOString() : v);

/**
 * The audit trail (docs/product.md): one append-only event per record changed, written by the inner
 * half of every write in the same transaction, so a change and its trace commit or fail together.
 */
@Injectable()
export class AuditService {
  constructor(
    @InjectRepository(AuditEvent) private readonly events: Repository<AuditEvent>,
    private readonly rows: EntityRows,
  ) {}

  async record(ctx: Ctx, change: AuditChange): Promise<void> {
    const event = ctx.em.create(AuditEvent, {
      at: new Date(),
      actorId: ctx.caller.id,
      role: ctx.caller.role,
      action: change.action,
      entityType: change.entityType,
      entityId: change.entityId,
      villageId: change.villageId,
      changes: diff(change.before ?? null, change.after ?? null),
      reason: change.reason?.slice(0, 500) ?? null,
      requestId: ctx.requestId,
    });
    await this.rows.insertRow(ctx.em, AuditEvent, event);
  }

  /**
   * An access (docs/security.md, "The access log"): a login, a failed one, a logout, a password
   * changed, a file exported — who, from which address, what came of it; in the caller's
   * transaction (a refused login runs one for this row alone).
   */
  async access(
    em: EntityManager,
    event: {
      action: AccessAction;
      account: { id: number; role: string; villageId: number | null } | null;
      username: string;
      ip: string | null;
      outcome: string;
      requestId?: string | null;
      entityType?: AuditEntityType;
      details?: Record<string, unknown>;
    },
  ): Promise<void> {
    const row = {
      at: new Date(),
      actorId: event.account?.id ?? null,
      role: event.account?.role ?? null,
      action: event.action,
      entityType: event.entityType ?? 'user',
      entityId: event.entityType === 'export' ? 0 : (event.account?.id ?? 0),
      villageId: event.account?.villageId ?? null,
      changes: { username: event.username, ip: event.ip, outcome: event.outcome, ...event.details },
      reason: null,
      requestId: event.requestId ?? null,
    };
    await this.rows.insertRow(em, AuditEvent, row);
  }

  created(
    ctx: Ctx,
    entityType: AuditEntityType,
    entityId: number,
    villageId: number | null,
    after: object,
  ): Promise<void> {
    return this.record(ctx, {
      action: `${entityType}.create`,
      entityType,
      entityId,
      villageId,
      after,
    });
  }

  updated(
    ctx: Ctx,
    entityType: AuditEntityType,
    entityId: number,
    villageId: number | null,
    before: object,
    after: object,
    reason?: string | null,
  ): Promise<void> {
    return this.record(ctx, {
      action: `${entityType}.update`,
      entityType,
      entityId,
      villageId,
      before,
      after,
      reason,
    });
  }

  /**
   * Admins and auditors: the district; cadres: their village only; a town: its villages;
   * villagers: 403 (they see it per entry).
   */
  async list(caller: Caller, q: AuditListQueryDto): Promise<Page<AuditEventItemDto>> {
    if (!readsDistrict(caller) && caller.role !== 'cadre' && caller.role !== 'town') {
      throw forbidden('The audit trail is for administrators and village cadres');
    }
    const villages = villagesToList(caller, q.villageId);
    const qb = this.events
      .createQueryBuilder('e')
      .orderBy('e.id', 'DESC')
      .skip(skipTake(q).skip)
      .take(q.pageSize);
    if (villages !== 'all')
      qb.andWhere('e.villageId IN (:...villages)', { villages: [...villages, -1] });
    if (q.entityType) qb.andWhere('e.entityType = :entityType', { entityType: q.entityType });
    if (q.entityId !== undefined) qb.andWhere('e.entityId = :entityId', { entityId: q.entityId });
    if (q.actorId !== undefined) qb.andWhere('e.actorId = :actorId', { actorId: q.actorId });
    if (q.from) qb.andWhere('e.at >= :from', { from: new Date(q.from) });
    if (q.to) qb.andWhere('e.at < :to', { to: new Date(q.to) });
    const [items, total] = await qb.getManyAndCount();
    const actors = await displayNamesById(
      this.events.manager,
      items.map((e) => e.actorId),
    );
    const named = items.map((e) => ({
      ...e,
      actorName: e.actorId === null ? null : (actors.get(e.actorId) ?? null),
    }));
    return pageOf(named, total, q);
  }
}
