import {
  BadRequestException,
  Inject,
  Injectable,
  OnModuleDestroy,
  OnModuleInit,
} from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import type { Caller } from '../common/auth.decorators';
import { repeat } from '../common/housekeeping';
import { ctxOf } from '../common/request-context';
import { todayIn } from '../common/time';
import { APP_CONFIG, AppConfig } from '../config';
import { Tx } from '../db/transaction';
import { ExpiryQuery, type ExpiryCut } from '../ledger/expiry';
import { LedgerService } from '../ledger/ledger.service';
import { PointsExpiry, PointsPolicy } from '../ledger/points-policy.entity';
import { Village } from '../villages/village.entity';
import type { ExpiryRunDto, PointsPolicyDto, PointsPolicyUpdateDto } from './settlement.dto';

/** How often an instance asks whether today's expiry has been swept (a one-row UPDATE). */
const CHECK_EVERY_MS = 10 * 60_000;

/**
 * 积分清零 (docs/product.md, "Yearly settlement"): the district's policy and the expiry it posts.
 * Each instance checks every few minutes; the first to claim the day sweeps it. Every villager's
 * expiry is its own transaction under the villager's lock, with a guard row per villager and
 * period, so a run started twice, by two instances or by hand, posts each expiry once, and a
 * redemption at the same moment either goes first (and is counted) or waits.
 */
@Injectable()
export class SettlementService implements OnModuleInit, OnModuleDestroy {
  private stop?: () => void;

  constructor(
    private readonly tx: Tx,
    private readonly expiry: ExpiryQuery,
    private readonly ledger: LedgerService,
    private readonly audit: AuditService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    this.stop = repeat('points expiry', CHECK_EVERY_MS, () => this.scheduled());
  }

  onModuleDestroy(): void {
    this.stop?.();
  }

  get(): Promise<PointsPolicyDto> {
    return this.tx.read(async (em) => this.answer(await this.expiry.policy(em)));
  }

  update(caller: Caller, dto: PointsPolicyUpdateDto): Promise<PointsPolicyDto> {
    if (dto.policy === 'expireAfterMonths' && dto.months === undefined) {
      throw new BadRequestException('months is required with expireAfterMonths');
    }
    if (dto.policy !== 'expireAfterMonths' && dto.months !== undefined) {
      throw new BadRequestException(`months does not apply to ${dto.policy}`);
    }
    return this.tx.run(async (em) => {
      const before = await this.expiry.policy(em);
      const months = dto.months ?? null;
      // the same policy again starts no new grace period
      if (before && before.policy === dto.policy && before.months === months) {
        return this.answer(before);
      }
      const after = em.create(PointsPolicy, {
        id: 1,
        policy: dto.policy,
        months,
        changedAt: new Date(),
        changedBy: caller.id,
        lastRunOn: before?.lastRunOn ?? null,
      });
      await em.save(after);
      await this.audit.record(ctxOf(em, caller), {
        action: 'settings.update',
        entityType: 'settings',
        entityId: 1,
        villageId: null,
        before: before ? { policy: before.policy, months: before.months } : { policy: 'keep' },
        after: { policy: after.policy, months: after.months },
      });
      return this.answer(after);
    });
  }

  /** Runs today's expiry now (an administrator), whether or not an instance swept today. */
  run(caller: Caller): Promise<ExpiryRunDto> {
    return this.runOn(todayIn(this.config.timeZone), caller);
  }

  /** The expiry due on a local day (YYYY-MM-DD), posted by `actor`. */
  async runOn(today: string, actor: Caller): Promise<ExpiryRunDto> {
    const policy = await this.tx.read((em) => this.expiry.policy(em));
    return this.sweep(policy, actor, today);
  }

  /** The daily run: the first instance to claim the day sweeps it, as the policy's author. */
  async scheduled(): Promise<ExpiryRunDto | null> {
    const today = todayIn(this.config.timeZone);
    const claimed = await this.tx.run(async (em) => {
      const { affected } = await em
        .createQueryBuilder()
        .update(PointsPolicy)
        .set({ lastRunOn: today })
        .where("id = 1 AND policy <> 'keep' AND (last_run_on IS NULL OR last_run_on < :today)", {
          today,
        })
        .execute();
      return affected === 1 ? this.expiry.policy(em) : null;
    });
    if (!claimed) return null;
    const actor: Caller = {
      id: claimed.changedBy,
      username: 'points-expiry',
      role: 'admin',
      villageId: null,
      storeId: null,
      villagerId: null,
    };
    return this.sweep(claimed, actor, today);
  }

  private async sweep(
    policy: PointsPolicy | null,
    actor: Caller,
    today: string,
  ): Promise<ExpiryRunDto> {
    const cut = this.expiry.cut(policy, today);
    if (!cut) return { period: null, villagers: 0, points: 0 };
    const result = { period: cut.period, villagers: 0, points: 0 };
    const villages = await this.tx.read((em) => em.find(Village, { select: { id: true } }));
    for (const { id } of villages) {
      const candidates = await this.tx.read((em) => this.expiry.due(em, { villageId: id }, cut));
      for (const villagerId of candidates.keys()) {
        const points = await this.tx.run((em) => this.expireOne(em, actor, villagerId, cut));
        if (points > 0) {
          result.villagers++;
          result.points += points;
        }
      }
    }
    return result;
  }

  /** One villager's expiry for the period, at most once: answers the points expired. */
  private async expireOne(
    em: EntityManager,
    actor: Caller,
    villagerId: number,
    cut: ExpiryCut,
  ): Promise<number> {
    const ctx = ctxOf(em, actor);
    const villager = await this.ledger.lock(ctx, villagerId);
    // under the villager's lock: no other expiry of theirs is running, no redemption either
    if (await em.existsBy(PointsExpiry, { villagerId, period: cut.period })) return 0;
    const points = (await this.expiry.due(em, { villagerId }, cut)).get(villagerId) ?? 0;
    const entry =
      points > 0
        ? await this.ledger.debit(
            ctx,
            { villagerId, kind: 'expiry', note: expiryNote(cut) },
            points,
          )
        : null;
    await em.insert(PointsExpiry, {
      villagerId,
      period: cut.period,
      points,
      entryId: entry?.id ?? null,
      createdAt: new Date(),
    });
    if (entry) {
      await this.audit.record(ctx, {
        action: 'villager.expire',
        entityType: 'villager',
        entityId: villagerId,
        villageId: villager.villageId,
        after: { points, period: cut.period },
      });
    }
    return points;
  }

  private answer(policy: PointsPolicy | null): PointsPolicyDto {
    if (!policy) return { policy: 'keep', months: null, changedAt: null, effectiveFrom: null };
    return {
      policy: policy.policy,
      months: policy.months,
      changedAt: policy.changedAt,
      effectiveFrom: policy.policy === 'keep' ? null : this.expiry.effectiveFrom(policy),
    };
  }
}

/** The reason an expiry entry shows in a villager's history. */
function expiryNote(cut: ExpiryCut): string {
  const [y, m, d] = cut.cutoffDate.split('-').map(Number);
  return cut.ageBy === 'posted'
    ? `${y}年度积分年终清零`
    : `积分到期清零（${y}年${m}月${d}日及以前所得）`;
}
