import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { AuditEvent } from '../audit/audit-event.entity';
import type { Caller } from '../common/auth.decorators';
import { notFound, refuse } from '../common/errors';
import { pageOf, skipTake, type Page, type PageQueryDto } from '../common/pagination';
import type { Ctx } from '../common/request-context';
import { Dialect } from '../db/dialect';
import { Deed } from '../deeds/deed.entity';
import { Tx } from '../db/transaction';
import { Villager } from '../villagers/villager.entity';
import { VillagersService } from '../villagers/villagers.service';
import { LedgerEntry, type LedgerKind } from './ledger-entry.entity';

/** What an entry is for; the amount and who acts come separately. */
export interface EntrySource {
  villagerId: number;
  kind: LedgerKind;
  deedId?: number;
  redemptionId?: number;
  note?: string;
}

export interface PointsResponse {
  villagerId: number;
  balance: number;
  entries: Page<ExplainedEntry>;
}

/** An event of the trail with the account that acted, by name (who recorded, who reviewed). */
export type TrailEvent = AuditEvent & { actorName: string | null };

/** An entry with what explains it: its deed (rule, description, evidence, photos) and the trail. */
export type ExplainedEntry = LedgerEntry & { deed: Deed | null; trail: TrailEvent[] };

/** Points fit in the database's 32-bit integer columns on either side of zero. */
const MAX_POINTS = 2_147_483_647;

/**
 * The villager's points account: the one owner of `villagers.balance` and of the ledger. Every
 * change is an appended entry and the cached balance moved by the same amount, in the caller's
 * transaction, so the balance always equals the sum of the entries.
 */
@Injectable()
export class LedgerService {
  constructor(
    private readonly villagers: VillagersService,
    private readonly dialect: Dialect,
    private readonly tx: Tx,
    dataSource: DataSource,
  ) {
    this.history = this.historySql(dataSource.manager);
  }

  /**
   * Locks the villager's account until the transaction ends, so checks such as a rule's monthly
   * cap cannot race; answers the villager as locked.
   */
  async lock(em: EntityManager, villagerId: number): Promise<Villager> {
    // plain SQL: a query builder per call was a measured part of the hot writes
    const [row] = await this.dialect.lockedRows<{
      id: number;
      village_id: number;
      status: Villager['status'];
      balance: number;
    }>(em, 'SELECT id, village_id, status, balance FROM villagers WHERE id = $1', [villagerId]);
    if (!row) throw notFound('Villager');
    return em.create(Villager, {
      id: Number(row.id),
      villageId: Number(row.village_id),
      status: row.status,
      balance: Number(row.balance),
    });
  }

  /**
   * Posts `delta` whatever the balance: an award, a deduction, a reversal, a refund. The balance
   * may go below zero (a deduction, or revoking points already spent).
   */
  async credit(ctx: Ctx, source: EntrySource, delta: number): Promise<LedgerEntry> {
    if (!Number.isSafeInteger(delta) || delta === 0) {
      throw new Error(`ledger delta must be a non-zero integer: ${delta}`);
    }
    const moved = await this.move(
      ctx.em,
      'UPDATE villagers SET balance = balance + $1 WHERE id = $2 AND balance >= $3 AND balance <= $4',
      [
        delta,
        source.villagerId,
        delta < 0 ? -MAX_POINTS - delta : -MAX_POINTS,
        MAX_POINTS - Math.max(delta, 0),
      ],
    );
    if (!moved) {
      if (await ctx.em.existsBy(Villager, { id: source.villagerId })) {
        throw refuse(
          'BALANCE_LIMIT',
          '积分超出可记录的范围 (the balance would leave the integer range)',
        );
      }
      throw notFound('Villager');
    }
    return this.append(ctx, source, delta, moved);
  }

  /**
   * Takes `amount` (> 0) only if the balance covers it: the condition is in the UPDATE itself
   * (`balance >= amount`, which cannot overflow), so concurrent debits cannot overdraw
   * (409 INSUFFICIENT_POINTS).
   */
  async debit(ctx: Ctx, source: EntrySource, amount: number): Promise<LedgerEntry> {
    if (!Number.isSafeInteger(amount) || amount <= 0) {
      throw new Error(`ledger debit must be a positive integer: ${amount}`);
    }
    const moved =
      amount <= MAX_POINTS
        ? await this.move(
            ctx.em,
            'UPDATE villagers SET balance = balance - $1 WHERE id = $2 AND balance >= $3',
            [amount, source.villagerId, amount],
          )
        : undefined;
    if (!moved) {
      if (await ctx.em.existsBy(Villager, { id: source.villagerId })) {
        throw refuse('INSUFFICIENT_POINTS', '积分余额不足 (not enough points)');
      }
      throw notFound('Villager');
    }
    return this.append(ctx, source, -amount, moved);
  }

