import { ActivitySignup } from '../src/activities/activity.entity';
import { Deed } from '../src/deeds/deed.entity';
import type { Village } from '../src/villages/village.entity';
import type { Villager } from '../src/villagers/villager.entity';
import { bearer, createTestApp, TestApp } from './app';
import { expectLedgerConsistent, newRule } from './factories';

/** Activities and volunteer service (docs/product.md, "Activities"), on either database. */
let t: TestApp;
let a: Village;
let b: Village;
let cadre: string;
let cadre2: string;
let cadreB: string;
let admin: string;
let ruleId: number;

const HOUR = 3600_000;
/** An instant `h` hours from now, as the client sends it (with an offset). */
const at = (h: number) => new Date(Date.now() + h * HOUR).toISOString();

beforeAll(async () => {
  t = await createTestApp();
  admin = await t.adminToken();
  a = await t.newVillage();
  b = await t.newVillage();
  cadre = await t.tokenFor('cadre', { villageId: a.id });
  cadre2 = await t.tokenFor('cadre', { villageId: a.id });
  cadreB = await t.tokenFor('cadre', { villageId: b.id });
  ruleId = (await newRule(t, { title: '参加义务劳动', points: 3 })).id;
});
afterAll(() => t.close());

const post = (token: string, url: string, body: object = {}) =>
  t.http().post(url).set(bearer(token)).send(body);
const get = (token: string, url: string) => t.http().get(url).set(bearer(token));

/** An activity of village a, under way now unless told otherwise. */
async function activity(
  o: object = {},
  token = cadre,
): Promise<{ id: number; [k: string]: unknown }> {
  const res = await post(token, `/api/villages/${a.id}/activities`, {
    title: '义务劳动：清理村口河道',
    ruleId,
    startsAt: at(-0.5),
    endsAt: at(2),
    place: '村委会门口',
    ...o,
  }).expect(201);
  return res.body;
}
async function villagerOf(village: Village, o: Partial<Villager> = {}) {
  const v = await t.newVillager(village.id, o);
  return { v, token: await t.tokenFor('villager', { villageId: village.id, villagerId: v.id }) };
}
const tokenOf = async (id: number) =>
  (await get(cadre, `/api/activities/${id}/checkin-token`).expect(200)).body.token as string;
const countRows = (activityId: number) =>
  t.ds.getRepository(ActivitySignup).countBy({ activityId });

