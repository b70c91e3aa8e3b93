import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import type { Response } from 'supertest';
import { monthsBefore, todayIn } from '../src/common/time';
import { buildOpenApiDocument } from '../src/openapi';
import { quarterOf } from '../src/scores/score-formula';
import type { Village } from '../src/villages/village.entity';
import type { Villager } from '../src/villagers/villager.entity';
import { bearer, createTestApp, TestApp } from './app';
import { newRule, policyChangedDaysAgo, totp } from './factories';

/**
 * Every state-changing route of the OpenAPI document, walked: a success writes its audit events
 * (docs/product.md) with the request's id, a refusal writes none. A route added without a case here
 * fails the first test, so no new route can forget its trail.
 */

/** Routes that change no record: sessions (their access-log lines are test/access-log.e2e-spec.ts). */
/**
 * Logins and logouts write their access-log lines (test/access-log.e2e-spec.ts); a second factor
 * offered by setup is not in effect until enabled (its own case below); 长辈版 is a display
 * preference of one's own account.
 */
const NOT_RECORDS = new Set([
  'PATCH /api/me',
  // which notices an account has read: its own display state, like 长辈版
  'POST /api/me/notices/read',
  'POST /api/auth/login',
  'POST /api/auth/mfa',
  'POST /api/auth/logout',
  'POST /api/me/mfa/setup',
]);

interface Case {
  /** What the case needs first; its events are not counted. */
  setup?: () => Promise<void>;
  /** A request that succeeds, and the actions of the events it must write, in order. */
  ok: () => Promise<Response>;
  actions: string[];
  /** A request to the same route that is refused (4xx). */
  refused: () => Promise<Response>;
}

let t: TestApp;
let village: Village;
let other: Village;
let admin: string;
let cadre: string;
let villagerToken: string;
let wang: Villager;
let li: Villager;
let shop: string;
let storeId: number;
const s: Record<string, number> = {};
/** A session token kept between the setup and the steps of one case. */
let session = '';
/** The second factor's secret of the case that enables one. */
let secret = '';
const today = () => todayIn('Asia/Shanghai');
const month = () => today().slice(0, 7);

beforeAll(async () => {
  // the village's group robot: a port where nothing listens (a post fails at once)
  t = await createTestApp({ WECOM_ALLOWED_HOSTS: '127.0.0.1:9' });
  admin = await t.adminToken();
  village = await t.newVillage();
  other = await t.newVillage();
  cadre = await t.tokenFor('cadre', { villageId: village.id });
  wang = await t.newVillager(village.id, { name: '王五' });
  li = await t.newVillager(village.id, { name: '李四' });
  villagerToken = await t.tokenFor('villager', { villageId: village.id, villagerId: wang.id });
  storeId = (await t.newStore([village.id])).id;
  shop = await t.tokenFor('shopkeeper', { storeId });
  s.rule = (await newRule(t, { points: 50 })).id;
  s.otherHousehold = (await t.newHousehold(other.id)).id;
});
afterAll(() => t.close());

const post = (token: string, path: string, body?: object) =>
  t.http().post(path).set(bearer(token)).send(body);
const patch = (token: string, path: string, body: object) =>
  t.http().patch(path).set(bearer(token)).send(body);
const deed = (token: string, extra: object = {}) =>
  post(token, '/api/deeds', {
    villagerId: wang.id,
    ruleId: s.rule,
    occurredOn: today(),
    description: '打扫祠堂',
    ...extra,
  });
/** An activity of the village, under way now. */
const activityBody = () => ({
  title: '义务劳动',
  ruleId: s.activityRule,
  startsAt: new Date(Date.now() - 600_000).toISOString(),
  endsAt: new Date(Date.now() + 3600_000).toISOString(),
  place: '村委会',
});
const idOf = async (res: Promise<Response>) => ((await res).body as { id: number }).id;
const login = async (username: string, password: string) =>
  (
    (await t.http().post('/api/auth/login').send({ username, password })).body as {
      accessToken: string;
    }
  ).accessToken;

