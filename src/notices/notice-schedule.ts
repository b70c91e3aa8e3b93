import { Inject, Injectable, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { Activity, ActivitySignup } from '../activities/activity.entity';
import { repeat } from '../common/housekeeping';
import { addDays, todayIn } from '../common/time';
import { dayInstants, localDateTime } from '../common/zoned-time';
import { APP_CONFIG, type AppConfig } from '../config';
import { millis } from '../db/columns';
import { Tx } from '../db/transaction';
import { dayLabel } from '../evaluations/board';
import { ExpiryQuery } from '../ledger/expiry';
import { Village } from '../villages/village.entity';
import { Villager } from '../villagers/villager.entity';
import { NoticesService } from './notices.service';

const CHECK_EVERY_MS = 10 * 60_000;
/** Points that expire within this many days are told of (the villager's home says the same). */
export const EXPIRY_NOTICE_DAYS = 30;
/** Villagers read for their coming expiries at a time. */
const BATCH = 500;

/**
 * The notices caused by time (docs/product.md, "Notices"): an activity tomorrow, points about to
 * expire. Every instance checks every 10 minutes; each notice has a unique key (the activity and
 * villager; the villager and the expiry day), so several instances, or a check repeated, write
 * each once.
 */
@Injectable()
export class NoticeSchedule implements OnModuleInit, OnModuleDestroy {
  private stop?: () => void;
  /** The day this instance last told of coming expiries: once a day is enough. */
  private expiriesToldOn: string | null = null;

  constructor(
    private readonly tx: Tx,
    private readonly notices: NoticesService,
    private readonly expiry: ExpiryQuery,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    this.stop = repeat('scheduled notices', CHECK_EVERY_MS, () => this.run());
  }

  onModuleDestroy(): void {
    this.stop?.();
  }

  /** One round: tomorrow's activities, and (once a day) the coming expiries. Answers what it wrote. */
  async run(now = new Date()): Promise<{ activities: number; expiring: number }> {
    const today = todayIn(this.config.timeZone, now);
    const activities = await this.activitiesTomorrow(today);
    let expiring = 0;
    if (this.expiriesToldOn !== today) {
      expiring = await this.comingExpiries(today);
      this.expiriesToldOn = today;
    }
    return { activities, expiring };
  }

  /** Everyone signed up for an open activity starting tomorrow (district time) is reminded. */
  private async activitiesTomorrow(today: string): Promise<number> {
    const [from, to] = dayInstants(addDays(today, 1), this.config.timeZone);
    const due = await this.tx.read((em) =>
      em
        .createQueryBuilder(ActivitySignup, 's')
        .innerJoin(Activity, 'a', 'a.id = s.activity_id')
        .select([
          'a.id AS "activityId"',
          'a.title AS title',
          'a.place AS place',
          'a.starts_at AS "startsAt"',
          's.villager_id AS "villagerId"',
        ])
        .where("a.status = 'open' AND a.starts_at >= :from AND a.starts_at <= :to", { from, to })
        // reminded already (by this or another instance): not asked again
        .andWhere(
          `NOT EXISTS (SELECT 1 FROM notices n WHERE n.key = 'activity.tomorrow:' || CAST(a.id AS varchar(12)) || ':' || CAST(s.villager_id AS varchar(12)))`,
        )
        .getRawMany<{
          activityId: number;
          title: string;
          place: string;
          startsAt: Date | string;
          villagerId: number;
        }>(),
    );
    let written = 0;
    for (const d of due) {
      const at = localDateTime(new Date(millis(d.startsAt)), this.config.timeZone).slice(11);
      const wrote = await this.tx.run((em) =>
        this.notices.postOnce(
          em,
          { villager: Number(d.villagerId) },
          {
            kind: 'activity.tomorrow',
            title: `明天有活动：${d.title}`,
            body: `明天 ${at} 在${d.place}，记得按时参加，到了现场签到。`,
            link: '/villager/activities',
          },
          `activity.tomorrow:${d.activityId}:${d.villagerId}`,
        ),
      );
      if (wrote) written++;
    }
    return written;
  }

  /** Villagers whose points expire within 30 days are told how many and when, once per expiry day. */
  private async comingExpiries(today: string): Promise<number> {
    const policy = await this.tx.read((em) => this.expiry.policy(em));
    if (!policy || policy.policy === 'keep') return 0;
    const until = addDays(today, EXPIRY_NOTICE_DAYS);
    const villages = await this.tx.read((em) => em.find(Village, { select: { id: true } }));
    let written = 0;
    for (const { id: villageId } of villages) {
      for (let after = 0; ;) {
        const batch = await this.tx.read(async (em) => {
          const ids = (
            await em
              .createQueryBuilder(Villager, 'v')
              .select('v.id', 'id')
              .where("v.village_id = :villageId AND v.status = 'active' AND v.balance > 0", {
                villageId,
              })
              .andWhere('v.id > :after', { after })
              .orderBy('v.id')
              .limit(BATCH)
              .getRawMany<{ id: number }>()
          ).map((r) => Number(r.id));
          return { ids, upcoming: await this.expiry.upcoming(em, ids) };
        });
        for (const [villagerId, expiring] of batch.upcoming) {
          for (const { on, points } of expiring.filter((e) => e.on <= until)) {
            const day = dayLabel(on);
            const wrote = await this.tx.run((em) =>
              this.notices.postOnce(
                em,
                { villager: villagerId },
                {
                  kind: 'points.expiring',
                  title: `${points} 分将于${day}到期`,
                  body: `您有 ${points} 分积分将于${day}到期清零，到期前可以到积分超市兑换。`,
                  link: '/villager/goods',
                },
                `points.expiring:${villagerId}:${on}`,
              ),
            );
            if (wrote) written++;
          }
        }
        if (batch.ids.length < BATCH) break;
        after = batch.ids[batch.ids.length - 1];
      }
    }
    return written;
  }
}
