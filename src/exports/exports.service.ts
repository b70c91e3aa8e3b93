import { BadRequestException, Inject, Injectable, StreamableFile } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Brackets, In, type DataSource, type EntityManager } from 'typeorm';
import { AuditEvent } from '../audit/audit-event.entity';
import { AuditService } from '../audit/audit.service';
import { displayNamesById } from '../auth/display-name';
import type { Caller } from '../common/auth.decorators';
import { forbidden, notFound } from '../common/errors';
import { assertVillageAccess, readsDistrict } from '../common/scope';
import { APP_CONFIG, type AppConfig } from '../config';
import { Tx } from '../db/transaction';
import type { PersonalDataDto } from './exports.dto';
import { Deed } from '../deeds/deed.entity';
import { monthLabel } from '../evaluations/board';
import { LedgerEntry, type LedgerKind } from '../ledger/ledger-entry.entity';
import { attachmentName } from '../roster/roster.service';
import { ROSTER_COLUMNS, STATUS_WORD_OF } from '../roster/roster-sheet';
import { Redemption, RedemptionItem } from '../store/redemption.entity';
import { Store } from '../store/store.entity';
import { maskIdNumber } from '../villagers/id-number';
import { Villager } from '../villagers/villager.entity';
import { toVillagerResponse, VillagersService } from '../villagers/villagers.service';
import { ActivitySignup } from '../activities/activity.entity';
import { Notice } from '../notices/notice.entity';
import { Objection } from '../evaluations/objection.entity';
import { Household, Village } from '../villages/village.entity';
import { localDateTime, monthInstants } from '../common/zoned-time';
import {
  CONTENT_TYPES,
  tableStream,
  type Cell,
  type ExportFormat,
  type TableColumn,
} from './table-stream';

/** Rows read per query: a page, never the whole month. */
export const EXPORT_PAGE = 1000;

export const VILLAGE_EXPORTS = ['roster', 'ledger'] as const;
export type VillageExport = (typeof VILLAGE_EXPORTS)[number];

const KIND_WORDS: Record<LedgerKind, string> = {
  deed: '记分',
  reversal: '撤销',
  redemption: '兑换',
  refund: '退还',
  adjustment: '调整',
  expiry: '清零',
};

const VILLAGE_COLUMN: TableColumn = { header: '村', width: 14 };

/**
 * 导出 (docs/product.md): the roster, a village's ledger for a month and a store's redemptions for a
 * month, as XLSX or CSV, scoped like the lists they come from, ID numbers masked. Rows are read
 * page by page (keyset on indexed columns) while the file streams out.
 */
