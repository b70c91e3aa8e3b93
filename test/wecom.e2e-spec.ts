import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { todayIn } from '../src/common/time';
import { Delivery } from '../src/wecom/delivery.entity';
import { WecomService } from '../src/wecom/wecom.service';
import type { Village } from '../src/villages/village.entity';
import { bearer, createTestApp, freshDatabaseUrl, isPostgres, TestApp } from './app';
import { newRule } from './factories';

/**
 * The village group's 企业微信 robot (docs/product.md, "Notices"), against a real HTTP server
 * that answers as the robot does: `{ errcode: 0 }`, the rate limit 45009, a 5xx, no answer.
 */
type Answer = 'ok' | 'limit' | '500' | 'hang' | 'badkey';

/** The robot: what it was sent, and how it answers next (then `ok`). */
class Robot {
  readonly received: { key: string; body: { msgtype: string; markdown: { content: string } } }[] =
    [];
  readonly next: Answer[] = [];
  private server!: Server;
  port = 0;

  async start(): Promise<void> {
    this.server = createServer((req, res) => void this.answer(req, res));
    await new Promise<void>((done) => this.server.listen(0, '127.0.0.1', done));
    this.port = (this.server.address() as AddressInfo).port;
  }

  url(key: string): string {
    return `http://127.0.0.1:${this.port}/cgi-bin/webhook/send?key=${key}`;
  }

  /** Messages received whose content holds `text`. */
  with(text: string) {
    return this.received.filter((r) => r.body.markdown.content.includes(text));
  }

  private async answer(req: IncomingMessage, res: ServerResponse) {
    let raw = '';
    for await (const chunk of req) raw += chunk;
    const key = new URL(req.url!, 'http://x').searchParams.get('key') ?? '';
    this.received.push({ key, body: JSON.parse(raw) });
    const answer = this.next.shift() ?? 'ok';
    if (answer === 'hang') return; // no answer: the service times out
    if (answer === '500') {
      res.writeHead(502).end('bad gateway');
      return;
    }
    const body =
      answer === 'ok'
        ? { errcode: 0, errmsg: 'ok' }
        : answer === 'limit'
          ? { errcode: 45009, errmsg: 'api freq out of limit' }
          : { errcode: 93000, errmsg: 'invalid webhook url' };
    res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((done) => this.server.close(() => done()));
  }
}

const robot = new Robot();
let t: TestApp;
let village: Village;
let cadre: string;
let admin: string;
const KEY = 'aaaabbbb-1111-2222-3333-ccccdddd9f3a';
const today = () => todayIn('Asia/Shanghai');
const env = () => ({
  WECOM_ALLOWED_HOSTS: `127.0.0.1:${robot.port}`,
  // the tests post when they say so (deliverDue), not on a timer
  WECOM_POLL_SECONDS: '3600',
  WECOM_RETRY_SECONDS: '0.05',
  WECOM_TIMEOUT_SECONDS: '0.5',
  PUBLIC_URL: 'https://jf.example.gov.cn',
});

beforeAll(async () => {
  await robot.start();
  t = await createTestApp(env());
  admin = await t.adminToken();
  village = await t.newVillage({ name: '石井村', publicityDays: 5 });
  cadre = await t.tokenFor('cadre', { villageId: village.id });
});
afterAll(async () => {
  await t.close();
  await robot.close();
});

const put = (token: string, url: string | null, v = village) =>
  t.http().put(`/api/villages/${v.id}/wecom`).set(bearer(token)).send({ url });
const outbox = () => t.app.get(WecomService);
const wait = (ms: number) => new Promise((done) => setTimeout(done, ms));
const rows = (villageId = village.id) =>
  t.ds.getRepository(Delivery).find({ where: { villageId }, order: { id: 'ASC' } });