/** In the order run: later cases use what earlier ones made. */
const CASES: Record<string, Case> = {
  'POST /api/villages': {
    ok: () => post(admin, '/api/villages', { code: 'AUD-1', name: '审计村', town: '审计镇' }),
    actions: ['village.create'],
    refused: () => post(admin, '/api/villages', { code: 'AUD-1', name: '重复', town: '镇' }),
  },
  'PATCH /api/villages/{id}': {
    ok: () => patch(admin, `/api/villages/${village.id}`, { publicityDays: 2 }),
    actions: ['village.update'],
    refused: () => patch(admin, `/api/villages/${village.id}`, { publicityDays: -1 }),
  },
  'POST /api/villages/{villageId}/display-key': {
    ok: () => post(cadre, `/api/villages/${village.id}/display-key`, {}),
    actions: ['village.display_key'],
    refused: () => post(cadre, `/api/villages/${other.id}/display-key`, {}),
  },
  'POST /api/villages/{villageId}/households': {
    ok: async () => {
      const res = await post(cadre, `/api/villages/${village.id}/households`, {
        householdNo: 'A-001',
        headName: '王五',
      });
      s.household = res.body.id;
      return res;
    },
    actions: ['household.create'],
    refused: () =>
      post(cadre, `/api/villages/${other.id}/households`, { householdNo: 'X', headName: '某' }),
  },
  'PATCH /api/villages/{villageId}/households/{id}': {
    ok: () =>
      patch(cadre, `/api/villages/${village.id}/households/${s.household}`, { group: '二组' }),
    actions: ['household.update'],
    refused: () =>
      patch(cadre, `/api/villages/${village.id}/households/${s.household}`, { householdNo: '' }),
  },
  'POST /api/villagers': {
    ok: () => post(cadre, '/api/villagers', { name: '赵六', householdId: s.household }),
    actions: ['villager.create'],
    refused: () => post(cadre, '/api/villagers', { householdId: s.household }),
  },
  'PATCH /api/villagers/{id}': {
    ok: () =>
      patch(cadre, `/api/villagers/${wang.id}`, { phone: '13900001111', householdId: s.household }),
    actions: ['villager.update'],
    refused: () => patch(cadre, `/api/villagers/${wang.id}`, { status: 'gone' }),
  },
  'POST /api/villagers/{id}/anonymize': {
    setup: async () => {
      s.gone = (await t.newVillager(village.id, { name: '赵走了', status: 'moved' })).id;
    },
    ok: () => post(admin, `/api/villagers/${s.gone}/anonymize`),
    actions: ['villager.anonymize'],
    refused: () => post(admin, `/api/villagers/${li.id}/anonymize`), // still active: 409
  },
  'POST /api/users': {
    ok: () =>
      post(admin, '/api/users', {
        username: 'wang.wu',
        password: 'First-Pass-1',
        role: 'villager',
        villagerId: wang.id,
      }),
    actions: ['user.create'],
    refused: () =>
      post(admin, '/api/users', {
        username: 'WANG.WU',
        password: 'First-Pass-1',
        role: 'villager',
        villagerId: li.id,
      }),
  },
  'PATCH /api/users/{id}': {
    ok: async () => {
      const users = await t.http().get('/api/users?pageSize=100').set(bearer(admin));
      s.user = (users.body.items as { id: number; username: string }[]).find(
        (u) => u.username === 'wang.wu',
      )!.id;
      return patch(admin, `/api/users/${s.user}`, { password: 'Second-Pass-2' });
    },
    actions: ['user.update'],
    refused: () => patch(admin, `/api/users/${s.user}`, { role: 'emperor' }),
  },
  'POST /api/me/password': {
    // logged in before: a login is an event of its own (auth.login)
    setup: async () => {
      session = await login('wang.wu', 'Second-Pass-2');
    },
    ok: async () => {
      const res = await post(session, '/api/me/password', {
        currentPassword: 'Second-Pass-2',
        newPassword: 'Third-Pass-3',
      });
      session = res.body.accessToken;
      return res;
    },
    actions: ['auth.password_changed'],
    refused: () =>
      post(session, '/api/me/password', {
        currentPassword: 'not-my-password',
        newPassword: 'Fourth-Pass-4',
      }),
  },
  'POST /api/me/mfa/enable': {
    setup: async () => {
      await post(admin, '/api/users', {
        username: 'mfa.cadre',
        password: 'Mfa-Cadre-1',
        mustChangePassword: false,
        role: 'cadre',
        villageId: village.id,
      });
      session = await login('mfa.cadre', 'Mfa-Cadre-1');
      secret = (await post(session, '/api/me/mfa/setup')).body.secret;
    },
    ok: () => post(session, '/api/me/mfa/enable', { code: totp(secret) }),
    actions: ['auth.mfa_enabled'],
    refused: () => post(session, '/api/me/mfa/enable', { code: '000000' }), // on already: 409
  },
  'DELETE /api/me/sessions/{id}': {
    setup: async () => {
      await post(admin, '/api/users', {
        username: 'two.phones',
        password: 'Two-Phones-1',
        mustChangePassword: false,
        role: 'cadre',
        villageId: village.id,
      });
      session = await login('two.phones', 'Two-Phones-1');
      await login('two.phones', 'Two-Phones-1');
      const mine = await t.http().get('/api/me/sessions').set(bearer(session));
      s.otherSession = (mine.body.items as { id: number; current: boolean }[]).find(
        (x) => !x.current,
      )!.id;
    },
    ok: () => t.http().delete(`/api/me/sessions/${s.otherSession}`).set(bearer(session)),
    actions: ['auth.logout'],
    refused: () => t.http().delete(`/api/me/sessions/${s.otherSession}`).set(bearer(session)),
  },
  'POST /api/rules': {
    ok: () =>
      post(cadre, '/api/rules', { code: 'AUD-R', category: 'kindness', title: '审计', points: 2 }),
    actions: ['rule.create'],
    refused: () =>
      post(cadre, '/api/rules', { code: 'AUD-R', category: 'kindness', title: '重复', points: 2 }),
  },
  'PATCH /api/rules/{id}': {
    ok: () => patch(admin, `/api/rules/${s.rule}`, { title: '打扫公共场所' }),
    actions: ['rule.update'],
    refused: () => patch(admin, `/api/rules/${s.rule}`, { points: 0 }),
  },
  'POST /api/photos': {
    ok: async () => {
      const res = await t
        .http()
        .post('/api/photos')
        .set(bearer(villagerToken))
        .attach('file', readFileSync(join(__dirname, 'fixtures', 'photo.jpg')), 'a.jpg');
      s.photo = res.body.id;
      return res;
    },
    actions: ['photo.upload'],
    refused: () =>
      t
        .http()
        .post('/api/photos')
        .set(bearer(villagerToken))
        .attach('file', Buffer.from('text'), 'a.jpg'),
  },
  'POST /api/deeds': {
    ok: async () => {
      const res = await deed(villagerToken, { photoIds: [s.photo] });
      s.pending = res.body.id;
      return res;
    },
    actions: ['deed.report'],
    refused: () => deed(cadre, { occurredOn: '2999-01-01' }),
  },
  'POST /api/deeds/{id}/approve': {
    ok: () => post(cadre, `/api/deeds/${s.pending}/approve`),
    actions: ['deed.approve'],
    refused: () => post(cadre, `/api/deeds/${s.pending}/approve`),
  },
  'POST /api/deeds/{id}/reject': {
    setup: async () => {
      s.toReject = await idOf(deed(villagerToken));
    },
    ok: () => post(cadre, `/api/deeds/${s.toReject}/reject`, { reason: '无人证明' }),
    actions: ['deed.reject'],
    refused: () => post(cadre, `/api/deeds/${s.pending}/reject`, { reason: '已通过的不能驳回' }),
  },
  'POST /api/deeds/{id}/revoke': {
    ok: () => post(cadre, `/api/deeds/${s.pending}/revoke`, { reason: '重复记录' }),
    actions: ['deed.revoke'],
    refused: () => post(cadre, `/api/deeds/${s.pending}/revoke`, { reason: '再撤一次' }),
  },
  'POST /api/deeds/bulk': {
    ok: () =>
      post(cadre, '/api/deeds/bulk', {
        ruleId: s.rule,
        occurredOn: today(),
        description: '义务劳动',
        villagerIds: [wang.id, li.id],
        batchKey: 'audit-bulk',
      }),
    actions: ['deed.record', 'deed.record'],
    refused: () =>
      post(cadre, '/api/deeds/bulk', {
        ruleId: s.rule,
        occurredOn: today(),
        description: '义务劳动',
        villagerIds: [],
        batchKey: 'audit-bulk-2',
      }),
  },
  'POST /api/villages/{villageId}/roster/import': {
    ok: async () =>
      t
        .http()
        .post(`/api/villages/${village.id}/roster/import`)
        .set(bearer(cadre))
        .attach(
          'file',
          await rosterFile([
            ['A-01', '赵大', '一组', '赵大'],
            ['A-01', '赵大', '一组', '赵二'],
          ]),
          'r.xlsx',
        ),
    actions: ['household.create', 'villager.create', 'villager.create', 'roster.import'],
    refused: async () =>
      t
        .http()
        .post(`/api/villages/${village.id}/roster/import`)
        .set(bearer(cadre))
        .attach('file', await rosterFile([['A-02', '钱大', '一组', '']]), 'r.xlsx'),
  },
  'POST /api/households/{id}/card': {
    ok: () => post(cadre, `/api/households/${s.household}/card`),
    actions: ['household.card'],
    refused: () => post(cadre, `/api/households/${s.otherHousehold}/card`),
  },
  'POST /api/villages/{villageId}/cards': {
    ok: () => post(cadre, `/api/villages/${village.id}/cards`, { householdIds: [s.household] }),
    actions: ['household.card'],
    refused: () => post(cadre, `/api/villages/${other.id}/cards`, {}),
  },
  'POST /api/villages/{villageId}/evaluations/{month}': {
    ok: () => post(cadre, `/api/villages/${village.id}/evaluations/${month()}`),
    actions: ['evaluation.compute'],
    refused: () => post(cadre, `/api/villages/${other.id}/evaluations/${month()}`),
  },
  'POST /api/villages/{villageId}/evaluations/{month}/publish': {
    ok: () => post(cadre, `/api/villages/${village.id}/evaluations/${month()}/publish`),
    actions: ['evaluation.publish'],
    refused: () => post(cadre, `/api/villages/${village.id}/evaluations/${month()}/publish`),
  },
  'POST /api/villages/{villageId}/evaluations/{month}/objections': {
    ok: async () => {
      const res = await post(
        villagerToken,
        `/api/villages/${village.id}/evaluations/${month()}/objections`,
        {
          text: '我的积分算少了',
        },
      );
      s.objection = res.body.id;
      return res;
    },
    actions: ['objection.file'],
    refused: () =>
      post(villagerToken, `/api/villages/${village.id}/evaluations/2001-01/objections`, {
        text: '没有评比',
      }),
  },
  'POST /api/objections/{id}/resolve': {
    ok: () =>
      post(cadre, `/api/objections/${s.objection}/resolve`, {
        outcome: 'dismissed',
        reason: '核实无误',
      }),
    actions: ['objection.resolve'],
    refused: () =>
      post(cadre, `/api/objections/${s.objection}/resolve`, { outcome: 'upheld', reason: '再来' }),
  },
  'POST /api/stores': {
    ok: () => post(admin, '/api/stores', { name: '审计超市', villageIds: [village.id] }),
    actions: ['store.create'],
    refused: () => post(admin, '/api/stores', { name: '审计超市', villageIds: [] }),
  },
  'PATCH /api/stores/{id}': {
    ok: () => patch(admin, `/api/stores/${storeId}`, { villageIds: [village.id, other.id] }),
    actions: ['store.update'],
    refused: () => patch(admin, `/api/stores/${storeId}`, { villageIds: [999999] }),
  },
  'POST /api/stores/{id}/goods': {
    ok: async () => {
      const res = await post(shop, `/api/stores/${storeId}/goods`, {
        name: '肥皂',
        pointsPrice: 5,
      });
      s.goods = res.body.id;
      return res;
    },
    actions: ['goods.create'],
    refused: () => post(shop, `/api/stores/${storeId}/goods`, { name: '肥皂', pointsPrice: 0 }),
  },
  'PATCH /api/goods/{id}': {
    ok: () => patch(shop, `/api/goods/${s.goods}`, { pointsPrice: 4 }),
    actions: ['goods.update'],
    refused: () => patch(shop, `/api/goods/${s.goods}`, { stock: 100 }),
  },
  'POST /api/goods/{id}/stock-movements': {
    ok: () => post(shop, `/api/goods/${s.goods}/stock-movements`, { delta: 10, reason: 'restock' }),
    actions: ['goods.restock'],
    refused: () =>
      post(shop, `/api/goods/${s.goods}/stock-movements`, { delta: -99, reason: 'correction' }),
  },
  'POST /api/redemptions': {
    ok: async () => {
      const res = await post(shop, '/api/redemptions', {
        villagerId: wang.id,
        storeId,
        items: [{ goodsId: s.goods, quantity: 2 }],
      });
      s.redemption = res.body.id;
      return res;
    },
    actions: ['redemption.redeem'],
    refused: () =>
      post(shop, '/api/redemptions', {
        villagerId: wang.id,
        storeId,
        items: [{ goodsId: s.goods, quantity: 9 }],
      }),
  },
  'POST /api/redemptions/{id}/cancel': {
    ok: () => post(shop, `/api/redemptions/${s.redemption}/cancel`, { reason: '拿错了' }),
    actions: ['redemption.cancel'],
    refused: () => post(shop, `/api/redemptions/${s.redemption}/cancel`, { reason: '再退一次' }),
  },
  'POST /api/villages/{villageId}/incidents': {
    ok: async () => {
      const res = await post(admin, `/api/villages/${village.id}/incidents`, {
        kind: '零火灾',
        occurredOn: today(),
        description: '草垛失火',
      });
      s.incident = res.body.id;
      return res;
    },
    actions: ['incident.create'],
    refused: () =>
      post(cadre, `/api/villages/${village.id}/incidents`, {
        kind: '零火灾',
        occurredOn: today(),
        description: '草垛失火',
      }),
  },
  'POST /api/villages/{villageId}/incidents/{id}/revoke': {
    ok: () =>
      post(admin, `/api/villages/${village.id}/incidents/${s.incident}/revoke`, {
        reason: '记错了村',
      }),
    actions: ['incident.revoke'],
    // revoked already: 409
    refused: () =>
      post(admin, `/api/villages/${village.id}/incidents/${s.incident}/revoke`, { reason: '再撤' }),
  },
  'POST /api/towns/{town}/scores/{quarter}/publish': {
    ok: () =>
      post(
        admin,
        `/api/towns/${encodeURIComponent(village.town)}/scores/${quarterOf(today())}/publish`,
      ),
    actions: ['town_score.publish'],
    refused: () =>
      post(
        cadre,
        `/api/towns/${encodeURIComponent(village.town)}/scores/${quarterOf(today())}/publish`,
      ),
  },
  'POST /api/villages/{villageId}/activities': {
    setup: async () => {
      s.activityRule = (await newRule(t, { points: 2 })).id;
      s.volunteer = (await t.newVillager(village.id, { name: '赵六' })).id;
    },
    ok: async () => {
      const res = await post(cadre, `/api/villages/${village.id}/activities`, activityBody());
      s.activity = res.body.id;
      return res;
    },
    actions: ['activity.create'],
    refused: () => post(villagerToken, `/api/villages/${village.id}/activities`, activityBody()),
  },
  'POST /api/activities/{id}/signups': {
    ok: () => post(cadre, `/api/activities/${s.activity}/signups`, { villagerId: s.volunteer }),
    actions: ['activity_signup.create'],
    refused: () => post(cadre, `/api/activities/${s.activity}/signups`, {}),
  },
  'POST /api/activities/{id}/checkins': {
    ok: () => post(cadre, `/api/activities/${s.activity}/checkins`, { villagerId: s.volunteer }),
    actions: ['activity_signup.checkin'],
    refused: () => post(cadre, `/api/activities/${s.activity}/checkins`, { villagerId: 0 }),
  },
  'POST /api/activities/{id}/close': {
    ok: () => post(cadre, `/api/activities/${s.activity}/close`),
    actions: ['deed.record', 'activity.close'],
    refused: () => post(villagerToken, `/api/activities/${s.activity}/close`),
  },
  'POST /api/activities/{id}/cancel': {
    setup: async () => {
      s.activity2 = await idOf(
        post(cadre, `/api/villages/${village.id}/activities`, activityBody()),
      );
    },
    ok: () => post(cadre, `/api/activities/${s.activity2}/cancel`, { reason: '下雨改期' }),
    actions: ['activity.cancel'],
    refused: () => post(cadre, `/api/activities/${s.activity2}/cancel`, { reason: '再取消' }),
  },
  'PUT /api/villages/{villageId}/wecom': {
    ok: () =>
      t
        .http()
        .put(`/api/villages/${village.id}/wecom`)
        .set(bearer(cadre))
        .send({ url: 'http://127.0.0.1:9/cgi-bin/webhook/send?key=audit-key-1234' }),
    actions: ['village.wecom'],
    refused: () =>
      t
        .http()
        .put(`/api/villages/${village.id}/wecom`)
        .set(bearer(cadre))
        .send({ url: 'https://example.com/hook' }),
  },
  'POST /api/villages/{villageId}/wecom/test': {
    // nothing answers there: the message waits in the outbox, the request is recorded
    ok: () => post(cadre, `/api/villages/${village.id}/wecom/test`),
    actions: ['village.wecom_test'],
    refused: () => post(villagerToken, `/api/villages/${village.id}/wecom/test`),
  },
  'PATCH /api/settings/points': {
    ok: () => patch(admin, '/api/settings/points', { policy: 'expireAfterMonths', months: 12 }),
    actions: ['settings.update'],
    refused: () => patch(admin, '/api/settings/points', { policy: 'expireAfterMonths' }),
  },
  'POST /api/settings/points/run': {
    // 李四's points of 14 months ago, the policy in force for 31 days
    setup: async () => {
      await deed(cadre, { villagerId: li.id, occurredOn: monthsBefore(today(), 14) });
      await policyChangedDaysAgo(t, 31);
    },
    ok: () => post(admin, '/api/settings/points/run'),
    actions: ['villager.expire'],
    refused: () => post(cadre, '/api/settings/points/run'),
  },
};