describe('publishing an activity', () => {
  it('a cadre publishes one; its hours default to its length in half hours', async () => {
    const made = await activity({ startsAt: at(1), endsAt: at(3.3) });
    expect(made).toMatchObject({
      villageId: a.id,
      title: '义务劳动：清理村口河道',
      ruleId,
      ruleTitle: '参加义务劳动',
      points: 3,
      place: '村委会门口',
      capacity: null,
      hoursPerPerson: 2.5,
      status: 'open',
      signedUp: 0,
      checkedIn: 0,
      mine: null,
    });
    expect(JSON.stringify(made)).not.toMatch(/checkin_?token/i);
    const read = await get(cadre, `/api/activities/${made.id}`).expect(200);
    expect(read.body).toEqual(made);
    expect((await activity({ hoursPerPerson: 1.5, capacity: 20 })).hoursPerPerson).toBe(1.5);
  });

  it.each([
    ['no title', { title: undefined }, 'title'],
    ['a time without its offset', { startsAt: '2026-12-08T08:00:00' }, 'startsAt'],
    ['not a time', { endsAt: 'tomorrow' }, 'endsAt'],
    ['an end before the start', { startsAt: at(2), endsAt: at(1) }, 'endsAt'],
    ['a start two months back', { startsAt: at(-24 * 60), endsAt: at(-24 * 60 + 2) }, 'startsAt'],
    ['more than the bulk award takes', { capacity: 501 }, 'capacity'],
    ['a quarter hour', { hoursPerPerson: 0.25 }, 'hoursPerPerson'],
    ['no place', { place: ' ' }, 'place'],
  ])('400 for %s, naming the field, and nothing published', async (_, over, field) => {
    const before = await t.ds.query('SELECT COUNT(*) AS n FROM activities');
    const res = await post(cadre, `/api/villages/${a.id}/activities`, {
      title: '义务劳动',
      ruleId,
      startsAt: at(1),
      endsAt: at(3),
      place: '村委会',
      ...over,
    }).expect(400);
    expect(JSON.stringify(res.body.message)).toContain(field);
    expect(await t.ds.query('SELECT COUNT(*) AS n FROM activities')).toEqual(before);
  });

  it('400 ruleId for a rule that needs evidence, deducts, is another village’s or inactive', async () => {
    const rules = [
      await newRule(t, { evidenceRequired: true }),
      await newRule(t, { points: -5, category: 'deduction' as never }),
      await newRule(t, { villageId: b.id }),
      await newRule(t, { active: false }),
    ];
    for (const rule of rules) {
      const res = await post(cadre, `/api/villages/${a.id}/activities`, {
        title: '志愿服务',
        ruleId: rule.id,
        startsAt: at(1),
        endsAt: at(2),
        place: '村委会',
      }).expect(400);
      expect(res.body.message).toContain('ruleId');
    }
  });

  it('only a cadre of the village publishes; the village’s users read, others do not', async () => {
    const body = { title: '环境整治', ruleId, startsAt: at(1), endsAt: at(2), place: '村道' };
    const { token: villager } = await villagerOf(a);
    const town = await t.tokenFor('town', { town: a.town });
    for (const token of [admin, villager, town])
      await post(token, `/api/villages/${a.id}/activities`, body).expect(403);
    await post(cadreB, `/api/villages/${a.id}/activities`, body).expect(403);

    const made = await activity();
    const auditor = await t.tokenFor('auditor');
    for (const token of [cadre, villager, admin, auditor, town]) {
      await get(token, `/api/activities/${made.id}`).expect(200);
      const list = await get(token, `/api/villages/${a.id}/activities`).expect(200);
      expect(list.body.items.map((x: { id: number }) => x.id)).toContain(made.id);
    }
    const { token: outsider } = await villagerOf(b);
    await get(outsider, `/api/activities/${made.id}`).expect(404);
    await get(cadreB, `/api/activities/${made.id}`).expect(404);
    await get(outsider, `/api/villages/${a.id}/activities`).expect(403);
    await get(cadreB, `/api/activities/${made.id}/signups`).expect(404);
    await get(villager, `/api/activities/${made.id}/signups`).expect(403);
  });

  it('upcoming lists open activities not over, soonest first; past the rest', async () => {
    const village = await t.newVillage();
    const c = await t.tokenFor('cadre', { villageId: village.id });
    const make = async (startH: number, endH: number) =>
      (
        await post(c, `/api/villages/${village.id}/activities`, {
          title: `活动${startH}`,
          ruleId,
          startsAt: at(startH),
          endsAt: at(endH),
          place: '村委会',
        }).expect(201)
      ).body.id as number;
    const later = await make(48, 50);
    const soon = await make(2, 3);
    const over = await make(-5, -3);
    const cancelled = await make(5, 6);
    await post(c, `/api/activities/${cancelled}/cancel`, { reason: '下雨' }).expect(200);
    const ids = async (when: string) =>
      (
        await get(c, `/api/villages/${village.id}/activities?when=${when}`).expect(200)
      ).body.items.map((x: { id: number }) => x.id);
    expect(await ids('upcoming')).toEqual([soon, later]);
    expect(await ids('past')).toEqual([cancelled, over]);
    await get(c, `/api/villages/${village.id}/activities?when=soon`).expect(400);
  });
});