describe('the webhook setting', () => {
  it('only allowed hosts; answers and the trail never show the key', async () => {
    for (const url of [
      'https://evil.example.com/cgi-bin/webhook/send?key=1',
      'http://127.0.0.1:1/cgi-bin/webhook/send?key=1',
      'file:///etc/passwd',
      'not a url',
      // the key in the clear: https only, but for a robot on this machine
      'http://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=1',
      // longer than the column
      `${robot.url(KEY)}${'x'.repeat(300)}`,
    ]) {
      const res = await put(cadre, url).expect(400);
      expect(JSON.stringify(res.body.message)).toContain('url');
    }
    const set = await put(cadre, robot.url(KEY)).expect(200);
    expect(set.body).toEqual({ configured: true, hint: `127.0.0.1:${robot.port} …9f3a` });
    const read = await t.http().get(`/api/villages/${village.id}/wecom`).set(bearer(admin));
    expect(read.body).toEqual(set.body);
    const answers = [
      read.text,
      (await t.http().get(`/api/villages/${village.id}`).set(bearer(cadre)).expect(200)).text,
      (await t.http().get('/api/villages').set(bearer(admin)).expect(200)).text,
      JSON.stringify(
        await t.ds.query("SELECT changes FROM audit_events WHERE action = 'village.wecom'"),
      ),
    ];
    for (const text of answers) expect(text).not.toContain(KEY);
    // a villager, another village's cadre: no
    const v = await t.newVillager(village.id);
    const villager = await t.tokenFor('villager', { villageId: village.id, villagerId: v.id });
    await put(villager, robot.url(KEY)).expect(403);
    const other = await t.newVillage();
    await put(cadre, robot.url(KEY), other).expect(403);
    await t.http().get(`/api/villages/${village.id}/deliveries`).set(bearer(villager)).expect(403);
  });

  it('发送测试消息 posts at once and says how it went', async () => {
    await put(cadre, robot.url(KEY)).expect(200);
    const res = await t
      .http()
      .post(`/api/villages/${village.id}/wecom/test`)
      .set(bearer(cadre))
      .expect(200);
    expect(res.body).toMatchObject({ kind: 'test', status: 'sent', attempts: 1 });
    expect(robot.with('这是一条测试消息')).toHaveLength(1);
    expect(robot.with('这是一条测试消息')[0]).toMatchObject({
      key: KEY,
      body: { msgtype: 'markdown' },
    });
    const list = await t
      .http()
      .get(`/api/villages/${village.id}/deliveries`)
      .set(bearer(cadre))
      .expect(200);
    expect(list.body.items[0]).toMatchObject({ id: res.body.id, status: 'sent' });
  });
});

describe('the outbox', () => {
  it('the lists in publicity go to the group once, names as the board shows them', async () => {
    const v = await t.newVillage({ name: '公示村', publicityDays: 5 });
    const c = await t.tokenFor('cadre', { villageId: v.id });
    await put(c, robot.url('publicity-key'), v).expect(200);
    const rule = await newRule(t, { points: 9 });
    const person = await t.newVillager(v.id, { name: '欧阳春燕' });
    await t
      .http()
      .post('/api/deeds')
      .set(bearer(c))
      .send({ villagerId: person.id, ruleId: rule.id, occurredOn: today(), description: '修桥' })
      .expect(201);
    const month = today().slice(0, 7);
    await t
      .http()
      .post(`/api/villages/${v.id}/evaluations/${month}/publish`)
      .set(bearer(c))
      .expect(201);
    const [queued] = await rows(v.id);
    expect(queued).toMatchObject({ key: `publicity:${v.id}:${month}:1`, status: 'waiting' });

    await outbox().deliverDue();
    await outbox().deliverDue();
    const sent = robot.received.filter((r) => r.key === 'publicity-key');
    expect(sent).toHaveLength(1);
    const content = sent[0].body.markdown.content;
    expect(content).toContain('欧**燕 +9');
    expect(content).not.toContain('欧阳春燕');
    expect(content).toContain(
      `(https://jf.example.gov.cn/board/${encodeURIComponent(v.code)}/${month})`,
    );
    expect(content).toMatch(/公示到\d+月\d+日/);
    expect((await rows(v.id))[0]).toMatchObject({ status: 'sent', attempts: 1 });
  });

  it('retried after the rate limit, a 5xx and no answer; given up on a bad key', async () => {
    const v = await t.newVillage({ name: '重试村' });
    const c = await t.tokenFor('cadre', { villageId: v.id });
    await put(c, robot.url('retry-key'), v).expect(200);
    robot.next.push('limit', '500', 'hang');
    const test = await t.http().post(`/api/villages/${v.id}/wecom/test`).set(bearer(c)).expect(200);
    expect(test.body).toMatchObject({ status: 'waiting', attempts: 1 });
    expect(test.body.lastError).toContain('45009');
    for (const expected of ['HTTP 502', 'no answer']) {
      await wait(400);
      await outbox().deliverDue();
      const [row] = await rows(v.id);
      expect(row.status).toBe('waiting');
      expect(row.lastError).toContain(expected);
    }
    await wait(600);
    await outbox().deliverDue();
    const [row] = await rows(v.id);
    expect(row).toMatchObject({ status: 'sent', attempts: 4, lastError: null });
    // four posts: a message timed out may reach the group twice (the robot has no idempotency key)
    expect(robot.received.filter((r) => r.key === 'retry-key')).toHaveLength(4);
    await wait(200);
    await outbox().deliverDue();
    expect(robot.received.filter((r) => r.key === 'retry-key')).toHaveLength(4);

    robot.next.push('badkey');
    const bad = await t.http().post(`/api/villages/${v.id}/wecom/test`).set(bearer(c)).expect(200);
    expect(bad.body).toMatchObject({ status: 'failed', attempts: 1 });
    expect(bad.body.lastError).toContain('93000');
  });

  it('the day’s summary once, from WECOM_DAILY_AT, counts without names', async () => {
    const v = await t.newVillage({ name: '日报村' });
    const c = await t.tokenFor('cadre', { villageId: v.id });
    await put(c, robot.url('daily-key'), v).expect(200);
    const good = await newRule(t, { points: 3, category: 'kindness' });
    const person = await t.newVillager(v.id, { name: '张秀英' });
    for (let i = 0; i < 2; i++) {
      await t
        .http()
        .post('/api/deeds')
        .set(bearer(c))
        .send({ villagerId: person.id, ruleId: good.id, occurredOn: today(), description: '扶老' })
        .expect(201);
    }
    const evening = new Date(`${today()}T17:45:00+08:00`);
    const morning = new Date(`${today()}T09:00:00+08:00`);
    expect(await outbox().queueDaily(morning)).toBe(0);
    await Promise.all([outbox().queueDaily(evening), outbox().queueDaily(evening)]);
    const daily = (await rows(v.id)).filter((r) => r.kind === 'daily');
    expect(daily).toHaveLength(1);
    await outbox().deliverDue();
    const [sent] = robot.received.filter((r) => r.key === 'daily-key');
    expect(sent.body.markdown.content).toContain('善行义举 2 件');
    expect(sent.body.markdown.content).not.toContain('张秀英');
  });
});