@Injectable()
export class ExportsService {
  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly tx: Tx,
    private readonly audit: AuditService,
    private readonly villagers: VillagersService,
  ) {}

  /** Every export is in the access log: who took which file, from where (docs/security.md). */
  private logged(caller: Caller, ip: string | null, details: Record<string, unknown>) {
    return this.tx.run((em) =>
      this.audit.access(em, {
        action: 'export.download',
        entityType: 'export',
        account: caller,
        username: caller.username,
        ip,
        outcome: 'ok',
        requestId: caller.requestId,
        details,
      }),
    );
  }

  /** A village's roster or ledger (admin: any village; cadre: their own). */
  async village(
    caller: Caller,
    villageId: number,
    kind: VillageExport,
    q: { month?: string; format?: ExportFormat },
    ip: string | null = null,
  ): Promise<StreamableFile> {
    assertVillageAccess(caller, villageId);
    const village = await this.ds.manager.findOneBy(Village, { id: villageId });
    if (!village) throw notFound('Village');
    const em = await this.tx.readerManager();
    const file = this.villages(em, kind, [village], q, village.name, village.code);
    await this.logged(caller, ip, {
      kind,
      villageId,
      month: q.month ?? null,
      format: q.format ?? 'xlsx',
    });
    return file;
  }

  /** The whole district (admin): one table, village by village. */
  async district(
    caller: Caller,
    kind: VillageExport,
    q: { month?: string; format?: ExportFormat },
    ip: string | null = null,
  ): Promise<StreamableFile> {
    if (!readsDistrict(caller)) throw forbidden('District exports are for administrators');
    const villages = await this.ds.manager.find(Village, { order: { id: 'ASC' } });
    const em = await this.tx.readerManager();
    const file = this.villages(em, kind, villages, q, '全区', 'district');
    await this.logged(caller, ip, {
      kind,
      villageId: null,
      month: q.month ?? null,
      format: q.format ?? 'xlsx',
    });
    return file;
  }

  /** A store's redemptions for a month (admin: any store; shopkeeper: their own). */
  async redemptions(
    caller: Caller,
    storeId: number,
    q: { month?: string; format?: ExportFormat },
    ip: string | null = null,
  ): Promise<StreamableFile> {
    if (caller.role === 'shopkeeper' && caller.storeId !== storeId) {
      throw forbidden('You may only export your own store');
    }
    const month = requireMonth(q.month);
    const store = await this.ds.manager.findOneBy(Store, { id: storeId });
    if (!store) throw notFound('Store');
    const format = q.format ?? 'xlsx';
    const em = await this.tx.readerManager();
    const columns: TableColumn[] = [
      { header: '时间', width: 18 },
      { header: '单号', width: 8 },
      VILLAGE_COLUMN,
      { header: '姓名', width: 12 },
      { header: '商品', width: 36 },
      { header: '积分', width: 8 },
      { header: '状态', width: 8 },
      { header: '操作人', width: 12 },
      { header: '取消原因', width: 24 },
    ];
    const file = this.file(
      format,
      tableStream(format, '兑换记录', columns, this.redemptionPages(em, storeId, month)),
      `redemptions-${storeId}-${month}`,
      `${store.name}${monthLabel(month)}兑换记录`,
    );
    await this.logged(caller, ip, { kind: 'redemptions', storeId, month, format });
    return file;
  }

  /**
   * Everything held about one villager (docs/product.md, "A villager's rights"): the profile as
   * answers show it (ID number masked), the household, every ledger entry, deed, redemption with
   * its goods, and objection. The villager for themselves; a cadre of the village, an admin.
   */
  async personalData(
    caller: Caller,
    villagerId: number,
    ip: string | null = null,
  ): Promise<PersonalDataDto> {
    const em = this.ds.manager;
    const villager = await this.villagers.findScoped(em, caller, villagerId);
    const household =
      villager.householdId === null
        ? null
        : await em.findOneBy(Household, { id: villager.householdId });
    const redemptions = await em.find(Redemption, {
      where: { villagerId },
      order: { id: 'ASC' },
    });
    const items = redemptions.length
      ? await em.find(RedemptionItem, {
          where: { redemptionId: In(redemptions.map((r) => r.id)) },
          order: { id: 'ASC' },
        })
      : [];
    const data = {
      exportedAt: new Date(),
      profile: toVillagerResponse(villager),
      household: household && {
        householdNo: household.householdNo,
        headName: household.headName,
        group: household.group,
      },
      entries: await em.find(LedgerEntry, { where: { villagerId }, order: { id: 'ASC' } }),
      deeds: await em.find(Deed, { where: { villagerId }, order: { id: 'ASC' } }),
      redemptions: redemptions.map(({ idempotencyKey: _key, requestHash: _hash, ...r }) => ({
        ...r,
        items: items.filter((i) => i.redemptionId === r.id),
      })),
      objections: await em.find(Objection, { where: { villagerId }, order: { id: 'ASC' } }),
      activitySignups: await em.find(ActivitySignup, {
        where: { villagerId },
        order: { id: 'ASC' },
      }),
      notices: await em.find(Notice, {
        where: { villagerId, audience: 'villager' },
        order: { id: 'ASC' },
      }),
    };
    await this.logged(caller, ip, { kind: 'personal_data', villagerId });
    return data;
  }

  /**
   * The audit trail between two instants (admin), oldest first, for an assessor: time, who, what,
   * which record, the changes as JSON, the reason, the request. Itself in the access log.
   */
  async auditTrail(
    caller: Caller,
    q: { from?: string; to?: string; format?: ExportFormat },
    ip: string | null = null,
  ): Promise<StreamableFile> {
    if (!readsDistrict(caller)) {
      throw forbidden('The audit trail export is for administrators and auditors');
    }
    if (!q.from || !q.to) throw new BadRequestException('from and to are required (ISO 8601)');
    const [from, to] = [new Date(q.from), new Date(q.to)];
    const format = q.format ?? 'xlsx';
    const em = await this.tx.readerManager();
    const columns: TableColumn[] = [
      { header: '时间', width: 18 },
      { header: '角色', width: 10 },
      { header: '操作人', width: 12 },
      { header: '操作', width: 20 },
      { header: '记录', width: 14 },
      { header: '村', width: 8 },
      { header: '内容', width: 60 },
      { header: '理由', width: 24 },
      { header: '请求', width: 36 },
    ];
    const file = this.file(
      format,
      tableStream(format, '操作记录', columns, this.auditPages(em, from, to)),
      `audit-${q.from.slice(0, 10)}-${q.to.slice(0, 10)}`,
      '操作记录',
    );
    await this.logged(caller, ip, { kind: 'audit', from: q.from, to: q.to, format });
    return file;
  }

  private async *auditPages(em: EntityManager, from: Date, to: Date): AsyncGenerator<Cell[][]> {
    const pages = idPages((after) =>
      em
        .createQueryBuilder(AuditEvent, 'e')
        .where('e.at >= :from AND e.at < :to AND e.id > :after', { from, to, after })
        .orderBy('e.id', 'ASC')
        .limit(EXPORT_PAGE)
        .getMany(),
    );
    for await (const page of pages) {
      const actors = await displayNamesById(
        em,
        page.map((e) => e.actorId),
      );
      yield page.map((e) => [
        localDateTime(e.at, this.config.timeZone),
        e.role,
        e.actorId === null ? null : (actors.get(e.actorId) ?? null),
        e.action,
        `${e.entityType} #${e.entityId}`,
        e.villageId,
        JSON.stringify(e.changes),
        e.reason,
        e.requestId,
      ]);
    }
  }

  private villages(
    em: EntityManager,
    kind: VillageExport,
    villages: Village[],
    q: { month?: string; format?: ExportFormat },
    name: string,
    code: string,
  ): StreamableFile {
    const format = q.format ?? 'xlsx';
    const several = villages.length !== 1 || code === 'district';
    const lead = several ? [VILLAGE_COLUMN] : [];
    if (kind === 'roster') {
      const columns = [
        ...lead,
        ...ROSTER_COLUMNS.map((c) => ({ header: c.header, width: c.width })),
        { header: '积分', width: 8 },
      ];
      return this.file(
        format,
        tableStream(format, '花名册', columns, this.rosterPages(em, villages, several)),
        `roster-${code}`,
        `${name}花名册`,
      );
    }
    const month = requireMonth(q.month);
    const columns: TableColumn[] = [
      { header: '时间', width: 18 },
      ...lead,
      { header: '户号', width: 10 },
      { header: '姓名', width: 12 },
      { header: '类型', width: 8 },
      { header: '积分', width: 8 },
      { header: '余额', width: 8 },
      { header: '事由', width: 40 },
      { header: '操作人', width: 12 },
    ];
    return this.file(
      format,
      tableStream(format, '积分流水', columns, this.ledgerPages(em, villages, month, several)),
      `ledger-${code}-${month}`,
      `${name}${monthLabel(month)}积分流水`,
    );
  }

  private file(format: ExportFormat, stream: NodeJS.ReadableStream, ascii: string, title: string) {
    return new StreamableFile(stream as never, {
      type: CONTENT_TYPES[format],
      disposition: attachmentName(`${ascii}.${format}`, `${title}.${format}`),
    });
  }

  private async *rosterPages(
    em: EntityManager,
    villages: Village[],
    several: boolean,
  ): AsyncGenerator<Cell[][]> {
    for (const village of villages) {
      const pages = idPages((after) =>
        em
          .createQueryBuilder(Villager, 'v')
          .where('v.villageId = :villageId AND v.id > :after', { villageId: village.id, after })
          .orderBy('v.id', 'ASC')
          .limit(EXPORT_PAGE)
          .getMany(),
      );
      for await (const page of pages) {
        const households = await byId(
          em,
          Household,
          page.map((v) => v.householdId),
        );
        yield page.map((v) => {
          const h = v.householdId === null ? undefined : households.get(v.householdId);
          return [
            ...(several ? [village.name] : []),
            h?.householdNo ?? null,
            h?.headName ?? null,
            h?.group || null,
            v.name,
            maskIdNumber(v.idNumber),
            v.phone,
            STATUS_WORD_OF[v.status],
            // the ID number's own is masked with it (its hidden digits are the date)
            v.idNumber ? null : v.birthDate,
            v.relation,
            v.balance,
          ];
        });
      }
    }
  }

  private async *ledgerPages(
    em: EntityManager,
    villages: Village[],
    month: string,
    several: boolean,
  ): AsyncGenerator<Cell[][]> {
    const { from, to } = monthInstants(month, this.config.timeZone);
    for (const village of villages) {
      // keyset on (created_at, id), the index ledger_entries (village_id, created_at) serves it
      let cursor: { at: Date; id: number } | null = null;
      for (;;) {
        const qb = em
          .createQueryBuilder(LedgerEntry, 'e')
          .where('e.villageId = :villageId AND e.createdAt >= :from AND e.createdAt < :to', {
            villageId: village.id,
            from,
            to,
          })
          .orderBy('e.createdAt', 'ASC')
          .addOrderBy('e.id', 'ASC')
          .limit(EXPORT_PAGE);
        if (cursor) {
          const c: { at: Date; id: number } = cursor;
          qb.andWhere(
            new Brackets((w) =>
              w
                .where('e.createdAt > :at', { at: c.at })
                .orWhere('e.createdAt = :at AND e.id > :id', { id: c.id }),
            ),
          );
        }
        const page = await qb.getMany();
        if (!page.length) break;
        const last = page[page.length - 1];
        cursor = { at: last.createdAt, id: last.id };
        const villagers = await byId(
          em,
          Villager,
          page.map((e) => e.villagerId),
        );
        const households = await byId(
          em,
          Household,
          [...villagers.values()].map((v) => v.householdId),
        );
        const deeds = await byId(
          em,
          Deed,
          page.map((e) => e.deedId),
        );
        const actors = await displayNamesById(
          em,
          page.map((e) => e.actorId),
        );
        yield page.map((e) => {
          const v = villagers.get(e.villagerId);
          const h = v?.householdId == null ? undefined : households.get(v.householdId);
          const deed = e.deedId === null ? undefined : deeds.get(e.deedId);
          const reason = deed
            ? `${deed.ruleTitle}：${deed.description}${e.kind === 'reversal' && e.note ? `（撤销原因：${e.note}）` : ''}`
            : e.redemptionId !== null
              ? `兑换单 ${e.redemptionId}${e.note ? `：${e.note}` : ''}`
              : (e.note ?? '');
          return [
            localDateTime(e.createdAt, this.config.timeZone),
            ...(several ? [village.name] : []),
            h?.householdNo ?? null,
            v?.name ?? null,
            KIND_WORDS[e.kind],
            e.delta,
            e.balanceAfter,
            reason,
            actors.get(e.actorId) ?? null,
          ];
        });
        if (page.length < EXPORT_PAGE) break;
      }
    }
  }

  private async *redemptionPages(
    em: EntityManager,
    storeId: number,
    month: string,
  ): AsyncGenerator<Cell[][]> {
    const { from, to } = monthInstants(month, this.config.timeZone);
    const pages = idPages((after) =>
      em
        .createQueryBuilder(Redemption, 'r')
        .where('r.storeId = :storeId AND r.createdAt >= :from AND r.createdAt < :to', {
          storeId,
          from,
          to,
        })
        .andWhere('r.id > :after', { after })
        .orderBy('r.id', 'ASC')
        .limit(EXPORT_PAGE)
        .getMany(),
    );
    for await (const page of pages) {
      const items = await em.find(RedemptionItem, {
        where: { redemptionId: In(page.map((r) => r.id)) },
        order: { id: 'ASC' },
      });
      const itemsOf = new Map<number, string[]>();
      for (const i of items) {
        itemsOf.set(i.redemptionId, [
          ...(itemsOf.get(i.redemptionId) ?? []),
          `${i.goodsName}×${i.quantity}`,
        ]);
      }
      const villagers = await byId(
        em,
        Villager,
        page.map((r) => r.villagerId),
      );
      const villages = await byId(
        em,
        Village,
        page.map((r) => r.villageId),
      );
      const operators = await displayNamesById(
        em,
        page.map((r) => r.operatorId),
      );
      yield page.map((r) => [
        localDateTime(r.createdAt, this.config.timeZone),
        r.id,
        villages.get(r.villageId)?.name ?? null,
        villagers.get(r.villagerId)?.name ?? null,
        (itemsOf.get(r.id) ?? []).join('、'),
        r.total,
        r.status === 'completed' ? '已完成' : '已取消',
        operators.get(r.operatorId) ?? null,
        r.cancelReason,
      ]);
    }
  }
}

/**
 * A table read EXPORT_PAGE rows at a time by id (a keyset: each page starts after the last id of
 * the one before), so that an export never holds a district in memory.
 */
async function* idPages<T extends { id: number }>(
  page: (after: number) => Promise<T[]>,
): AsyncGenerator<T[]> {
  let after = 0;
  for (;;) {
    const rows = await page(after);
    if (!rows.length) return;
    yield rows;
    if (rows.length < EXPORT_PAGE) return;
    after = rows[rows.length - 1].id;
  }
}

/** The records of these ids (nulls and repeats ignored), by id, in one query. */
async function byId<T extends { id: number }>(
  em: EntityManager,
  entity: new () => T,
  ids: (number | null)[],
): Promise<Map<number, T>> {
  const wanted = [...new Set(ids.filter((id): id is number => id !== null))];
  if (!wanted.length) return new Map();
  const rows = await em.findBy(entity, { id: In(wanted) } as never);
  return new Map(rows.map((r) => [r.id, r]));
}

function requireMonth(month: string | undefined): string {
  if (month === undefined) throw new BadRequestException('month is required, e.g. 2026-11');
  return month;
}