  /**
   * Balance (one row) and the entries newest first, for the villager, their village's cadre or an
   * admin, each entry with its deed and the trail behind it (docs/product.md).
   *
   * Plain SQL of fixed text (on SQLite each statement is prepared once and reused): the page's
   * deeds and trail are looked up by the page's ids, passed as one parameter (`Dialect.idList`),
   * and the trail comes with the acting accounts' names in one join. Through TypeORM's query
   * builders this read cost more CPU than a record-deed (docs/performance.md).
   */
  points(caller: Caller, villagerId: number, q: PageQueryDto): Promise<PointsResponse> {
    const { skip, take } = skipTake(q);
    // One snapshot: the balance and the entries agree even while a deed commits in between.
    return this.tx.read(async (em) => {
      const { balance } = await this.villagers.findScoped(em, caller, villagerId);
      const [counted] = await this.dialect.select<{ n: number | string }>(em, this.history.count, [
        villagerId,
      ]);
      const total = Number(counted.n);
      if (skip >= total) return { villagerId, balance, entries: pageOf([], total, q) };
      const entries = await this.dialect.select<Record<string, unknown>>(em, this.history.entries, [
        villagerId,
        take,
        skip,
      ]);
      const ids = (column: string) => [
        ...new Set(
          entries
            .map((row) => row[column])
            .filter((id) => id !== null)
            .map(Number),
        ),
      ];
      const deedIds = ids('deed_id');
      const redemptionIds = ids('redemption_id');
      const deeds = deedIds.length
        ? await this.dialect.entities(em, Deed, this.history.deedsOfPage, [
            this.dialect.idsParam(deedIds),
          ])
        : [];
      const deedById = new Map(deeds.map((d) => [d.id, d]));
      const events =
        deedIds.length || redemptionIds.length
          ? await this.dialect.select<Record<string, unknown>>(em, this.history.trail, [
              this.dialect.idsParam(deedIds),
              this.dialect.idsParam(redemptionIds),
            ])
          : [];
      // oldest first within each trail
      events.sort((x, y) => Number(x.id) - Number(y.id));
      const trails = new Map<string, TrailEvent[]>();
      for (const row of events) {
        const event = this.dialect.hydrate(em, AuditEvent, row);
        const key = `${event.entityType}:${event.entityId}`;
        const trail = trails.get(key) ?? [];
        trail.push({ ...event, actorName: (row.actor_name as string | null) ?? null });
        trails.set(key, trail);
      }
      const explained = entries.map((row): ExplainedEntry => {
        const e = this.dialect.hydrate(em, LedgerEntry, row);
        return {
          ...e,
          deed: e.deedId === null ? null : (deedById.get(e.deedId) ?? null),
          trail:
            trails.get(e.deedId !== null ? `deed:${e.deedId}` : `redemption:${e.redemptionId}`) ??
            [],
        };
      });
      return { villagerId, balance, entries: pageOf(explained, total, q) };
    });
  }

  /**
   * The history's statements. Count and page: `$1` the villager, `$2` the page size, `$3` the
   * rows skipped. The page's deeds: `$1` their ids; the trail: `$1` the deeds', `$2` the
   * redemptions' ids (`Dialect.idList`: fixed text, and the page's ledger rows read once).
   */
  private readonly history: { count: string; entries: string; deedsOfPage: string; trail: string };

  private historySql(em: EntityManager) {
    return {
      count: 'SELECT COUNT(*) AS n FROM ledger_entries WHERE villager_id = $1',
      entries: `SELECT ${this.dialect.columnsOf(em, LedgerEntry, 'ledger_entries')}
        FROM ledger_entries WHERE villager_id = $1 ORDER BY id DESC LIMIT $2 OFFSET $3`,
      // a condition for Dialect.entities on the deeds
      deedsOfPage: `t.id IN ${this.dialect.idList('$1')}`,
      // one SELECT per kind of record, joined by UNION ALL: with an OR of the two, PostgreSQL
      // scanned every event of both kinds on the benchmark district instead of
      // looking up each record's events in the (entity_type, entity_id) index
      trail: (['deed', 'redemption'] as const)
        .map(
          (kind) => `SELECT ${this.dialect.columnsOf(em, AuditEvent, 'a')}, u.username AS actor_name
            FROM audit_events "a" LEFT JOIN users u ON u.id = "a".actor_id
            WHERE "a".entity_type = '${kind}' AND "a".entity_id IN ${this.dialect.idList(
              kind === 'deed' ? '$1' : '$2',
            )}`,
        )
        .join(' UNION ALL '),
    };
  }

  /**
   * One conditional UPDATE … RETURNING: the new balance comes back from the row this transaction
   * now holds, so no second read is needed. undefined when no row matched.
   */
  private async move(
    em: EntityManager,
    update: string,
    params: number[],
  ): Promise<{ balance: number; villageId: number } | undefined> {
    const [row] = await this.dialect.returning<{ balance: number; village_id: number }>(
      em,
      `${update} RETURNING balance, village_id`,
      params,
    );
    return row && { balance: Number(row.balance), villageId: Number(row.village_id) };
  }

  private async append(
    ctx: Ctx,
    source: EntrySource,
    delta: number,
    moved: { balance: number; villageId: number },
  ): Promise<LedgerEntry> {
    const entry = ctx.em.create(LedgerEntry, {
      villagerId: source.villagerId,
      villageId: moved.villageId,
      delta,
      kind: source.kind,
      deedId: source.deedId ?? null,
      redemptionId: source.redemptionId ?? null,
      note: source.note ?? null,
      actorId: ctx.caller.id,
      balanceAfter: moved.balance,
      createdAt: new Date(),
    });
    // insert, not save: append-only rows need no change detection or reload
    await this.dialect.insertRow(ctx.em, LedgerEntry, entry);
    return entry;
  }
}
