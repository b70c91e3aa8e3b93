import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { AuditEvent } from '../audit/audit-event.entity';
import { DISPLAY_NAME_SQL } from '../auth/display-name';
import { Dialect } from '../db/dialect';
import { EntityRows } from '../db/entity-rows';
import { Deed } from '../deeds/deed.entity';
import { LedgerEntry } from './ledger-entry.entity';

/** An event of the trail with the account that acted, by name (who recorded, who reviewed). */
export type TrailEvent = AuditEvent & { actorName: string | null };

/** An entry with what explains it: its deed (rule, description, evidence, photos) and the trail. */
export type ExplainedEntry = LedgerEntry & { deed: Deed | null; trail: TrailEvent[] };

/**
 * A villager's points history: a page of ledger entries, newest first, each with its deed and the
 * trail of audit events behind it. Plain SQL of fixed text (on SQLite each statement is prepared
 * once and reused): the page's deeds and trail are looked up by the page's ids, passed as one
 * parameter (`Dialect.idList`), so the page's ledger rows are read once, and the trail comes with
 * the acting accounts' names in one join. Through TypeORM's query builders this read cost more
 * CPU than a record-deed (docs/performance.md).
 */
@Injectable()
export class PointsHistoryQuery {
  /**
   * Count and page: `$1` the villager, `$2` the page size, `$3` the rows skipped. The page's
   * deeds: `$1` their ids (a condition for EntityRows.entities); the trail: `$1` the deeds',
   * `$2` the redemptions' ids.
   */
  private readonly sql: { count: string; entries: string; deedsOfPage: string; trail: string };

  constructor(
    private readonly dialect: Dialect,
    private readonly rows: EntityRows,
    dataSource: DataSource,
  ) {
    const em = dataSource.manager;
    this.sql = {
      count: 'SELECT COUNT(*) AS n FROM ledger_entries WHERE villager_id = $1',
      entries: `SELECT ${rows.columnsOf(em, LedgerEntry, 'ledger_entries')}
        FROM ledger_entries WHERE villager_id = $1 ORDER BY id DESC LIMIT $2 OFFSET $3`,
      deedsOfPage: `t.id IN ${dialect.idList('$1')}`,
      // one SELECT per kind of record, joined by UNION ALL: with an OR of the two, PostgreSQL
      // scanned every event of both kinds on the benchmark district instead of
      // looking up each record's events in the (entity_type, entity_id) index
      trail: (['deed', 'redemption'] as const)
        .map(
          (
            kind,
          ) => `SELECT ${rows.columnsOf(em, AuditEvent, 'a')}, ${DISPLAY_NAME_SQL('u')} AS actor_name
            FROM audit_events "a" LEFT JOIN users u ON u.id = "a".actor_id
            WHERE "a".entity_type = '${kind}' AND "a".entity_id IN ${dialect.idList(
              kind === 'deed' ? '$1' : '$2',
            )}`,
        )
        .join(' UNION ALL '),
    };
  }

  /** How many entries the villager has, and the page of them `skip`…`skip + take`. */
  async page(
    em: EntityManager,
    villagerId: number,
    skip: number,
    take: number,
  ): Promise<{ total: number; entries: ExplainedEntry[] }> {
    const [counted] = await this.dialect.select<{ n: number | string }>(em, this.sql.count, [
      villagerId,
    ]);
    const total = Number(counted.n);
    if (skip >= total) return { total, entries: [] };
    const entries = await this.dialect.select<Record<string, unknown>>(em, this.sql.entries, [
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
      ? await this.rows.entities(em, Deed, this.sql.deedsOfPage, [this.dialect.idsParam(deedIds)])
      : [];
    const deedById = new Map(deeds.map((d) => [d.id, d]));
    const events =
      deedIds.length || redemptionIds.length
        ? await this.dialect.select<Record<string, unknown>>(em, this.sql.trail, [
            this.dialect.idsParam(deedIds),
            this.dialect.idsParam(redemptionIds),
          ])
        : [];
    // oldest first within each trail
    events.sort((x, y) => Number(x.id) - Number(y.id));
    const trails = new Map<string, TrailEvent[]>();
    for (const row of events) {
      const event = this.rows.hydrate(em, AuditEvent, row);
      const key = `${event.entityType}:${event.entityId}`;
      const trail = trails.get(key) ?? [];
      trail.push({ ...event, actorName: (row.actor_name as string | null) ?? null });
      trails.set(key, trail);
    }
    return {
      total,
      entries: entries.map((row): ExplainedEntry => {
        const e = this.rows.hydrate(em, LedgerEntry, row);
        return {
          ...e,
          deed: e.deedId === null ? null : (deedById.get(e.deedId) ?? null),
          trail:
            trails.get(e.deedId !== null ? `deed:${e.deedId}` : `redemption:${e.redemptionId}`) ??
            [],
        };
      }),
    };
  }
}
