import { randomUUID } from 'node:crypto';
import {
  BadRequestException,
  Inject,
  Injectable,
  Logger,
  OnModuleDestroy,
  OnModuleInit,
} from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import type { Caller } from '../common/auth.decorators';
import { notFound } from '../common/errors';
import { repeat } from '../common/housekeeping';
import { pageOf, skipTake, type Page, type PageQueryDto } from '../common/pagination';
import { ctxOf } from '../common/request-context';
import { assertVillageAccess } from '../common/scope';
import { todayIn } from '../common/time';
import { dayInstants, localDateTime } from '../common/zoned-time';
import { APP_CONFIG, type AppConfig } from '../config';
import { int } from '../db/columns';
import { Dialect } from '../db/dialect';
import { EntityRows } from '../db/entity-rows';
import { Tx } from '../db/transaction';
import type { PublicBoardDto } from '../evaluations/evaluations.dto';
import { Village } from '../villages/village.entity';
import { Delivery, type DeliveryKind } from './delivery.entity';
import { dailyMessage, publicityMessage, testMessage, type RobotMessage } from './messages';
import type { WecomSettingsDto } from './wecom.dto';

/** The robot's "too many messages" code: wait and post again. */
export const RATE_LIMITED = 45009;
/** Posts of one message before it is given up as failed. */
export const MAX_ATTEMPTS = 8;
const HOUR = 3600_000;

/**
 * The village's 企业微信 group (docs/product.md, "Notices"). The webhook address is a secret (its
 * key lets anyone post to the group): it is never answered whole, and only hosts in
 * WECOM_ALLOWED_HOSTS are taken, so an account cannot make the server post anywhere. Messages go
 * through the `deliveries` outbox: written in the event's transaction under a unique key, then
 * posted by the first instance to claim them — retried with backoff on the robot's rate limit, a
 * 5xx or a timeout; never posted again after the robot accepted it (`errcode: 0`). A timeout may
 * post twice: the robot has no idempotency key.
 */
