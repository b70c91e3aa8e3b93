import { BadRequestException, Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import type { Caller } from '../common/auth.decorators';
import { pageOf, skipTake, type Page, type PageQueryDto } from '../common/pagination';
import { int, millis } from '../db/columns';
import { Dialect } from '../db/dialect';
import { EntityRows } from '../db/entity-rows';
import { Tx } from '../db/transaction';
import type { NoticeDto, NoticesReadDto } from './notices.dto';
import { Notice, NoticeRead, type NoticeAudience, type NoticeKind } from './notice.entity';

/** Who reads a notice: one villager, every villager of a village, or its cadres. */
export type NoticeTo = { villager: number } | { villagers: number } | { cadres: number };

export interface NoticeDraft {
  kind: NoticeKind;
  title: string;
  body: string;
  link?: string | null;
}

const clip = (text: string, n: number) => {
  const points = [...text];
  return points.length <= n ? text : `${points.slice(0, n - 1).join('')}…`;
};

/**
 * The notice centre (docs/product.md, "Notices"). A change that tells someone writes its notice
 * with `post`, in its own transaction; a notice caused by time is written with `postOnce` under a
 * unique key. An account reads the notices addressed to it — a villager their own and their
 * village's, a cadre their village's cadres' — and marks them read.
 */
@Injectable()
export class NoticesService {
  constructor(
    private readonly tx: Tx,
    private readonly rows: EntityRows,
    private readonly dialect: Dialect,
  ) {}

  /** Writes a notice in the caller's transaction. */
  async post(em: EntityManager, to: NoticeTo, draft: NoticeDraft): Promise<void> {
    await this.rows.insertRow(em, Notice, this.row(to, draft, null));
  }

  /** A notice caused by time, written once under `key` whichever instance writes it. */
  async postOnce(
    em: EntityManager,
    to: NoticeTo,
    draft: NoticeDraft,
    key: string,
  ): Promise<boolean> {
    // SQLite runs one writer at a time: this transaction sees any row written with the key
    if (!this.dialect.postgres && (await em.existsBy(Notice, { key }))) return false;
    return (await this.rows.insertUnlessPresent(em, Notice, this.row(to, draft, key))) !== null;
  }

  /** The caller's notices, newest first, with when each was read and how many are unread. */
  list(caller: Caller, q: PageQueryDto): Promise<Page<NoticeDto> & { unread: number }> {
    return this.tx.read(async (em) => {
      const mine = this.visible(caller);
      if (!mine) return { ...pageOf([], 0, q), unread: 0 };
      const { skip, take } = skipTake(q);
      const rows = await this.dialect.select<{
        id: unknown;
        at: Date | string;
        kind: NoticeKind;
        title: string;
        body: string;
        link: string | null;
        read_at: Date | string | null;
      }>(
        em,
        `SELECT n.id, n.at, n.kind, n.title, n.body, n.link, r.read_at FROM notices n
         LEFT JOIN notice_reads r ON r.notice_id = n.id AND r.user_id = $1
         WHERE ${mine.sql} ORDER BY n.id DESC LIMIT ${take} OFFSET ${skip}`,
        [caller.id, ...mine.params],
      );
      const counts = await this.counts(em, caller.id, mine);
      const items = rows.map((r) => ({
        id: int(r.id),
        at: new Date(millis(r.at)),
        kind: r.kind,
        title: r.title,
        body: r.body,
        link: r.link,
        readAt: r.read_at === null ? null : new Date(millis(r.read_at)),
      }));
      return { ...pageOf(items, counts.total, q), unread: counts.unread };
    });
  }

  /** How many of the account's notices there are, and how many it has not read. */
  private async counts(
    em: EntityManager,
    userId: number,
    mine: { sql: string; params: unknown[] },
  ): Promise<{ total: number; unread: number }> {
    const [row] = await this.dialect.select<{ total: unknown; unread: unknown }>(
      em,
      `SELECT COUNT(*) AS total, COUNT(*) - COUNT(r.notice_id) AS unread FROM notices n
       LEFT JOIN notice_reads r ON r.notice_id = n.id AND r.user_id = $1
       WHERE ${mine.sql}`,
      [userId, ...mine.params],
    );
    return { total: int(row.total), unread: int(row.unread) };
  }

  /** Marks the caller's notices read: the ones named, or all; answers how many stay unread. */
  async read(caller: Caller, dto: NoticesReadDto): Promise<{ unread: number }> {
    if ((dto.ids === undefined) === (dto.all !== true)) {
      throw new BadRequestException('ids: send { ids: [...] } or { all: true }');
    }
    const mine = this.visible(caller);
    if (!mine) return { unread: 0 };
    // $1 the account and mine's own placeholders, as everywhere here; then the time and the ids
    const at = `$${mine.params.length + 2}`;
    const only = dto.ids ? ` AND n.id IN ${this.dialect.idList(`$${mine.params.length + 3}`)}` : '';
    return this.tx.run(async (em) => {
      const readAt = em.connection.getMetadata(NoticeRead).findColumnWithPropertyName('readAt')!;
      await this.dialect.select(
        em,
        `INSERT INTO notice_reads (notice_id, user_id, read_at)
         SELECT n.id, $1, ${at} FROM notices n WHERE ${mine.sql}${only}
         AND NOT EXISTS (SELECT 1 FROM notice_reads r WHERE r.notice_id = n.id AND r.user_id = $1)
         ON CONFLICT DO NOTHING`,
        [
          caller.id,
          ...mine.params,
          em.connection.driver.preparePersistentValue(new Date(), readAt),
          ...(dto.ids ? [this.dialect.idsParam(dto.ids)] : []),
        ],
      );
      // counted in the same transaction: what this account now has unread
      return { unread: (await this.counts(em, caller.id, mine)).unread };
    });
  }

  /**
   * The notices an account reads, as a WHERE condition on `n` whose placeholders start at $2
   * ($1 is the account): a villager's own and their village's villagers'; a cadre's village's
   * cadres'. Other roles are told nothing yet.
   */
  private visible(caller: Caller): { sql: string; params: unknown[] } | null {
    if (caller.role === 'villager' && caller.villagerId !== null) {
      return {
        sql: `((n.audience = 'villager' AND n.villager_id = $2) OR (n.audience = 'villagers' AND n.village_id = (SELECT v.village_id FROM villagers v WHERE v.id = $3)))`,
        params: [caller.villagerId, caller.villagerId],
      };
    }
    if (caller.role === 'cadre' && caller.villageId !== null) {
      return { sql: `n.audience = 'cadres' AND n.village_id = $2`, params: [caller.villageId] };
    }
    return null;
  }

  private row(to: NoticeTo, draft: NoticeDraft, key: string | null): Omit<Notice, 'id'> {
    const [audience, id]: [NoticeAudience, number] =
      'villager' in to
        ? ['villager', to.villager]
        : 'villagers' in to
          ? ['villagers', to.villagers]
          : ['cadres', to.cadres];
    return {
      at: new Date(),
      kind: draft.kind,
      audience,
      villagerId: audience === 'villager' ? id : null,
      villageId: audience === 'villager' ? null : id,
      title: clip(draft.title, 100),
      body: clip(draft.body, 1000),
      link: draft.link ?? null,
      key,
    };
  }
}
