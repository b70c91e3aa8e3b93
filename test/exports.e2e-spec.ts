import ExcelJS from 'exceljs';
import { todayIn } from '../src/common/time';
import { Tx } from '../src/db/transaction';
import { LedgerEntry } from '../src/ledger/ledger-entry.entity';
import { LedgerService } from '../src/ledger/ledger.service';
import { withCheckChar } from '../src/villagers/id-number';
import type { Store } from '../src/store/store.entity';
import type { Villager } from '../src/villagers/villager.entity';
import type { Village } from '../src/villages/village.entity';
import { bearer, createTestApp, isPostgres, type TestApp } from './app';
import { grantPoints, newRule } from './factories';

/** Streamed exports (docs/product.md): roster, a village's ledger, a store's redemptions. */
let t: TestApp;
let a: Village;
let b: Village;
let storeA: Store;
let admin: string;
let cadreA: string;
let cadreB: string;
let shopA: string;
let villagerA: string;
let zhang: Villager;
let evil: Villager;
let outsider: Villager;
const ID = withCheckChar('43010219900307123');
const month = () => todayIn('Asia/Shanghai').slice(0, 7);

const binary = (
  res: { on: (e: string, f: (c?: Buffer) => void) => void },
  done: (e: null, b: Buffer) => void,
) => {
  const chunks: Buffer[] = [];
  res.on('data', (c) => chunks.push(c!));
  res.on('end', () => done(null, Buffer.concat(chunks)));
};
const get = (token: string, url: string) =>
  t.http().get(url).set(bearer(token)).buffer(true).parse(binary);

async function rowsOf(body: Buffer): Promise<unknown[][]> {
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load(body as never);
  const rows: unknown[][] = [];
  wb.worksheets[0].eachRow((row) => rows.push((row.values as unknown[]).slice(1)));
  return rows;
}

beforeAll(async () => {
  t = await createTestApp();
  admin = await t.adminToken();
  a = await t.newVillage({ name: '石井村' });
  b = await t.newVillage({ name: '双石村' });
  cadreA = await t.tokenFor('cadre', { villageId: a.id });
  cadreB = await t.tokenFor('cadre', { villageId: b.id });
  const h = await t.newHousehold(a.id, { householdNo: '001', headName: '张三', group: '一组' });
  zhang = await t.newVillager(a.id, {
    name: '张三',
    householdId: h.id,
    idNumber: ID,
    phone: '13800000000',
  });
  evil = await t.newVillager(a.id, { name: '=HYPERLINK("http://x","点我")' });
  outsider = await t.newVillager(b.id, { name: '李四' });
  villagerA = await t.tokenFor('villager', { villageId: a.id, villagerId: zhang.id });
  storeA = await t.newStore([a.id], '石井超市');
  shopA = await t.tokenFor('shopkeeper', { storeId: storeA.id });

  const rule = await newRule(t, { title: '清理河道', points: 5 });
  for (const v of [zhang, evil]) {
    await t
      .http()
      .post('/api/deeds')
      .set(bearer(cadreA))
      .send({
        villagerId: v.id,
        ruleId: rule.id,
        occurredOn: todayIn('Asia/Shanghai'),
        description: '义务劳动',
      })
      .expect(201);
  }
  await t
    .http()
    .post('/api/deeds')
    .set(bearer(cadreB))
    .send({
      villagerId: outsider.id,
      ruleId: rule.id,
      occurredOn: todayIn('Asia/Shanghai'),
      description: '外村',
    })
    .expect(201);
  await grantPoints(t.app.get(Tx), t.app.get(LedgerService), zhang.id, 100);
  // an entry of long ago: not in this month's export (PostgreSQL: its month's partition first)
  if (isPostgres) await t.ds.query(`SELECT ensure_month_partitions_since('2020-01-01')`);
  await t.ds
    .createQueryBuilder()
    .insert()
    .into(LedgerEntry)
    .values({
      villagerId: zhang.id,
      villageId: a.id,
      delta: 0,
      kind: 'adjustment',
      deedId: null,
      redemptionId: null,
      balanceAfter: 105,
      note: '去年的记录',
      actorId: 1,
      createdAt: new Date('2020-01-15T00:00:00Z'),
    })
    .execute();

  const goods = await t
    .http()
    .post(`/api/stores/${storeA.id}/goods`)
    .set(bearer(shopA))
    .send({ name: '洗衣粉', pointsPrice: 30, stock: 10 })
    .expect(201);
  await t
    .http()
    .post('/api/redemptions')
    .set(bearer(shopA))
    .send({
      villagerId: zhang.id,
      storeId: storeA.id,
      items: [{ goodsId: goods.body.id, quantity: 2 }],
    })
    .expect(201);
});
afterAll(() => t.close());

