import { BadRequestException, Inject, Injectable } from '@nestjs/common';
import { Activity } from '../activities/activity.entity';
import type { Caller } from '../common/auth.decorators';
import { notFound } from '../common/errors';
import { assertVillageAccess } from '../common/scope';
import { addDays, isCalendarDate, todayIn } from '../common/time';
import { dayInstants, localDateTime } from '../common/zoned-time';
import { APP_CONFIG, type AppConfig } from '../config';
import { int } from '../db/columns';
import { Dialect } from '../db/dialect';
import { Tx } from '../db/transaction';
import { dayLabel, isMinorOn } from '../evaluations/board';
import { publicationStatus } from '../evaluations/publicity';
import { Village } from '../villages/village.entity';

/** Good deeds named on the air at most; the rest are counted. */
const NAMED = 12;

/**
 * The village loudspeaker's script for a day (村村响, docs/product.md "Notices"): the day's good
 * deeds, how many deductions (never who), the lists in publicity, tomorrow's activities — plain
 * text a cadre reads out. Names are said as the board shows them: the full name where the village
 * shows full names or the villager agreed, else the surname and 某某; a minor is never named.
 */
@Injectable()
export class BroadcastScript {
  constructor(
    private readonly tx: Tx,
    private readonly dialect: Dialect,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async of(caller: Caller, villageId: number, date: string): Promise<string> {
    if (!isCalendarDate(date)) throw new BadRequestException('date must be a date YYYY-MM-DD');
    assertVillageAccess(caller, villageId);
    return this.tx.read(async (em) => {
      const village = await em.findOneBy(Village, { id: villageId });
      if (!village) throw notFound('Village');
      const deeds = await this.dialect.select<{
        name: string;
        birth_date: string | null;
        board_consent: boolean | number;
        rule_title: string;
        points: unknown;
      }>(
        em,
        `SELECT v.name, CAST(v.birth_date AS varchar(10)) AS birth_date, v.board_consent,
                d.rule_title, d.points
           FROM deeds d JOIN villagers v ON v.id = d.villager_id
          WHERE d.village_id = $1 AND d.occurred_on = $2 AND d.status = 'approved'
          ORDER BY d.id`,
        [villageId, date],
      );
      const good = deeds.filter((d) => int(d.points) > 0);
      const deducted = deeds.length - good.length;
      const spoken = (d: (typeof deeds)[number]) => {
        if (isMinorOn(d.birth_date, date)) return '一位小朋友';
        return village.boardNames === 'full' || Boolean(d.board_consent)
          ? d.name
          : `${[...d.name][0]}某某`;
      };
      const day = dayLabel(date);
      const that = date === todayIn(this.config.timeZone) ? '今天' : '这一天';
      const lines = [
        `${village.name}文明积分广播（${day}）`,
        '',
        `各位村民，现在播报${village.name}${day}的文明积分情况。`,
      ];
      if (good.length) {
        lines.push(`${that}村里记录好人好事 ${good.length} 件：`);
        for (const d of good.slice(0, NAMED)) lines.push(`${spoken(d)}，${d.rule_title}；`);
        if (good.length > NAMED) lines.push(`还有 ${good.length - NAMED} 件，就不一一念了。`);
        lines.push('向他们学习！');
      } else {
        lines.push(`${that}还没有记录好人好事，欢迎大家多做好事、及时申报。`);
      }
      if (deducted) {
        lines.push(`${that}有 ${deducted} 人次被扣分，请大家共同遵守村规民约。`);
      }
      const [posted] = await this.dialect.select<{ publicity_ends_on: string | null }>(
        em,
        `SELECT CAST(publicity_ends_on AS varchar(10)) AS publicity_ends_on FROM evaluations
          WHERE village_id = $1 AND status = 'published' ORDER BY published_at DESC LIMIT 1`,
        [villageId],
      );
      if (
        posted?.publicity_ends_on &&
        publicationStatus(
          { status: 'published', publicityEndsOn: posted.publicity_ends_on },
          false,
          this.config.timeZone,
        ) === 'publicity'
      ) {
        const ends = posted.publicity_ends_on;
        lines.push(`红黑榜正在公示，到${dayLabel(ends)}截止，有异议请到村委会提出。`);
      }
      const [from, to] = dayInstants(addDays(date, 1), this.config.timeZone);
      const tomorrow = await em
        .createQueryBuilder(Activity, 'a')
        .where("a.village_id = :villageId AND a.status = 'open'", { villageId })
        .andWhere('a.starts_at >= :from AND a.starts_at <= :to', { from, to })
        .orderBy('a.startsAt', 'ASC')
        .getMany();
      for (const a of tomorrow) {
        const at = localDateTime(a.startsAt, this.config.timeZone).slice(11);
        lines.push(`明天 ${at} 在${a.place}有活动：${a.title}，欢迎大家报名参加。`);
      }
      lines.push('谢谢大家！');
      return `${lines.join('\n')}\n`;
    });
  }
}
