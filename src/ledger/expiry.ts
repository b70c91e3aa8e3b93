import { Inject, Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { addDays, monthsBefore, todayIn } from '../common/time';
import { localMidnight } from '../common/zoned-time';
import { APP_CONFIG, AppConfig } from '../config';
import { int, millis } from '../db/columns';
import { Deed } from '../deeds/deed.entity';
import { LedgerEntry } from './ledger-entry.entity';
import { PointsPolicy } from './points-policy.entity';

/** Days between a change of policy and the first expiry under it (docs/product.md). */
export const GRACE_DAYS = 30;
/** How many coming expiries a villager's points list (the soonest). */
const MAX_UPCOMING = 12;

/** Points that expire on a day: the last day they can be spent. */
export interface Expiring {
  on: string;
  points: number;
}

/**
 * What expires on a day under the policy: credits whose age is at most the cut, first in, first
 * out. `period` names the expiry (one per villager and period, src/ledger/points-policy.entity.ts).
 */
export interface ExpiryCut {
  period: string;
  /** By deed's `occurredOn` (expireAfterMonths) or by the day the points were posted (yearEnd). */
  ageBy: 'occurred' | 'posted';
  /** The last day of age that expires… */
  cutoffDate: string;
  /** …and the instant that day ends, for credits aged by posting. */
  cutoffEnd: Date;
}

/**
 * Points expiry (积分清零, docs/product.md "Yearly settlement"): which points expire and when.
 * Points are spent oldest first: everything taken from a villager (deductions, redemptions, earlier
 * expiries) is counted against their oldest credits. A revoked deed's award and its reversal cancel
 * and count for neither. So what is due on a day is the credits aged past the cut, less everything
 * taken, when positive — a figure that already counts earlier expiries, and so never expires the
 * same points twice.
 */
@Injectable()
export class ExpiryQuery {
  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  /** The policy in force (one row by its key; none is keep). */
  policy(em: EntityManager): Promise<PointsPolicy | null> {
    return em.findOneBy(PointsPolicy, { id: 1 });
  }

  /** The first local day a policy may expire anything. */
  effectiveFrom(policy: PointsPolicy): string {
    return addDays(todayIn(this.config.timeZone, new Date(policy.changedAt)), GRACE_DAYS);
  }

  /** What expires on `today`, or null: nothing (keep, within the grace, or no year end due). */
  cut(policy: PointsPolicy | null, today: string): ExpiryCut | null {
    if (!policy || policy.policy === 'keep') return null;
    const from = this.effectiveFrom(policy);
    if (today < from) return null;
    const endOf = (date: string) => localMidnight(addDays(date, 1), this.config.timeZone);
    if (policy.policy === 'expireAfterMonths') {
      const cutoffDate = monthsBefore(today, policy.months ?? 12);
      return { period: `D${today}`, ageBy: 'occurred', cutoffDate, cutoffEnd: endOf(cutoffDate) };
    }
    // yearEnd: last year's credits, if its end came after the grace
    const year = Number(today.slice(0, 4)) - 1;
    if (`${year + 1}-01-01` < from) return null;
    const cutoffDate = `${year}-12-31`;
    return { period: `Y${year}`, ageBy: 'posted', cutoffDate, cutoffEnd: endOf(cutoffDate) };
  }

  /**
   * Points due to expire under `cut`, by villager, for one village's villagers or one villager:
   * one grouped read of their entries. Only villagers with something due are answered.
   */
  async due(
    em: EntityManager,
    of: { villageId: number } | { villagerId: number },
    cut: ExpiryCut,
  ): Promise<Map<number, number>> {
    const aged =
      cut.ageBy === 'occurred'
        ? "((e.kind = 'deed' AND d.occurredOn <= :cutoffDate) OR (e.kind <> 'deed' AND e.createdAt < :cutoffEnd))"
        : 'e.createdAt < :cutoffEnd';
    const qb = em
      .createQueryBuilder(LedgerEntry, 'e')
      .leftJoin(Deed, 'd', 'd.id = e.deedId')
      .select('e.villagerId', 'villagerId')
      .addSelect(`SUM(CASE WHEN e.delta > 0 AND ${aged} THEN e.delta ELSE 0 END)`, 'aged')
      .addSelect('SUM(CASE WHEN e.delta < 0 THEN -e.delta ELSE 0 END)', 'taken')
      .where("(d.id IS NULL OR d.status <> 'revoked')")
      .setParameters({ cutoffDate: cut.cutoffDate, cutoffEnd: cut.cutoffEnd })
      .groupBy('e.villagerId');
    if ('villageId' in of) qb.andWhere('e.villageId = :villageId', of);
    else qb.andWhere('e.villagerId = :villagerId', of);
    const rows = await qb.getRawMany<{ villagerId: unknown; aged: unknown; taken: unknown }>();
    const due = new Map<number, number>();
    for (const r of rows) {
      const points = int(r.aged) - int(r.taken);
      if (points > 0) due.set(int(r.villagerId), points);
    }
    return due;
  }

  /**
   * Villagers' coming expiries under the policy in force, soonest first, by villager: the credits
   * left after everything taken (oldest first), grouped by the last day they can be spent. The
   * policy is read once; under keep nothing else is, and otherwise one read of their entries.
   */
  async upcoming(em: EntityManager, villagerIds: number[]): Promise<Map<number, Expiring[]>> {
    const answer = new Map<number, Expiring[]>(villagerIds.map((id) => [id, []]));
    if (!villagerIds.length) return answer;
    const policy = await this.policy(em);
    if (!policy || policy.policy === 'keep') return answer;
    const rows = await em
      .createQueryBuilder(LedgerEntry, 'e')
      .leftJoin(Deed, 'd', 'd.id = e.deedId')
      .select('e.villagerId', 'villagerId')
      .addSelect('e.delta', 'delta')
      .addSelect('e.kind', 'kind')
      .addSelect('e.createdAt', 'createdAt')
      .addSelect('CAST(d.occurredOn AS varchar(10))', 'occurredOn')
      .where('e.villagerId IN (:...villagerIds)', { villagerIds })
      .andWhere("(d.id IS NULL OR d.status <> 'revoked')")
      .getRawMany<{
        villagerId: unknown;
        delta: unknown;
        kind: string;
        createdAt: Date | string;
        occurredOn: unknown;
      }>();
    const tz = this.config.timeZone;
    const posted = (at: Date | string) => todayIn(tz, new Date(millis(at)));
    const accounts = new Map<number, { taken: number; credits: { age: string; points: number }[] }>(
      villagerIds.map((id) => [id, { taken: 0, credits: [] }]),
    );
    for (const r of rows) {
      const account = accounts.get(int(r.villagerId))!;
      const delta = int(r.delta);
      if (delta < 0) account.taken -= delta;
      else if (delta > 0) {
        const age =
          policy.policy === 'expireAfterMonths' && r.kind === 'deed' && r.occurredOn
            ? String(r.occurredOn)
            : posted(r.createdAt);
        account.credits.push({ age, points: delta });
      }
    }
    const today = todayIn(tz);
    const from = this.effectiveFrom(policy);
    for (const [id, { credits, taken }] of accounts) {
      credits.sort((a, b) => (a.age < b.age ? -1 : a.age > b.age ? 1 : 0));
      let left = taken;
      const byDay = new Map<string, number>();
      for (const credit of credits) {
        const used = Math.min(left, credit.points);
        left -= used;
        if (used === credit.points) continue;
        const on = this.lastDay(policy, credit.age, from, today);
        byDay.set(on, (byDay.get(on) ?? 0) + credit.points - used);
      }
      answer.set(
        id,
        [...byDay]
          .sort(([a], [b]) => (a < b ? -1 : 1))
          .slice(0, MAX_UPCOMING)
          .map(([on, points]) => ({ on, points })),
      );
    }
    return answer;
  }

  /** The last day points of `age` can be spent: never before the grace ends, nor before today. */
  private lastDay(policy: PointsPolicy, age: string, from: string, today: string): string {
    let on: string;
    if (policy.policy === 'expireAfterMonths') {
      on = addDays(monthsBefore(age, -(policy.months ?? 12)), -1);
      if (on < addDays(from, -1)) on = addDays(from, -1);
    } else {
      // the end of the credit's year, or of the first year that ends after the grace
      let year = Number(age.slice(0, 4));
      while (`${year + 1}-01-01` < from) year++;
      on = `${year}-12-31`;
    }
    return on < today ? today : on;
  }
}