describe('GET /api/villages/:villageId/exports/:kind', () => {
  const url = (kind = 'roster', q = '') => `/api/villages/${a.id}/exports/${kind}${q}`;

  it('401 without a token; 403 for a villager, a shopkeeper and another village’s cadre; 404 for a missing village', async () => {
    await t.http().get(url()).expect(401);
    for (const token of [villagerA, shopA, cadreB]) await get(token, url()).expect(403);
    await get(admin, '/api/villages/999999/exports/roster').expect(404);
  });

  it.each([
    ['an unknown kind', 'deeds', '', 'kind'],
    ['a ledger without a month', 'ledger', '', 'month'],
    ['a malformed month', 'ledger', '?month=2026-13', 'month'],
    ['an unknown format', 'roster', '?format=pdf', 'format'],
  ])('400 for %s, naming the field', async (_, kind, q, field) => {
    const res = await t.http().get(url(kind, q)).set(bearer(cadreA)).expect(400);
    expect(JSON.stringify(res.body.message)).toContain(field);
  });

  it('the roster as XLSX: the template’s columns, ID numbers masked, only this village', async () => {
    const res = await get(cadreA, url()).expect(200);
    expect(res.headers['content-type']).toContain('spreadsheetml');
    expect(res.headers['content-disposition']).toContain("filename*=UTF-8''");
    const rows = await rowsOf(res.body);
    expect(rows[0]).toEqual([
      '户号',
      '户主',
      '村民小组',
      '姓名',
      '身份证号',
      '电话',
      '状态',
      '出生日期',
      '与户主关系',
      '积分',
    ]);
    expect(rows[1]).toEqual([
      '001',
      '张三',
      '一组',
      '张三',
      `${ID.slice(0, 6)}********${ID.slice(-4)}`,
      '13800000000',
      '在册',
      undefined,
      undefined,
      45,
    ]);
    expect(rows[2][3]).toBe(`'=HYPERLINK("http://x","点我")`);
    expect(rows).toHaveLength(3);
    expect(JSON.stringify(rows)).not.toContain(ID);
  });

  it('the roster as CSV: UTF-8 with a BOM, formula-looking text neutralised', async () => {
    const res = await get(admin, url('roster', '?format=csv')).expect(200);
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
    const body: Buffer = res.body;
    expect([...body.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const text = body.toString('utf8').slice(1);
    const lines = text.trimEnd().split('\r\n');
    expect(lines[0]).toBe('户号,户主,村民小组,姓名,身份证号,电话,状态,出生日期,与户主关系,积分');
    expect(lines[1]).toBe(
      `001,张三,一组,张三,${ID.slice(0, 6)}********${ID.slice(-4)},13800000000,在册,,,45`,
    );
    expect(lines[2]).toBe(`,,,"'=HYPERLINK(""http://x"",""点我"")",,,在册,,,5`);
    expect(text).not.toContain(ID);
    expect(text).not.toContain('李四');
  });

  it('the ledger of a month: this village’s entries of that month, oldest first, with the reason', async () => {
    const res = await get(cadreA, url('ledger', `?month=${month()}`)).expect(200);
    const rows = await rowsOf(res.body);
    expect(rows[0]).toEqual(['时间', '户号', '姓名', '类型', '积分', '余额', '事由', '操作人']);
    expect(rows.slice(1).map((r) => [r[2], r[3], r[4], r[5]])).toEqual([
      ['张三', '记分', 5, 5],
      [`'=HYPERLINK("http://x","点我")`, '记分', 5, 5],
      ['张三', '调整', 100, 105],
      ['张三', '兑换', -60, 45],
    ]);
    expect(rows[1][6]).toBe('清理河道：义务劳动');
    expect(rows[1][0]).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}$/);
    const old = await get(cadreA, url('ledger', '?month=2020-01&format=csv')).expect(200);
    expect((old.body as Buffer).toString('utf8')).toContain('去年的记录');
    expect((old.body as Buffer).toString('utf8')).not.toContain('义务劳动');
  });
});

describe('GET /api/exports/:kind (the district)', () => {
  it('401 without a token; 403 for a cadre; 400 for a ledger without a month', async () => {
    await t.http().get('/api/exports/ledger?month=2026-01').expect(401);
    await get(cadreA, `/api/exports/ledger?month=${month()}`).expect(403);
    await get(admin, '/api/exports/ledger').expect(400);
  });

  it('every village’s ledger in one table, with the village named', async () => {
    const res = await get(admin, `/api/exports/ledger?month=${month()}&format=csv`).expect(200);
    const text = (res.body as Buffer).toString('utf8');
    expect(text.split('\r\n')[0]).toBe('\uFEFF时间,村,户号,姓名,类型,积分,余额,事由,操作人');
    expect(text).toContain(',石井村,001,张三,记分,5,5,');
    expect(text).toContain(',双石村,,李四,记分,5,5,');
  });
});

describe('GET /api/stores/:storeId/exports/redemptions', () => {
  const url = (q = `?month=${month()}`) => `/api/stores/${storeA.id}/exports/redemptions${q}`;

  it('401 without a token; 403 for a cadre, a villager and another store’s shopkeeper; 404 for a missing store', async () => {
    await t.http().get(url()).expect(401);
    const otherShop = await t.tokenFor('shopkeeper', { storeId: (await t.newStore([b.id])).id });
    for (const token of [cadreA, villagerA, otherShop]) await get(token, url()).expect(403);
    await get(admin, `/api/stores/999999/exports/redemptions?month=${month()}`).expect(404);
  });

  it('400 without a month', async () => {
    const res = await t.http().get(url('')).set(bearer(shopA)).expect(400);
    expect(res.body.message).toContain('month');
  });

  it('the month’s redemptions with their goods, for the shopkeeper and the admin', async () => {
    for (const token of [shopA, admin]) {
      const rows = await rowsOf((await get(token, url()).expect(200)).body);
      expect(rows[0]).toEqual([
        '时间',
        '单号',
        '村',
        '姓名',
        '商品',
        '积分',
        '状态',
        '操作人',
        '取消原因',
      ]);
      expect(rows.slice(1).map((r) => r.slice(2, 7))).toEqual([
        ['石井村', '张三', '洗衣粉×2', 60, '已完成'],
      ]);
    }
    const none = await get(shopA, url('?month=2020-01')).expect(200);
    expect(await rowsOf(none.body)).toHaveLength(1);
  });
});