describe('signing up', () => {
  it('a villager signs up themselves; twice is the same sign-up; another’s id is 403', async () => {
    const act = await activity({ startsAt: at(3), endsAt: at(5) });
    const { v, token } = await villagerOf(a);
    const first = await post(token, `/api/activities/${act.id}/signups`).expect(201);
    expect(first.body).toMatchObject({ villagerId: v.id, name: v.name, checkedInAt: null });
    const again = await post(token, `/api/activities/${act.id}/signups`).expect(201);
    expect(again.body).toEqual(first.body);
    const { v: other } = await villagerOf(a);
    await post(token, `/api/activities/${act.id}/signups`, { villagerId: other.id }).expect(403);
    expect(await countRows(act.id)).toBe(1);
    const read = await get(token, `/api/activities/${act.id}`).expect(200);
    expect(read.body).toMatchObject({
      signedUp: 1,
      mine: { signedUp: true, checkedIn: false, outcome: null, points: null, hours: null },
    });
  });

  it('a cadre adds a walk-in of the village; not one of another village, nor one moved away', async () => {
    const act = await activity({ startsAt: at(3), endsAt: at(5) });
    const { v } = await villagerOf(a);
    await post(cadre, `/api/activities/${act.id}/signups`, { villagerId: v.id }).expect(201);
    await post(cadre, `/api/activities/${act.id}/signups`).expect(400);
    const { v: outsider } = await villagerOf(b);
    await post(cadre, `/api/activities/${act.id}/signups`, { villagerId: outsider.id }).expect(404);
    const { v: moved } = await villagerOf(a, { status: 'moved' });
    const res = await post(cadre, `/api/activities/${act.id}/signups`, { villagerId: moved.id });
    expect(res.status).toBe(409);
    expect(res.body.code).toBe('VILLAGER_NOT_ACTIVE');
    await post(cadreB, `/api/activities/${act.id}/signups`, { villagerId: v.id }).expect(404);
    expect(await countRows(act.id)).toBe(1);
  });

  it('a full activity answers 409 ACTIVITY_FULL, even to eight phones at once', async () => {
    const act = await activity({ capacity: 3, startsAt: at(0.5), endsAt: at(2) });
    const people = await Promise.all(Array.from({ length: 8 }, () => villagerOf(a)));
    const answers = await Promise.all(
      people.map(({ token }) => post(token, `/api/activities/${act.id}/signups`)),
    );
    expect(answers.filter((r) => r.status === 201)).toHaveLength(3);
    const refused = answers.filter((r) => r.status !== 201);
    expect(refused.map((r) => [r.status, r.body.code])).toEqual(
      Array(5).fill([409, 'ACTIVITY_FULL']),
    );
    expect(await countRows(act.id)).toBe(3);
    // a walk-in checked in by the cadre needs a place too
    const res = await post(cadre, `/api/activities/${act.id}/checkins`, {
      villagerId: people.find((_, i) => answers[i].status !== 201)!.v.id,
    });
    expect(res.status).toBe(409);
    expect(res.body.code).toBe('ACTIVITY_FULL');
  });

  it('no sign-ups once the activity is over, cancelled or closed', async () => {
    const { token } = await villagerOf(a);
    const over = await activity({ startsAt: at(-3), endsAt: at(-1) });
    const cancelled = await activity({ startsAt: at(3), endsAt: at(4) });
    await post(cadre, `/api/activities/${cancelled.id}/cancel`, { reason: '天气不好' }).expect(200);
    for (const act of [over, cancelled]) {
      const res = await post(token, `/api/activities/${act.id}/signups`);
      expect([res.status, res.body.code]).toEqual([409, 'ACTIVITY_NOT_OPEN']);
    }
  });
});