describe('delivered once across a restart and across two instances', () => {
  /** A database two services share: a file on SQLite, a throwaway database on PostgreSQL. */
  async function sharedDatabase() {
    if (isPostgres) return freshDatabaseUrl();
    const path = join(tmpdir(), `wecom-${process.pid}-${Date.now()}.sqlite`);
    return {
      url: `sqlite:${path}`,
      drop: async () => {
        for (const f of [path, `${path}-wal`, `${path}-shm`]) rmSync(f, { force: true });
      },
    };
  }

  it('a message waiting when the service stops is posted by the next one, once', async () => {
    const db = await sharedDatabase();
    const first = await createTestApp({ ...env(), DATABASE_URL: db.url });
    const v = await first.newVillage({ name: '重启村' });
    const c = await first.tokenFor('cadre', { villageId: v.id });
    await first
      .http()
      .put(`/api/villages/${v.id}/wecom`)
      .set(bearer(c))
      .send({ url: robot.url('restart-key') })
      .expect(200);
    robot.next.push('500');
    await first.http().post(`/api/villages/${v.id}/wecom/test`).set(bearer(c)).expect(200);
    await first.close();

    const second = await createTestApp({ ...env(), DATABASE_URL: db.url });
    try {
      await wait(200);
      await second.app.get(WecomService).deliverDue();
      await second.app.get(WecomService).deliverDue();
      const [row] = await second.ds.getRepository(Delivery).findBy({ villageId: v.id });
      expect(row).toMatchObject({ status: 'sent', attempts: 2 });
      expect(robot.received.filter((r) => r.key === 'restart-key')).toHaveLength(2);
    } finally {
      await second.close();
      await db.drop();
    }
  });

  (isPostgres ? it : it.skip)(
    'two instances posting 30 messages at once post each once',
    async () => {
      const db = await freshDatabaseUrl();
      const [one, two] = [
        await createTestApp({ ...env(), DATABASE_URL: db.url }),
        await createTestApp({ ...env(), DATABASE_URL: db.url }),
      ];
      try {
        const v = await one.newVillage({ name: '双实例村' });
        const c = await one.tokenFor('cadre', { villageId: v.id });
        await one
          .http()
          .put(`/api/villages/${v.id}/wecom`)
          .set(bearer(c))
          .send({ url: robot.url('pair-key') })
          .expect(200);
        // 30 messages queued without posting them (the robot refuses the first try of each)
        robot.next.push(...Array<Answer>(30).fill('limit'));
        for (let i = 0; i < 30; i++) {
          await one.http().post(`/api/villages/${v.id}/wecom/test`).set(bearer(c)).expect(200);
        }
        await wait(300);
        await Promise.all([
          one.app.get(WecomService).deliverDue(),
          two.app.get(WecomService).deliverDue(),
          one.app.get(WecomService).deliverDue(),
          two.app.get(WecomService).deliverDue(),
        ]);
        const all = await one.ds.getRepository(Delivery).findBy({ villageId: v.id });
        expect(all.map((d) => [d.status, d.attempts])).toEqual(Array(30).fill(['sent', 2]));
        expect(robot.received.filter((r) => r.key === 'pair-key')).toHaveLength(60);
      } finally {
        await one.close();
        await two.close();
        await db.drop();
      }
    },
  );
});