/** The events written since `afterId`, oldest first. */
async function eventsAfter(
  afterId: number,
): Promise<{ id: number; action: string; request_id: string }[]> {
  return t.ds.query(
    `SELECT id, action, request_id FROM audit_events WHERE id > ${afterId} ORDER BY id`,
  );
}
/** A 花名册 workbook: 户号, 户主, 村民小组, 姓名. */
async function rosterFile(rows: string[][]): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet('花名册');
  ws.addRow(['户号', '户主', '村民小组', '姓名']);
  for (const r of rows) ws.addRow(r);
  return Buffer.from(await wb.xlsx.writeBuffer());
}

async function lastEventId(): Promise<number> {
  const [row] = await t.ds.query('SELECT MAX(id) AS id FROM audit_events');
  return Number(row.id ?? 0);
}

describe('the audit trail covers every state-changing route', () => {
  it('every POST, PUT, PATCH and DELETE in the OpenAPI document has a case here', () => {
    const doc = buildOpenApiDocument(t.app);
    const routes = Object.entries(doc.paths).flatMap(([path, item]) =>
      (['post', 'put', 'patch', 'delete'] as const)
        .filter((m) => item[m])
        .map((m) => `${m.toUpperCase()} ${path}`),
    );
    expect(routes.length).toBeGreaterThan(20);
    const uncovered = routes.filter((r) => !NOT_RECORDS.has(r) && !CASES[r]);
    const stale = Object.keys(CASES).filter((r) => !routes.includes(r));
    expect({ uncovered, stale }).toEqual({ uncovered: [], stale: [] });
  });

  it.each(Object.keys(CASES))('%s: a success writes its events, a refusal none', async (route) => {
    const c = CASES[route];
    await c.setup?.();
    const start = await lastEventId();
    const ok = await c.ok();
    expect({ route, status: ok.status, ok: ok.status >= 200 && ok.status < 300 }).toMatchObject({
      ok: true,
    });
    const written = await eventsAfter(start);
    expect(written.map((e) => e.action)).toEqual(c.actions);
    for (const e of written) expect(e.request_id).toBe(ok.headers['x-request-id']);

    const mark = await lastEventId();
    const refused = await c.refused();
    expect({
      route,
      status: refused.status,
      refused: refused.status >= 400 && refused.status < 500,
    }).toMatchObject({ refused: true });
    // a refusal changes nothing; the access log may still say it happened (auth.login_failed)
    const refusedEvents = await eventsAfter(mark);
    expect(refusedEvents.filter((e) => !e.action.startsWith('auth.'))).toEqual([]);
  });
});