@Injectable()
export class WecomService implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('Wecom');
  private stop?: () => void;
  /** Villages whose day had nothing to tell (`<village>:<day>`): not counted again that day. */
  private readonly quiet = new Set<string>();

  constructor(
    private readonly tx: Tx,
    private readonly rows: EntityRows,
    private readonly dialect: Dialect,
    private readonly audit: AuditService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    this.stop = repeat('wecom deliveries', this.config.wecom.pollMs, async () => {
      await this.queueDaily();
      await this.deliverDue();
    });
  }

  onModuleDestroy(): void {
    this.stop?.();
  }

  // ── settings ────────────────────────────────────────────────────────────────────────────

  settings(caller: Caller, villageId: number): Promise<WecomSettingsDto> {
    assertVillageAccess(caller, villageId);
    return this.tx.read(async (em) => describe(await this.webhookOf(em, villageId, true)));
  }

  /** Sets (or, with null, removes) the village's webhook; audited without the key. */
  setWebhook(caller: Caller, villageId: number, url: string | null): Promise<WecomSettingsDto> {
    assertVillageAccess(caller, villageId);
    if (url !== null) this.assertAllowed(url);
    return this.tx.run(async (em) => {
      const before = await this.webhookOf(em, villageId, true);
      await em.update(Village, { id: villageId }, { wecomWebhookUrl: url });
      await this.audit.record(ctxOf(em, caller), {
        action: 'village.wecom',
        entityType: 'village',
        entityId: villageId,
        villageId,
        before: { wecomWebhook: describe(before).hint },
        after: { wecomWebhook: describe(url).hint },
      });
      return describe(url);
    });
  }

  /** 发送测试消息: queues a test message and posts it now; answers how it went. */
  async sendTest(caller: Caller, villageId: number): Promise<Delivery> {
    assertVillageAccess(caller, villageId);
    const id = await this.tx.run(async (em) => {
      const village = await em.findOneBy(Village, { id: villageId });
      if (!village) throw notFound('Village');
      if (!(await this.webhookOf(em, villageId, false))) {
        throw new BadRequestException('url: 请先设置群机器人的 Webhook 地址');
      }
      const key = `test:${villageId}:${randomUUID()}`;
      await this.audit.record(ctxOf(em, caller), {
        action: 'village.wecom_test',
        entityType: 'village',
        entityId: villageId,
        villageId,
        after: { delivery: key },
      });
      return this.queueIn(em, villageId, 'test', key, testMessage(village.name));
    });
    await this.deliver(id!);
    return this.tx.read((em) => em.findOneByOrFail(Delivery, { id: id! }));
  }

  /** What was sent to the village's group, what failed and what waits, newest first. */
  deliveries(caller: Caller, villageId: number, q: PageQueryDto): Promise<Page<Delivery>> {
    assertVillageAccess(caller, villageId);
    return this.tx.read(async (em) => {
      const [items, total] = await em.findAndCount(Delivery, {
        where: { villageId },
        order: { id: 'DESC' },
        ...skipTake(q),
      });
      return pageOf(items, total, q);
    });
  }

  // ── the outbox ──────────────────────────────────────────────────────────────────────────

  /**
   * The month's lists for the group, in the publication's transaction, if the village has a
   * group: once per village, month and revision.
   */
  async queuePublicity(
    em: EntityManager,
    villageId: number,
    boardOf: () => Promise<PublicBoardDto>,
  ): Promise<void> {
    if (!(await this.webhookOf(em, villageId, false))) return;
    // built only for a village with a group: a publication elsewhere reads nothing more
    const board = await boardOf();
    const path = `/board/${encodeURIComponent(board.village.code)}/${board.month}`;
    await this.queueIn(
      em,
      villageId,
      'publicity',
      `publicity:${villageId}:${board.month}:${board.revision}`,
      publicityMessage(
        board,
        this.config.wecom.publicUrl && `${this.config.wecom.publicUrl}${path}`,
      ),
    );
  }

  /**
   * From WECOM_DAILY_AT on, each village with a group gets the day's summary, once a day
   * whatever the instances (its key is the village and the day). A day without any deed is left
   * quiet.
   */
  async queueDaily(now = new Date()): Promise<number> {
    const tz = this.config.timeZone;
    if (localDateTime(now, tz).slice(11) < this.config.wecom.dailyAt) return 0;
    const today = todayIn(tz, now);
    const villages = await this.tx.read((em) =>
      this.dialect.select<{ id: unknown; name: string }>(
        em,
        `SELECT v.id, v.name FROM villages v WHERE v.wecom_webhook_url IS NOT NULL
          AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.key = 'daily:' || CAST(v.id AS varchar(12)) || ':' || $1)`,
        [today],
      ),
    );
    const [from, to] = dayInstants(today, tz);
    let queued = 0;
    for (const v of villages) {
      const villageId = int(v.id);
      if (this.quiet.has(`${villageId}:${today}`)) continue;
      const rows = await this.tx.read((em) =>
        em
          .createQueryBuilder()
          .select('d.category', 'category')
          .addSelect('SUM(CASE WHEN d.points > 0 THEN 1 ELSE 0 END)', 'awards')
          .addSelect('SUM(CASE WHEN d.points < 0 THEN 1 ELSE 0 END)', 'deductions')
          .from('deeds', 'd')
          .where("d.village_id = :villageId AND d.status = 'approved'", { villageId })
          .andWhere('d.reviewed_at >= :from AND d.reviewed_at <= :to', { from, to })
          .groupBy('d.category')
          .orderBy('d.category')
          .getRawMany<{ category: string; awards: unknown; deductions: unknown }>(),
      );
      const counts = rows.map((r) => ({
        category: r.category,
        awards: int(r.awards),
        deductions: int(r.deductions),
      }));
      if (!counts.some((c) => c.awards + c.deductions > 0)) {
        if (this.quiet.size > 10_000) this.quiet.clear();
        this.quiet.add(`${villageId}:${today}`);
        continue;
      }
      const wrote = await this.tx.run((em) =>
        this.queueIn(
          em,
          villageId,
          'daily',
          `daily:${villageId}:${today}`,
          dailyMessage(v.name, today, counts),
        ),
      );
      if (wrote !== null) queued++;
    }
    return queued;
  }

  /** Posts every message that is due, each claimed first so that one instance posts it. */
  async deliverDue(now = new Date()): Promise<number> {
    const due = await this.tx.read((em) =>
      em
        .createQueryBuilder(Delivery, 'd')
        .select('d.id', 'id')
        .where("d.status = 'waiting' AND d.next_attempt_at <= :now", { now })
        .andWhere('(d.claimed_until IS NULL OR d.claimed_until < :now)', { now })
        .orderBy('d.id')
        .limit(50)
        .getRawMany<{ id: unknown }>(),
    );
    let posted = 0;
    for (const { id } of due) if (await this.deliver(int(id))) posted++;
    return posted;
  }

  /** Claims one message and posts it: true when this call posted it. */
  private async deliver(id: number): Promise<boolean> {
    const now = new Date();
    const lease = new Date(now.getTime() + this.config.wecom.timeoutMs + 30_000);
    const claimed = await this.tx.run(async (em) => {
      const { affected } = await em
        .createQueryBuilder()
        .update(Delivery)
        .set({ claimedUntil: lease, attempts: () => 'attempts + 1' })
        .where("id = :id AND status = 'waiting' AND next_attempt_at <= :now", { id, now })
        .andWhere('(claimed_until IS NULL OR claimed_until < :now)', { now })
        .execute();
      if (affected !== 1) return null;
      const row = await em.findOneByOrFail(Delivery, { id });
      return { row, url: await this.webhookOf(em, row.villageId, false) };
    });
    if (!claimed) return false;
    const { row, url } = claimed;
    const outcome = url
      ? await this.post(url, row.message)
      : { ok: false, retry: false, error: '村里没有设置群机器人地址' };
    await this.tx.run((em) => {
      if (outcome.ok) {
        return em.update(
          Delivery,
          { id },
          {
            status: 'sent',
            sentAt: new Date(),
            claimedUntil: null,
            lastError: null,
          },
        );
      }
      const giveUp = !outcome.retry || row.attempts >= MAX_ATTEMPTS;
      const wait = Math.min(HOUR, this.config.wecom.retryMs * 2 ** (row.attempts - 1));
      return em.update(
        Delivery,
        { id },
        {
          status: giveUp ? 'failed' : 'waiting',
          nextAttemptAt: new Date(Date.now() + wait),
          claimedUntil: null,
          lastError: outcome.error.slice(0, 300),
        },
      );
    });
    if (!outcome.ok) this.logger.warn(`delivery ${row.key}: ${outcome.error}`);
    return true;
  }

  /** One post to the robot: accepted, or why not and whether to try again. */
  private async post(
    url: string,
    message: string,
  ): Promise<{ ok: true } | { ok: false; retry: boolean; error: string }> {
    try {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: message,
        redirect: 'error',
        signal: AbortSignal.timeout(this.config.wecom.timeoutMs),
      });
      const text = (await res.text()).slice(0, 2000);
      if (!res.ok)
        return {
          ok: false,
          retry: res.status >= 500 || res.status === 429,
          error: `HTTP ${res.status}`,
        };
      let body: { errcode?: unknown; errmsg?: unknown };
      try {
        body = JSON.parse(text) as typeof body;
      } catch {
        return { ok: false, retry: true, error: `not JSON: ${text.slice(0, 100)}` };
      }
      if (body.errcode === 0) return { ok: true };
      return {
        ok: false,
        retry: body.errcode === RATE_LIMITED,
        error: `errcode ${String(body.errcode)}: ${String(body.errmsg ?? '')}`,
      };
    } catch (err) {
      // a DOMException (the timeout) is not always an Error of this realm
      const { name, message } = err as { name?: string; message?: string };
      const timeout = name === 'TimeoutError' || name === 'AbortError';
      return {
        ok: false,
        retry: true,
        error: timeout
          ? `no answer in ${this.config.wecom.timeoutMs / 1000} s`
          : String(message ?? err),
      };
    }
  }

  /** Writes a message to the outbox unless its key is there; answers its id, or null. */
  private async queueIn(
    em: EntityManager,
    villageId: number,
    kind: DeliveryKind,
    key: string,
    message: RobotMessage,
  ): Promise<number | null> {
    // SQLite runs one writer at a time: this transaction sees a row written with the key
    if (!this.dialect.postgres && (await em.existsBy(Delivery, { key }))) return null;
    const now = new Date();
    return this.rows.insertUnlessPresent(em, Delivery, {
      villageId,
      key,
      kind,
      message: JSON.stringify(message),
      status: 'waiting',
      attempts: 0,
      nextAttemptAt: now,
      claimedUntil: null,
      lastError: null,
      createdAt: now,
      sentAt: null,
    });
  }

  /** The village's webhook address (404 for no such village when asked to). */
  private async webhookOf(
    em: EntityManager,
    villageId: number,
    mustExist: boolean,
  ): Promise<string | null> {
    const [row] = await this.dialect.select<{ url: string | null }>(
      em,
      'SELECT wecom_webhook_url AS url FROM villages WHERE id = $1',
      [villageId],
    );
    if (!row && mustExist) throw notFound('Village');
    return row?.url ?? null;
  }

  private assertAllowed(url: string): void {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new BadRequestException('url: 不是一个网址 (not a URL)');
    }
    // the key rides in the address: encrypted, but for a robot on this machine (a test's)
    const loopback = ['127.0.0.1', 'localhost', '[::1]'].includes(parsed.hostname);
    const scheme = parsed.protocol === 'https:' || (loopback && parsed.protocol === 'http:');
    if (!scheme || parsed.username || parsed.password) {
      throw new BadRequestException('url: 只接受 https 网址 (an https address only)');
    }
    if (!this.config.wecom.allowedHosts.includes(parsed.host.toLowerCase())) {
      throw new BadRequestException(
        `url: 只能是企业微信群机器人的地址（${this.config.wecom.allowedHosts.join('、')}）(host not allowed)`,
      );
    }
  }
}

/** The webhook as answers show it: its host and the key's last 4 characters. */
function describe(url: string | null): WecomSettingsDto {
  if (!url) return { configured: false, hint: null };
  const parsed = new URL(url);
  const key = parsed.searchParams.get('key') ?? parsed.pathname;
  return { configured: true, hint: `${parsed.host} …${key.slice(-4)}` };
}
