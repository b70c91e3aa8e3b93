import { randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { BadRequestException, Inject, Injectable } from '@nestjs/common';
import { EntityManager, In } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import type { Caller } from '../common/auth.decorators';
import { forbidden, notFound, refuse } from '../common/errors';
import { sha256Hex } from '../common/idempotency';
import { pageOf, skipTake, type Page } from '../common/pagination';
import { ctxOf, type Ctx } from '../common/request-context';
import { assertVillageAccess, defined, readableVillages, whereVillage } from '../common/scope';
import { todayIn } from '../common/time';
import { localDateTime } from '../common/zoned-time';
import { APP_CONFIG, type AppConfig } from '../config';
import { int, millis } from '../db/columns';
import { Dialect } from '../db/dialect';
import { Tx } from '../db/transaction';
import { canonicalBulk, MAX_BULK_VILLAGERS, type DeedBulkCreateDto } from '../deeds/deeds.dto';
import { DeedsService } from '../deeds/deeds.service';
import { NoticesService } from '../notices/notices.service';
import { Rule } from '../rules/rule.entity';
import { Household, Village } from '../villages/village.entity';
import { Villager } from '../villagers/villager.entity';
import type {
  ActivityCancelDto,
  ActivityClosedDto,
  ActivityCreateDto,
  ActivityDto,
  ActivityListQueryDto,
  CheckinCreateDto,
  CheckinTokenDto,
  ParticipantDto,
  SignupCreateDto,
  SignupDto,
  VolunteerRecordDto,
} from './activities.dto';
import { Activity, ActivitySignup, type ParticipantResult } from './activity.entity';

const HOUR = 3600_000;
const DAY = 24 * HOUR;
/** The check-in QR works from an hour before the start to an hour after the end. */
export const CHECKIN_MARGIN_MS = HOUR;
/** The longest an activity may last, and how far back or ahead it may be published. */
const LONGEST = 7 * DAY;
const EARLIEST = 30 * DAY;
const LATEST = 366 * DAY;

/**
 * Activities and volunteer service (docs/product.md, "Activities"): a cadre publishes an activity
 * with the rule it awards; villagers sign up on their phone, the cadre adds walk-ins; at the venue
 * the cadre checks people in by card or name, or they scan the activity's QR; the close awards the
 * rule to everyone checked in through the bulk award (批量记分), once, and credits their volunteer
 * hours, which make the villager's 志愿服务记录 (谁组织谁记录，谁记录谁证明).
 */
@Injectable()
export class ActivitiesService {
  constructor(
    private readonly tx: Tx,
    private readonly dialect: Dialect,
    private readonly deeds: DeedsService,
    private readonly audit: AuditService,
    private readonly notices: NoticesService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  create(caller: Caller, villageId: number, dto: ActivityCreateDto): Promise<ActivityDto> {
    assertVillageAccess(caller, villageId);
    const startsAt = new Date(dto.startsAt);
    const endsAt = new Date(dto.endsAt);
    const now = Date.now();
    if (Number.isNaN(startsAt.getTime()))
      throw new BadRequestException('startsAt is not a real time');
    if (Number.isNaN(endsAt.getTime())) throw new BadRequestException('endsAt is not a real time');
    if (startsAt.getTime() < now - EARLIEST || startsAt.getTime() > now + LATEST) {
      throw new BadRequestException('startsAt must be within 30 days back and a year ahead');
    }
    if (endsAt <= startsAt || endsAt.getTime() - startsAt.getTime() > LONGEST) {
      throw new BadRequestException('endsAt must be after startsAt, at most 7 days later');
    }
    return this.tx.run(async (em) => {
      const ctx = ctxOf(em, caller);
      if (!(await em.existsBy(Village, { id: villageId }))) throw notFound('Village');
      const rule = await em.findOneBy(Rule, { id: dto.ruleId });
      if (!rule || (rule.villageId !== null && rule.villageId !== villageId)) {
        throw new BadRequestException('ruleId: no such rule for this village');
      }
      if (!rule.active) throw new BadRequestException(`ruleId: 「${rule.title}」已停用 (inactive)`);
      if (rule.points <= 0) {
        throw new BadRequestException(`ruleId: 「${rule.title}」不是加分细则 (must award points)`);
      }
      if (rule.evidenceRequired) {
        throw new BadRequestException(
          `ruleId: 「${rule.title}」须逐条附证据，不能用于活动 (a rule requiring evidence cannot be awarded in bulk)`,
        );
      }
      const activity = em.create(Activity, {
        villageId,
        title: dto.title,
        ruleId: rule.id,
        startsAt,
        endsAt,
        place: dto.place,
        capacity: dto.capacity ?? null,
        hoursTenths: Math.round((dto.hoursPerPerson ?? defaultHours(startsAt, endsAt)) * 10),
        status: 'open',
        checkinToken: randomBytes(18).toString('base64url'),
        createdBy: caller.id,
        createdAt: new Date(),
        closedBy: null,
        closedAt: null,
        results: null,
        cancelledBy: null,
        cancelledAt: null,
        cancelReason: null,
      });
      await em.insert(Activity, activity);
      // the trail keeps everything but the QR's secret
      const recorded: Partial<Activity> = { ...activity };
      delete recorded.checkinToken;
      await this.audit.created(ctx, 'activity', activity.id, villageId, recorded);
      return (await this.describe(em, caller, [activity]))[0];
    });
  }

  /** A village's activities: upcoming soonest first, past latest first, or all latest first. */
  list(caller: Caller, villageId: number, q: ActivityListQueryDto): Promise<Page<ActivityDto>> {
    assertVillageAccess(caller, villageId);
    return this.tx.read(async (em) => {
      const qb = em
        .createQueryBuilder(Activity, 'a')
        .where('a.village_id = :villageId', { villageId });
      const now = new Date();
      if (q.when === 'upcoming') {
        qb.andWhere("a.status = 'open' AND a.ends_at > :now", { now }).orderBy('a.startsAt', 'ASC');
      } else if (q.when === 'past') {
        qb.andWhere("(a.status <> 'open' OR a.ends_at <= :now)", { now }).orderBy(
          'a.startsAt',
          'DESC',
        );
      } else {
        qb.orderBy('a.startsAt', 'DESC');
      }
      const { skip, take } = skipTake(q);
      const [items, total] = await qb
        .addOrderBy('a.id', 'DESC')
        .skip(skip)
        .take(take)
        .getManyAndCount();
      return pageOf(await this.describe(em, caller, items), total, q);
    });
  }

  get(caller: Caller, id: number): Promise<ActivityDto> {
    return this.tx.read(
      async (em) => (await this.describe(em, caller, [await this.find(em, caller, id)]))[0],
    );
  }

  /** Who signed up or walked in, in the order they came; for the cadre at the venue. */
  signups(caller: Caller, id: number): Promise<ParticipantDto[]> {
    return this.tx.read(async (em) => {
      const activity = await this.find(em, caller, id);
      const given = new Map((activity.results ?? []).map((r) => [r.villagerId, r]));
      const rows = await em
        .createQueryBuilder(ActivitySignup, 's')
        .innerJoin(Villager, 'v', 'v.id = s.villager_id')
        .leftJoin(Household, 'h', 'h.id = v.household_id')
        .select([
          's.villager_id AS "villagerId"',
          'v.name AS name',
          'h.household_no AS "householdNo"',
          's.signed_up_at AS "signedUpAt"',
          's.checked_in_at AS "checkedInAt"',
          's.checked_in_via AS "checkedInVia"',
          's.hours_tenths AS "hoursTenths"',
        ])
        .where('s.activity_id = :id', { id })
        .orderBy('s.id', 'ASC')
        .getRawMany<SignupDto & { hoursTenths: number | null }>();
      return rows.map(({ hoursTenths, ...r }) => ({
        ...r,
        villagerId: int(r.villagerId),
        signedUpAt: new Date(millis(r.signedUpAt)),
        checkedInAt: r.checkedInAt === null ? null : new Date(millis(r.checkedInAt)),
        outcome: given.get(int(r.villagerId))?.outcome ?? null,
        hours: hoursTenths === null ? null : int(hoursTenths) / 10,
      }));
    });
  }

  /**
   * A villager signs themselves up; a cadre adds a villager of the village (a walk-in). Signing
   * up again answers the same sign-up. Counted under the activity's lock, so a full activity
   * stays full with many phones at once.
   */
  signup(caller: Caller, id: number, dto: SignupCreateDto): Promise<SignupDto> {
    const villagerId = this.participant(caller, dto.villagerId);
    return this.tx.run(async (em) => {
      const ctx = ctxOf(em, caller);
      const activity = await this.lockOpen(em, caller, id);
      if (activity.endsAt.getTime() <= Date.now()) {
        throw refuse('ACTIVITY_NOT_OPEN', '活动已经结束，不能再报名 (the activity is over)');
      }
      const { villager, signup } = await this.place(em, activity, villagerId);
      if (signup) return this.signupDto(signup, villager);
      const row = await this.join(ctx, activity, villager, null);
      await this.audit.created(ctx, 'activity_signup', row.id, activity.villageId, row);
      return this.signupDto(row, villager);
    });
  }

  /**
   * At the venue: a cadre checks in a villager of the village (a card scanned, a name picked),
   * from an hour before the start while the activity is open; a villager checks themselves in
   * with the QR's token, from an hour before the start to an hour after the end. A walk-in is
   * signed up by the check-in. Checking in twice is one check-in.
   */
  checkin(caller: Caller, id: number, dto: CheckinCreateDto): Promise<SignupDto> {
    const self = caller.role === 'villager';
    if (self && dto.token === undefined) {
      throw new BadRequestException(
        'token: a villager checks in with the code of the activity’s QR',
      );
    }
    if (!self && dto.villagerId === undefined) {
      throw new BadRequestException('villagerId: name the villager to check in');
    }
    const villagerId = this.participant(caller, dto.villagerId);
    return this.tx.run(async (em) => {
      const ctx = ctxOf(em, caller);
      const activity = await this.lockOpen(em, caller, id);
      if (self) {
        if (!sameSecret(await this.secret(em, id), dto.token!)) {
          throw new BadRequestException(
            'token: 这不是本次活动的签到码 (not this activity’s check-in code)',
          );
        }
      }
      const now = Date.now();
      const from = activity.startsAt.getTime() - CHECKIN_MARGIN_MS;
      const until = activity.endsAt.getTime() + CHECKIN_MARGIN_MS;
      if (now < from || (self && now > until)) {
        throw refuse(
          'CHECKIN_CLOSED',
          `签到时间为 ${localDateTime(new Date(from), this.config.timeZone)} 至 ${localDateTime(new Date(until), this.config.timeZone)}（活动开始前1小时至结束后1小时）(check-in is closed now)`,
        );
      }
      const { villager, signup } = await this.place(em, activity, villagerId);
      if (signup?.checkedInAt) return this.signupDto(signup, villager);
      const checked = {
        checkedInAt: new Date(),
        checkedInBy: caller.id,
        checkedInVia: self ? ('self' as const) : ('cadre' as const),
      };
      if (signup) {
        await em.update(ActivitySignup, { id: signup.id }, checked);
        const after = { ...signup, ...checked };
        await this.audit.record(ctx, {
          action: 'activity_signup.checkin',
          entityType: 'activity_signup',
          entityId: signup.id,
          villageId: activity.villageId,
          before: signup,
          after,
        });
        return this.signupDto(after, villager);
      }
      const row = await this.join(ctx, activity, villager, checked);
      await this.audit.record(ctx, {
        action: 'activity_signup.checkin',
        entityType: 'activity_signup',
        entityId: row.id,
        villageId: activity.villageId,
        before: null,
        after: row,
      });
      return this.signupDto(row, villager);
    });
  }

  /** The code the venue's QR carries, and when it works (the cadre shows it on a phone or paper). */
  checkinToken(caller: Caller, id: number): Promise<CheckinTokenDto> {
    // a town reads what a cadre reads, but the code lets people check in: the village's cadre only
    if (caller.role !== 'cadre')
      throw forbidden('Only the village’s cadre shows the check-in code');
    return this.tx.read(async (em) => {
      const activity = await this.find(em, caller, id);
      if (activity.status !== 'open') {
        throw refuse('ACTIVITY_NOT_OPEN', '活动已结束或已取消 (the activity is not open)');
      }
      return {
        token: await this.secret(em, id),
        validFrom: new Date(activity.startsAt.getTime() - CHECKIN_MARGIN_MS),
        validUntil: new Date(activity.endsAt.getTime() + CHECKIN_MARGIN_MS),
      };
    });
  }

  /**
   * open → closed, one conditional update: of two closes (one cadre twice, two cadres at once)
   * one awards and the other answers the winner's results. Everyone checked in is awarded the
   * rule through the bulk award and credited the activity's hours, in this one transaction.
   */
  close(caller: Caller, id: number): Promise<ActivityClosedDto> {
    return this.tx.run(async (em) => {
      const ctx = ctxOf(em, caller);
      const before = await this.find(em, caller, id);
      if (before.status === 'open') {
        if (before.startsAt.getTime() > Date.now()) {
          throw refuse('INVALID_TRANSITION', '活动开始以后才能结束 (the activity has not started)');
        }
        // the rule may have been edited since the activity was published
        const rule = await em.findOneBy(Rule, { id: before.ruleId });
        if (!rule || rule.points <= 0 || rule.evidenceRequired) {
          throw refuse(
            'INVALID_TRANSITION',
            `细则「${rule?.title ?? before.ruleId}」已改为扣分或须逐条附证据，不能统一记分；请管理员改回细则，或取消活动 (the activity's rule no longer suits a bulk award)`,
          );
        }
      }
      const closedAt = new Date();
      const won = await em.update(
        Activity,
        { id, status: 'open' },
        { status: 'closed', closedBy: caller.id, closedAt },
      );
      if (won.affected !== 1) return this.closedAnswer(em, caller, id);

      const came = await em
        .createQueryBuilder(ActivitySignup, 's')
        .innerJoin(Villager, 'v', 'v.id = s.villager_id')
        .select(['s.villager_id AS "villagerId"', 'v.name AS name'])
        .where('s.activity_id = :id AND s.checked_in_at IS NOT NULL', { id })
        .orderBy('s.id', 'ASC')
        .getRawMany<{ villagerId: number; name: string }>();
      const results: ParticipantResult[] = [];
      if (came.length) {
        const award: DeedBulkCreateDto = {
          ruleId: before.ruleId,
          occurredOn: todayIn(this.config.timeZone, before.startsAt),
          description: `参加活动「${before.title}」（${before.place}）`.slice(0, 500),
          villagerIds: came.map((p) => int(p.villagerId)),
          batchKey: `activity-${id}-${randomUUID()}`,
        };
        const { results: awarded } = await this.deeds.bulkIn(
          ctx,
          award,
          sha256Hex(canonicalBulk(award)),
        );
        const hours = before.hoursTenths / 10;
        // the rule as bulkIn awarded it, in this transaction
        const { points } = await em.findOneByOrFail(Rule, { id: before.ruleId });
        came.forEach((p, i) => {
          const given = awarded[i].outcome === 'awarded' ? points : 0;
          results.push({ ...awarded[i], name: p.name, points: given, hours });
        });
        await em
          .createQueryBuilder()
          .update(ActivitySignup)
          .set({ hoursTenths: before.hoursTenths })
          .where('activity_id = :id AND checked_in_at IS NOT NULL', { id })
          .execute();
      }
      await em.update(Activity, { id }, { results });
      await this.audit.record(ctx, {
        action: 'activity.close',
        entityType: 'activity',
        entityId: id,
        villageId: before.villageId,
        before: { status: before.status },
        after: { status: 'closed', closedBy: caller.id, closedAt, participants: results.length },
      });
      return this.closedAnswer(em, caller, id);
    });
  }

  /** open → cancelled with the reason, which those signed up see with the activity. */
  cancel(caller: Caller, id: number, dto: ActivityCancelDto): Promise<ActivityDto> {
    return this.tx.run(async (em) => {
      const ctx = ctxOf(em, caller);
      const before = await this.find(em, caller, id);
      const change = {
        status: 'cancelled' as const,
        cancelledBy: caller.id,
        cancelledAt: new Date(),
        cancelReason: dto.reason,
      };
      const { affected } = await em.update(Activity, { id, status: 'open' }, change);
      if (affected !== 1) {
        throw refuse(
          'INVALID_TRANSITION',
          '只能取消进行中的活动 (the activity is closed or cancelled)',
        );
      }
      await this.audit.record(ctx, {
        action: 'activity.cancel',
        entityType: 'activity',
        entityId: id,
        villageId: before.villageId,
        before: { status: before.status },
        after: change,
        reason: dto.reason,
      });
      // those signed up are told, in this transaction
      const signedUp = await em.find(ActivitySignup, { where: { activityId: id } });
      for (const { villagerId } of signedUp) {
        await this.notices.post(
          em,
          { villager: villagerId },
          {
            kind: 'activity.cancelled',
            title: `活动取消：${before.title}`,
            body: `原定${localDateTime(before.startsAt, this.config.timeZone)}在${before.place}的活动取消了。原因：${dto.reason}`,
            link: '/villager/activities',
          },
        );
      }
      return (await this.describe(em, caller, [{ ...before, ...change }]))[0];
    });
  }

  /**
   * 志愿服务记录: the villager's hours at closed activities, oldest first, each with the
   * organiser who recorded and certifies it. A villager reads their own; a cadre their village's.
   */
  volunteerRecord(caller: Caller, villagerId: number): Promise<VolunteerRecordDto> {
    if (caller.role === 'villager' && caller.villagerId !== villagerId) {
      throw forbidden('A villager sees only their own volunteer record');
    }
    return this.tx.read(async (em) => {
      const villager = await em.findOneBy(
        Villager,
        defined({ id: villagerId, villageId: whereVillage(readableVillages(caller)) }),
      );
      if (!villager) throw notFound('Villager');
      const village = await em.findOneByOrFail(Village, { id: villager.villageId });
      const rows = await em
        .createQueryBuilder(ActivitySignup, 's')
        .innerJoin(Activity, 'a', 'a.id = s.activity_id')
        .innerJoin(Village, 'g', 'g.id = a.village_id')
        .select([
          'a.id AS "activityId"',
          'a.title AS title',
          'a.starts_at AS "startsAt"',
          's.hours_tenths AS "hoursTenths"',
          'g.name AS "villageName"',
        ])
        .where("s.villager_id = :villagerId AND a.status = 'closed'", { villagerId })
        .andWhere('s.checked_in_at IS NOT NULL AND s.hours_tenths IS NOT NULL')
        .orderBy('a.startsAt', 'ASC')
        .addOrderBy('a.id', 'ASC')
        .getRawMany<{
          activityId: number;
          title: string;
          startsAt: string | Date;
          hoursTenths: number;
          villageName: string;
        }>();
      const items = rows.map((r) => ({
        activityId: int(r.activityId),
        title: r.title,
        date: todayIn(this.config.timeZone, new Date(millis(r.startsAt))),
        hours: int(r.hoursTenths) / 10,
        organiser: `${r.villageName}村民委员会`,
      }));
      const tenths = rows.reduce((sum, r) => sum + int(r.hoursTenths), 0);
      return {
        villagerId,
        name: villager.name,
        villageName: village.name,
        totalHours: tenths / 10,
        items,
      };
    });
  }

  /** The activity's check-in code (a column no entity read selects). */
  private async secret(em: EntityManager, id: number): Promise<string> {
    const [row] = await this.dialect.select<{ token: string }>(
      em,
      'SELECT checkin_token AS token FROM activities WHERE id = $1',
      [id],
    );
    return row.token;
  }

  /** The villager a sign-up or check-in is for: a villager themselves, a cadre the one named. */
  private participant(caller: Caller, named: number | undefined): number {
    if (caller.role === 'villager') {
      if (named !== undefined && named !== caller.villagerId) {
        throw forbidden('A villager signs up and checks in only themselves');
      }
      return caller.villagerId!;
    }
    if (named === undefined) throw new BadRequestException('villagerId: name the villager');
    return named;
  }

  /** The activity, locked until the transaction ends, if it is still open. */
  private async lockOpen(em: EntityManager, caller: Caller, id: number): Promise<Activity> {
    const activity = await this.find(em, caller, id);
    // the status as it stands under the lock: a close or cancel may have committed meanwhile
    const [{ status }] = await this.dialect.lockedRows<{ status: Activity['status'] }>(
      em,
      'SELECT status FROM activities WHERE id = $1',
      [id],
    );
    if (status !== 'open') {
      throw refuse(
        'ACTIVITY_NOT_OPEN',
        status === 'closed'
          ? '活动已经结束 (the activity is closed)'
          : '活动已取消 (the activity was cancelled)',
      );
    }
    return activity;
  }

  /** The villager (of the activity's village, active) and their sign-up, if any. */
  private async place(
    em: EntityManager,
    activity: Activity,
    villagerId: number,
  ): Promise<{ villager: Villager; signup: ActivitySignup | null }> {
    const villager = await em.findOneBy(Villager, {
      id: villagerId,
      villageId: activity.villageId,
    });
    if (!villager) throw notFound('Villager');
    if (villager.status !== 'active') {
      throw refuse('VILLAGER_NOT_ACTIVE', '该村民已迁出或已故 (villager is not active)');
    }
    const signup = await em.findOneBy(ActivitySignup, { activityId: activity.id, villagerId });
    return { villager, signup };
  }

  /** A new participant, if the activity has room (under its lock). */
  private async join(
    ctx: Ctx,
    activity: Activity,
    villager: Villager,
    checked: Pick<ActivitySignup, 'checkedInAt' | 'checkedInBy' | 'checkedInVia'> | null,
  ): Promise<ActivitySignup> {
    const { em, caller } = ctx;
    const taken = await em.countBy(ActivitySignup, { activityId: activity.id });
    const room = activity.capacity ?? MAX_BULK_VILLAGERS;
    if (taken >= room) {
      throw refuse('ACTIVITY_FULL', `活动已满（限 ${room} 人）(the activity is full)`);
    }
    const row = em.create(ActivitySignup, {
      activityId: activity.id,
      villagerId: villager.id,
      signedUpBy: caller.id,
      signedUpAt: new Date(),
      checkedInAt: checked?.checkedInAt ?? null,
      checkedInBy: checked?.checkedInBy ?? null,
      checkedInVia: checked?.checkedInVia ?? null,
      hoursTenths: null,
    });
    await em.insert(ActivitySignup, row);
    return row;
  }

  private signupDto(row: ActivitySignup, villager: Villager): SignupDto {
    return {
      villagerId: villager.id,
      name: villager.name,
      householdNo: null,
      signedUpAt: row.signedUpAt,
      checkedInAt: row.checkedInAt,
      checkedInVia: row.checkedInVia,
    };
  }

  /** A closed activity with its results; 409 for one cancelled. */
  private async closedAnswer(
    em: EntityManager,
    caller: Caller,
    id: number,
  ): Promise<ActivityClosedDto> {
    const activity = await this.find(em, caller, id);
    if (activity.status !== 'closed') {
      throw refuse('INVALID_TRANSITION', '活动已取消，不能结束 (the activity was cancelled)');
    }
    const [dto] = await this.describe(em, caller, [activity]);
    return { ...dto, results: activity.results ?? [] };
  }

  /** The activity if the caller reads its village; else 404. */
  private async find(em: EntityManager, caller: Caller, id: number): Promise<Activity> {
    const activity = await em.findOneBy(
      Activity,
      defined({ id, villageId: whereVillage(readableVillages(caller)) }),
    );
    if (!activity) throw notFound('Activity');
    return activity;
  }

  /** Activities as answered: with their rule, their counts and a villager's own place. */
  private async describe(
    em: EntityManager,
    caller: Caller,
    activities: Activity[],
  ): Promise<ActivityDto[]> {
    if (!activities.length) return [];
    const ids = activities.map((a) => a.id);
    const counts = await em
      .createQueryBuilder(ActivitySignup, 's')
      .select('s.activity_id', 'id')
      .addSelect('COUNT(*)', 'signedUp')
      .addSelect('COUNT(s.checked_in_at)', 'checkedIn')
      .where({ activityId: In(ids) })
      .groupBy('s.activity_id')
      .getRawMany<{ id: number; signedUp: number; checkedIn: number }>();
    const countOf = new Map(counts.map((c) => [int(c.id), c]));
    const rules = new Map(
      (await em.findBy(Rule, { id: In([...new Set(activities.map((a) => a.ruleId))]) })).map(
        (r) => [r.id, r],
      ),
    );
    const mine =
      caller.role === 'villager'
        ? new Map(
            (
              await em.findBy(ActivitySignup, {
                activityId: In(ids),
                villagerId: caller.villagerId ?? -1,
              })
            ).map((s) => [s.activityId, s]),
          )
        : null;
    return activities.map((a) => {
      const rule = rules.get(a.ruleId)!;
      const own = mine?.get(a.id);
      const given = a.results?.find((r) => r.villagerId === caller.villagerId);
      return {
        id: a.id,
        villageId: a.villageId,
        title: a.title,
        ruleId: a.ruleId,
        ruleTitle: rule.title,
        points: rule.points,
        startsAt: a.startsAt,
        endsAt: a.endsAt,
        place: a.place,
        capacity: a.capacity,
        hoursPerPerson: a.hoursTenths / 10,
        status: a.status,
        signedUp: int(countOf.get(a.id)?.signedUp),
        checkedIn: int(countOf.get(a.id)?.checkedIn),
        cancelReason: a.cancelReason,
        closedAt: a.closedAt,
        mine: mine
          ? {
              signedUp: own !== undefined,
              checkedIn: !!own?.checkedInAt,
              outcome: given?.outcome ?? null,
              points: given?.points ?? null,
              hours: own?.hoursTenths == null ? null : own.hoursTenths / 10,
            }
          : null,
      };
    });
  }
}

/** The activity's length in hours, rounded to half hours, between 0.5 and 24. */
export function defaultHours(startsAt: Date, endsAt: Date): number {
  const halves = Math.round((endsAt.getTime() - startsAt.getTime()) / (HOUR / 2));
  return Math.min(24, Math.max(0.5, halves / 2));
}

function sameSecret(expected: string, given: string): boolean {
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}