describe('checking in', () => {
  it('the QR’s token is the cadre’s; a villager checks in with it once, as themselves', async () => {
    const act = await activity();
    const { v, token } = await villagerOf(a);
    await get(token, `/api/activities/${act.id}/checkin-token`).expect(403);
    await get(cadreB, `/api/activities/${act.id}/checkin-token`).expect(404);
    const code = await get(cadre, `/api/activities/${act.id}/checkin-token`).expect(200);
    expect(code.body.token).toMatch(/^[A-Za-z0-9_-]{16,64}$/);
    expect(new Date(code.body.validFrom).getTime()).toBeLessThan(Date.now());
    // the trail of the activity keeps no copy of the QR's secret
    const trail: { changes: string }[] = await t.ds.query(
      `SELECT changes FROM audit_events WHERE entity_type = 'activity' AND entity_id = ${act.id}`,
    );
    expect(trail).toHaveLength(1);
    expect(trail[0].changes).not.toContain(code.body.token);

    const first = await post(token, `/api/activities/${act.id}/checkins`, {
      token: code.body.token,
    }).expect(201);
    expect(first.body).toMatchObject({ villagerId: v.id, checkedInVia: 'self' });
    expect(first.body.checkedInAt).not.toBeNull();
    const again = await post(token, `/api/activities/${act.id}/checkins`, {
      token: code.body.token,
    }).expect(201);
    expect(again.body).toEqual(first.body);
    expect(await countRows(act.id)).toBe(1);

    // a villager needs the token, and names nobody else
    await post(token, `/api/activities/${act.id}/checkins`, { villagerId: v.id }).expect(400);
    const { v: other } = await villagerOf(a);
    await post(token, `/api/activities/${act.id}/checkins`, {
      token: code.body.token,
      villagerId: other.id,
    }).expect(403);
    // odd bodies are 400 naming the field, never a 5xx
    for (const [who, body] of [
      [token, { villagerId: v.id, token: 12345 }],
      [cadre, { villagerId: 'abc', token: 'x' }],
      [cadre, { villagerId: { id: 1 } }],
      [cadre, { villagerId: 3_000_000_000 }],
    ] as const) {
      const res = await post(who, `/api/activities/${act.id}/checkins`, body).expect(400);
      expect(JSON.stringify(res.body.message)).toMatch(/villagerId|token/);
    }
    // a town reads the activity but not the code that lets people check in
    const town = await t.tokenFor('town', { town: a.town });
    await get(town, `/api/activities/${act.id}`).expect(200);
    await get(town, `/api/activities/${act.id}/checkin-token`).expect(403);
    const wrong = await post(token, `/api/activities/${act.id}/checkins`, {
      token: 'x'.repeat(24),
    }).expect(400);
    expect(wrong.body.message).toContain('token');
    // the token of one activity does not check in at another
    const second = await activity();
    const { token: t2 } = await villagerOf(a);
    await post(t2, `/api/activities/${second.id}/checkins`, { token: code.body.token }).expect(400);
  });

  it('the QR works from an hour before the start to an hour after the end: else CHECKIN_CLOSED', async () => {
    const { v, token } = await villagerOf(a);
    const early = await activity({ startsAt: at(1.5), endsAt: at(3) });
    const late = await activity({ startsAt: at(-4), endsAt: at(-1.5) });
    const edge = await activity({ startsAt: at(0.9), endsAt: at(2) });
    for (const act of [early, late]) {
      const res = await post(token, `/api/activities/${act.id}/checkins`, {
        token: await tokenOf(act.id),
      });
      expect([res.status, res.body.code]).toEqual([409, 'CHECKIN_CLOSED']);
    }
    await post(token, `/api/activities/${edge.id}/checkins`, {
      token: await tokenOf(edge.id),
    }).expect(201);
    // the cadre may still record who came after it ended (from a paper list), not before it opens
    await post(cadre, `/api/activities/${late.id}/checkins`, { villagerId: v.id }).expect(201);
    const res = await post(cadre, `/api/activities/${early.id}/checkins`, { villagerId: v.id });
    expect([res.status, res.body.code]).toEqual([409, 'CHECKIN_CLOSED']);
  });

  it('a cadre checks in a signed-up villager or a walk-in; the list says who came and how', async () => {
    const act = await activity();
    const signedUp = await villagerOf(a);
    const walkIn = await villagerOf(a);
    await post(signedUp.token, `/api/activities/${act.id}/signups`).expect(201);
    await post(cadre, `/api/activities/${act.id}/checkins`, { villagerId: signedUp.v.id }).expect(
      201,
    );
    await post(cadre, `/api/activities/${act.id}/checkins`, { villagerId: walkIn.v.id }).expect(
      201,
    );
    const noShow = await villagerOf(a);
    await post(noShow.token, `/api/activities/${act.id}/signups`).expect(201);
    const list = await get(cadre, `/api/activities/${act.id}/signups`).expect(200);
    expect(
      list.body.map((s: { villagerId: number; checkedInVia: string | null }) => [
        s.villagerId,
        s.checkedInVia,
      ]),
    ).toEqual([
      [signedUp.v.id, 'cadre'],
      [walkIn.v.id, 'cadre'],
      [noShow.v.id, null],
    ]);
    expect((await get(cadre, `/api/activities/${act.id}`)).body).toMatchObject({
      signedUp: 3,
      checkedIn: 2,
    });
    await post(cadre, `/api/activities/${act.id}/checkins`, {}).expect(400);
  });
});

