import ExcelJS from 'exceljs';
import { MAX_INPUT_DEPTH } from '../src/common/dto';
import { Villager } from '../src/villagers/villager.entity';
import type { Village } from '../src/villages/village.entity';
import { bearer, createTestApp, type TestApp } from './app';

/**
 * Odd but well-formed input is a 400 naming the field, never a 500 (docs/security.md, "Input"):
 * months and dates outside the programme's years, bodies nested thousands deep, and names that
 * are not text a person could read.
 */
let t: TestApp;
let village: Village;
let cadre: string;
let admin: string;
beforeAll(async () => {
  t = await createTestApp();
  admin = await t.adminToken();
  village = await t.newVillage();
  cadre = await t.tokenFor('cadre', { villageId: village.id });
});
afterAll(() => t.close());

const message = (res: { body: { message?: unknown } }) => JSON.stringify(res.body.message);

describe('months and dates outside 2000-01…2100-12', () => {
  it.each(['0000-01', '1999-12', '2101-01', '9999-12'])(
    '%s is 400 naming the month on every route that takes one',
    async (month) => {
      const answers = [
        await t.http().get(`/api/villages/${village.id}/evaluations/${month}`).set(bearer(cadre)),
        await t.http().post(`/api/villages/${village.id}/evaluations/${month}`).set(bearer(cadre)),
        await t
          .http()
          .post(`/api/villages/${village.id}/evaluations/${month}/publish`)
          .set(bearer(cadre)),
        await t.http().get(`/api/public/villages/${village.code}/boards/${month}`),
        await t
          .http()
          .get(`/api/villages/${village.id}/exports/ledger?month=${month}`)
          .set(bearer(cadre)),
        await t.http().get(`/api/exports/ledger?month=${month}`).set(bearer(admin)),
        await t.http().get(`/api/deeds?month=${month}`).set(bearer(cadre)),
      ];
      for (const res of answers) {
        expect([res.status, message(res)]).toEqual([400, expect.stringContaining('month')]);
      }
    },
  );

  it('a deed dated before 2000-01-01 is 400 naming occurredOn; 2000-01-01 itself is taken', async () => {
    const v = await t.newVillager(village.id);
    const rules = await t.http().get('/api/rules').set(bearer(cadre)).expect(200);
    const rule = rules.body.items.find((r: { points: number }) => r.points > 0);
    const record = (occurredOn: string) =>
      t
        .http()
        .post('/api/deeds')
        .set(bearer(cadre))
        .send({ villagerId: v.id, ruleId: rule.id, occurredOn, description: '打扫村道' });
    for (const day of ['1999-12-31', '0001-01-01']) {
      const res = await record(day).expect(400);
      expect(message(res)).toContain('occurredOn');
    }
    await record('2000-01-01').expect(201);
  });
});

describe('nesting', () => {
  const deep = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;

  it('a body nested 20,000 deep is 400, on a public route and behind a login', async () => {
    for (const [path, token] of [
      ['/api/auth/login', null],
      ['/api/deeds', cadre],
    ] as const) {
      let req = t.http().post(path).set('Content-Type', 'application/json');
      if (token) req = req.set(bearer(token));
      const res = await req.send(`{"username":"a","password":"b","x":${deep(20_000)}}`);
      expect([res.status, message(res)]).toEqual([
        400,
        expect.stringContaining('nested too deeply'),
      ]);
    }
    // the service goes on
    await t.http().get('/api/health').expect(200);
  });

  it(`${MAX_INPUT_DEPTH} levels are still read (and refused for what they are)`, async () => {
    const res = await t
      .http()
      .post('/api/auth/login')
      .set('Content-Type', 'application/json')
      .send(`{"username":"a","password":"b","x":${deep(MAX_INPUT_DEPTH - 1)}}`)
      .expect(400);
    expect(message(res)).toContain('property x should not exist');
  });
});

describe('names are text a person can read', () => {
  const create = (name: string) =>
    t.http().post('/api/villagers').set(bearer(cadre)).send({ villageId: village.id, name });

  it.each([
    ['a lone surrogate', '\ud800x'],
    ['only zero-width spaces', '\u200b\u200b\ufeff'],
    ['a right-to-left override', '张\u202e三'],
    ['a directional isolate', '张\u2067三'],
  ])('%s is 400 naming the field', async (_, name) => {
    const res = await create(name).expect(400);
    expect(message(res)).toContain('name');
  });

  it('names are stored NFC-normalised, whatever form they came in', async () => {
    const res = await create('Rene\u0301 李').expect(201);
    expect(res.body.name).toBe('Ren\u00e9 李');
    const stored = await t.ds.getRepository(Villager).findOneByOrFail({ id: res.body.id });
    expect(stored.name).toBe('Ren\u00e9 李');
  });

  it('titles and other names too: a rule, a village, a household head', async () => {
    const rule = await t
      .http()
      .post('/api/rules')
      .set(bearer(admin))
      .send({ title: '\u200b', category: 'environment', points: 5 });
    expect([rule.status, message(rule)]).toEqual([400, expect.stringContaining('title')]);
    const v = await t
      .http()
      .post('/api/villages')
      .set(bearer(admin))
      .send({ code: 'ODD-1', name: '石井村', town: '杉山\u202e镇' });
    expect([v.status, message(v)]).toEqual([400, expect.stringContaining('town')]);
    const h = await t
      .http()
      .post(`/api/villages/${village.id}/households`)
      .set(bearer(cadre))
      .send({ householdNo: 'ODD-H1', headName: '\ud83d' });
    expect([h.status, message(h)]).toEqual([400, expect.stringContaining('headName')]);
  });

  it('the roster import applies the same rules, row by row', async () => {
    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet('花名册');
    ws.addRow(['姓名']);
    for (const name of ['\u200b\u200b', '王\u202e五', 'Zoe\u0308']) ws.addRow([name]);
    const file = Buffer.from(await wb.xlsx.writeBuffer());
    const res = await t
      .http()
      .post(`/api/villages/${village.id}/roster/import?dryRun=true`)
      .set(bearer(cadre))
      .attach('file', file, 'roster.xlsx')
      .expect(200);
    expect(res.body.errors).toEqual([
      { row: 2, column: '姓名', message: expect.stringContaining('看不见') },
      { row: 3, column: '姓名', message: expect.stringContaining('控制字符') },
    ]);
    expect(res.body.created).toBe(1);
  });
});