describe('closing', () => {
  it('awards the rule to everyone checked in, once, and credits their hours', async () => {
    const act = await activity({ hoursPerPerson: 2 });
    const came = [await villagerOf(a), await villagerOf(a)];
    const noShow = await villagerOf(a);
    await post(noShow.token, `/api/activities/${act.id}/signups`).expect(201);
    for (const p of came) {
      await post(p.token, `/api/activities/${act.id}/checkins`, {
        token: await tokenOf(act.id),
      }).expect(201);
    }
    const closed = await post(cadre, `/api/activities/${act.id}/close`).expect(200);
    expect(closed.body).toMatchObject({ status: 'closed', checkedIn: 2, signedUp: 3 });
    expect(closed.body.results).toEqual(
      came.map((p) => ({
        villagerId: p.v.id,
        name: p.v.name,
        outcome: 'awarded',
        deedId: expect.any(Number),
        points: 3,
        hours: 2,
      })),
    );
    for (const p of came) expect(await expectLedgerConsistent(t, p.v.id)).toBe(3);
    expect(await expectLedgerConsistent(t, noShow.v.id)).toBe(0);
    const list = await get(cadre, `/api/activities/${act.id}/signups`).expect(200);
    expect(
      list.body.map((s: { villagerId: number; outcome: string | null; hours: number | null }) => [
        s.villagerId,
        s.outcome,
        s.hours,
      ]),
    ).toEqual([
      [noShow.v.id, null, null],
      [came[0].v.id, 'awarded', 2],
      [came[1].v.id, 'awarded', 2],
    ]);
    const deed = await t.ds
      .getRepository(Deed)
      .findOneByOrFail({ id: closed.body.results[0].deedId });
    expect(deed).toMatchObject({
      ruleId,
      status: 'approved',
      source: 'cadre',
      description: '参加活动「义务劳动：清理村口河道」（村委会门口）',
    });

    // again, or by another cadre: the same answer, nothing more awarded
    const again = await post(cadre2, `/api/activities/${act.id}/close`).expect(200);
    expect(again.body).toEqual(closed.body);
    for (const p of came) expect(await expectLedgerConsistent(t, p.v.id)).toBe(3);
    // closed: no more sign-ups or check-ins, no cancel
    const res = await post(noShow.token, `/api/activities/${act.id}/signups`);
    expect(res.body.code).toBe('ACTIVITY_NOT_OPEN');
    const cancel = await post(cadre, `/api/activities/${act.id}/cancel`, { reason: '错了' });
    expect([cancel.status, cancel.body.code]).toEqual([409, 'INVALID_TRANSITION']);
  });

  it('two cadres closing at once award once; both answer the same results', async () => {
    for (let round = 0; round < 3; round++) {
      const act = await activity();
      const people = await Promise.all([villagerOf(a), villagerOf(a), villagerOf(a)]);
      for (const p of people) {
        await post(cadre, `/api/activities/${act.id}/checkins`, { villagerId: p.v.id }).expect(201);
      }
      const answers = await Promise.all([
        post(cadre, `/api/activities/${act.id}/close`),
        post(cadre2, `/api/activities/${act.id}/close`),
        post(cadre, `/api/activities/${act.id}/close`),
      ]);
      expect(answers.map((r) => r.status)).toEqual([200, 200, 200]);
      expect(answers[1].body).toEqual(answers[0].body);
      expect(answers[2].body).toEqual(answers[0].body);
      for (const p of people) {
        expect(await expectLedgerConsistent(t, p.v.id)).toBe(3);
        expect(await t.ds.getRepository(Deed).countBy({ villagerId: p.v.id })).toBe(1);
      }
    }
  });

  it('a capped or moved-away participant keeps their hours without the points', async () => {
    const capped = await newRule(t, { title: '每月一次的劳动', points: 4, maxPerMonth: 1 });
    const act = await activity({ ruleId: capped.id, hoursPerPerson: 3 });
    const p = await villagerOf(a);
    const mover = await villagerOf(a);
    await post(cadre, '/api/deeds', {
      villagerId: p.v.id,
      ruleId: capped.id,
      occurredOn: new Date(Date.now() - 0.5 * HOUR).toLocaleDateString('en-CA', {
        timeZone: 'Asia/Shanghai',
      }),
      description: '之前已记过一次',
    }).expect(201);
    for (const x of [p, mover]) {
      await post(cadre, `/api/activities/${act.id}/checkins`, { villagerId: x.v.id }).expect(201);
    }
    await t.ds.query(`UPDATE villagers SET status = 'moved' WHERE id = ${mover.v.id}`);
    const closed = await post(cadre, `/api/activities/${act.id}/close`).expect(200);
    expect(
      closed.body.results.map((r: { outcome: string; hours: number }) => [r.outcome, r.hours]),
    ).toEqual([
      ['MONTHLY_CAP_REACHED', 3],
      ['VILLAGER_NOT_ACTIVE', 3],
    ]);
    expect(await expectLedgerConsistent(t, p.v.id)).toBe(4);
    const record = await get(p.token, `/api/villagers/${p.v.id}/volunteer-record`).expect(200);
    expect(record.body.totalHours).toBe(3);
    const mine = await get(p.token, `/api/activities/${act.id}`).expect(200);
    expect(mine.body.mine).toEqual({
      signedUp: true,
      checkedIn: true,
      outcome: 'MONTHLY_CAP_REACHED',
      points: 0,
      hours: 3,
    });
  });

  it('a rule changed to a deduction since publishing: the close refuses, nothing awarded', async () => {
    const rule = await newRule(t, { title: '参加清扫', points: 2 });
    const act = await activity({ ruleId: rule.id });
    const p = await villagerOf(a);
    await post(cadre, `/api/activities/${act.id}/checkins`, { villagerId: p.v.id }).expect(201);
    await t.ds.query(`UPDATE rules SET points = -5 WHERE id = ${rule.id}`);
    const res = await post(cadre, `/api/activities/${act.id}/close`);
    expect([res.status, res.body.code]).toEqual([409, 'INVALID_TRANSITION']);
    expect(res.body.message).toContain('参加清扫');
    expect(await expectLedgerConsistent(t, p.v.id)).toBe(0);
    expect((await get(cadre, `/api/activities/${act.id}`)).body.status).toBe('open');
  });

  it('not before the start, not when cancelled, not by the villager or another village', async () => {
    const future = await activity({ startsAt: at(2), endsAt: at(3) });
    const res = await post(cadre, `/api/activities/${future.id}/close`);
    expect([res.status, res.body.code]).toEqual([409, 'INVALID_TRANSITION']);
    const act = await activity();
    const { token } = await villagerOf(a);
    await post(token, `/api/activities/${act.id}/close`).expect(403);
    await post(cadreB, `/api/activities/${act.id}/close`).expect(404);
    await post(cadre, `/api/activities/${act.id}/cancel`, {}).expect(400);
    await post(cadre, `/api/activities/${act.id}/cancel`, { reason: '下大雨，改期' }).expect(200);
    const closing = await post(cadre, `/api/activities/${act.id}/close`);
    expect([closing.status, closing.body.code]).toEqual([409, 'INVALID_TRANSITION']);
  });

  it('those signed up see a cancelled activity with its reason', async () => {
    const act = await activity({ startsAt: at(20), endsAt: at(22) });
    const { token } = await villagerOf(a);
    await post(token, `/api/activities/${act.id}/signups`).expect(201);
    await post(cadre, `/api/activities/${act.id}/cancel`, { reason: '下大雨，改期' }).expect(200);
    const seen = await get(token, `/api/activities/${act.id}`).expect(200);
    expect(seen.body).toMatchObject({
      status: 'cancelled',
      cancelReason: '下大雨，改期',
      mine: { signedUp: true },
    });
    const again = await post(cadre, `/api/activities/${act.id}/cancel`, { reason: '再取消' });
    expect([again.status, again.body.code]).toEqual([409, 'INVALID_TRANSITION']);
  });
});

describe('the volunteer record (志愿服务记录)', () => {
  it('hours of closed activities only, with the organiser; the villager’s own or the village’s', async () => {
    const p = await villagerOf(a);
    const first = await activity({
      title: '清理河道',
      startsAt: at(-5),
      endsAt: at(-3),
      hoursPerPerson: 2,
    });
    const second = await activity({ title: '敬老院志愿服务', hoursPerPerson: 1.5 });
    const open = await activity({ title: '还没结束的活动' });
    for (const act of [first, second, open]) {
      await post(cadre, `/api/activities/${act.id}/checkins`, { villagerId: p.v.id }).expect(201);
    }
    for (const act of [second, first])
      await post(cadre, `/api/activities/${act.id}/close`).expect(200);

    const record = await get(p.token, `/api/villagers/${p.v.id}/volunteer-record`).expect(200);
    expect(record.body).toEqual({
      villagerId: p.v.id,
      name: p.v.name,
      villageName: a.name,
      totalHours: 3.5,
      items: [
        {
          activityId: first.id,
          title: '清理河道',
          date: expect.stringMatching(/^\d{4}-\d{2}-\d{2}$/),
          hours: 2,
          organiser: `${a.name}村民委员会`,
        },
        expect.objectContaining({ activityId: second.id, hours: 1.5 }),
      ],
    });
    const byCadre = await get(cadre, `/api/villagers/${p.v.id}/volunteer-record`).expect(200);
    expect(byCadre.body).toEqual(record.body);
    const other = await villagerOf(a);
    await get(other.token, `/api/villagers/${p.v.id}/volunteer-record`).expect(403);
    await get(cadreB, `/api/villagers/${p.v.id}/volunteer-record`).expect(404);
    const empty = await get(other.token, `/api/villagers/${other.v.id}/volunteer-record`).expect(
      200,
    );
    expect(empty.body).toMatchObject({ totalHours: 0, items: [] });
    expect(await t.ds.getRepository(ActivitySignup).countBy({ villagerId: p.v.id })).toBe(3);
  });
});
