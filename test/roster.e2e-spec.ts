import ExcelJS from 'exceljs';
import { AuditEvent } from '../src/audit/audit-event.entity';
import { withCheckChar } from '../src/villagers/id-number';
import { Villager } from '../src/villagers/villager.entity';
import { Household, type Village } from '../src/villages/village.entity';
import { bearer, type TestApp } from './app';
import { twoVillages } from './factories';

/** 花名册 template and import (docs/product.md), with real .xlsx files made here with exceljs. */
let t: TestApp;
let a: Village;
let b: Village;
let cadreA: string;
let cadreB: string;
let admin: string;

beforeAll(async () => {
  ({ t, admin, a, b, cadreA, cadreB } = await twoVillages());
});
afterAll(() => t.close());

const HEADERS = ['户号', '户主', '村民小组', '姓名', '身份证号', '电话', '状态'];
type Cell = string | number | null;

/** A roster workbook as a cadre would save it: the ID column as text unless told otherwise. */
async function xlsx(rows: Cell[][], headers: string[] = HEADERS): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet('花名册');
  ws.addRow(headers);
  for (const r of rows) ws.addRow(r);
  return Buffer.from(await wb.xlsx.writeBuffer());
}

let seq = 0;
/** A valid resident ID, different each call. */
const newId = () => {
  const n = seq++;
  const day = String(1 + Math.floor(n / 1000)).padStart(2, '0');
  return withCheckChar(`43010219900${1}${day}${String(n % 1000).padStart(3, '0')}`);
};
let hh = 0;
const newNo = () => `H${process.pid}-${++hh}`;

const upload = (token: string, villageId: number, file: Buffer, query = '') =>
  t
    .http()
    .post(`/api/villages/${villageId}/roster/import${query}`)
    .set(bearer(token))
    .attach('file', file, 'roster.xlsx');

const count = async (villageId: number) => ({
  villagers: await t.ds.getRepository(Villager).countBy({ villageId }),
  households: await t.ds.getRepository(Household).countBy({ villageId }),
  events: await t.ds.getRepository(AuditEvent).countBy({ villageId }),
});

async function readBook(body: Buffer): Promise<ExcelJS.Worksheet> {
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load(body as never);
  return wb.worksheets[0];
}

const binary = (
  res: { on: (e: string, f: (c?: Buffer) => void) => void },
  done: (e: null, b: Buffer) => void,
) => {
  const chunks: Buffer[] = [];
  res.on('data', (c) => chunks.push(c!));
  res.on('end', () => done(null, Buffer.concat(chunks)));
};

describe('GET /api/villages/:villageId/roster/template', () => {
  const url = () => `/api/villages/${a.id}/roster/template`;

  it('401 without a token; 403 for admin, villager, shopkeeper and another village’s cadre', async () => {
    await t.http().get(url()).expect(401);
    const villager = await t.tokenFor('villager', { villageId: a.id });
    const shop = await t.tokenFor('shopkeeper');
    for (const token of [admin, villager, shop, cadreB]) {
      await t.http().get(url()).set(bearer(token)).expect(403);
    }
  });

  it('400 for a malformed village id', async () => {
    const res = await t
      .http()
      .get('/api/villages/x/roster/template')
      .set(bearer(cadreA))
      .expect(400);
    expect(res.body.message).toContain('villageId');
  });

  it('an .xlsx with the Chinese headers and the ID column formatted as text', async () => {
    const res = await t
      .http()
      .get(url())
      .set(bearer(cadreA))
      .buffer(true)
      .parse(binary)
      .expect(200);
    expect(res.headers['content-type']).toContain('spreadsheetml');
    expect(res.headers['content-disposition']).toContain('attachment');
    const ws = await readBook(res.body);
    expect((ws.getRow(1).values as string[]).slice(1)).toEqual([
      ...HEADERS,
      '出生日期',
      '与户主关系',
    ]);
    expect(ws.getColumn(5).numFmt).toBe('@');
  });
});

describe('POST /api/villages/:villageId/roster/import', () => {
  it('401 without a token; 403 for admin, villager and another village’s cadre; nothing changes', async () => {
    const file = await xlsx([[newNo(), '李四', '一组', '李四', newId(), null, null]]);
    const before = await count(a.id);
    await t
      .http()
      .post(`/api/villages/${a.id}/roster/import`)
      .attach('file', file, 'r.xlsx')
      .expect(401);
    const villager = await t.tokenFor('villager', { villageId: a.id });
    for (const token of [admin, villager, cadreB]) await upload(token, a.id, file).expect(403);
    expect(await count(a.id)).toEqual(before);
  });

  it.each([
    ['not a workbook', () => Buffer.from('姓名,身份证号\n张三,1\n'), 'file'],
    ['a zip that is no workbook', () => Buffer.from('PK\x03\x04 garbage garbage garbage'), 'file'],
  ])('400 for %s, naming the file', async (_, make, field) => {
    const res = await upload(cadreA, a.id, make()).expect(400);
    expect(res.body.message).toContain(field);
    expect(res.body.message).toMatch(/Excel|xlsx/);
  });

  it('400 when no known header is found, saying which headers the template has', async () => {
    const res = await upload(cadreA, a.id, await xlsx([['x', 'y']], ['foo', 'bar'])).expect(400);
    expect(res.body.message).toContain('姓名');
  });

  it('400 past 10,000 rows, nothing imported', async () => {
    const rows: Cell[][] = Array.from({ length: 10_001 }, (_, i) => [null, null, null, `村民${i}`]);
    const before = await count(a.id);
    const res = await upload(cadreA, a.id, await xlsx(rows)).expect(400);
    expect(res.body.message).toContain('10000');
    expect(await count(a.id)).toEqual(before);
  });

  it('413 over 5 MB; 415 when not multipart; 400 without the file field', async () => {
    const big = Buffer.alloc(5 * 1024 * 1024 + 10, 1);
    await upload(cadreA, a.id, big).expect(413);
    await t
      .http()
      .post(`/api/villages/${a.id}/roster/import`)
      .set(bearer(cadreA))
      .send({ file: 'x' })
      .expect(415);
    const res = await t
      .http()
      .post(`/api/villages/${a.id}/roster/import`)
      .set(bearer(cadreA))
      .attach('other', await xlsx([]), 'r.xlsx')
      .expect(400);
    expect(res.body.message).toContain('file');
    // a form of many fields is refused as such, not as a large file
    let crowded = t.http().post(`/api/villages/${a.id}/roster/import`).set(bearer(cadreA));
    for (let i = 0; i < 20; i++) crowded = crowded.field(`f${i}`, 'x');
    const many = await crowded.attach('file', await xlsx([]), 'r.xlsx').expect(400);
    expect(many.body.message).toMatch(/^file: the form has too many fields/);
  });

  it('400 for a dryRun that is not true or false', async () => {
    const res = await upload(cadreA, a.id, await xlsx([]), '?dryRun=maybe').expect(400);
    expect(JSON.stringify(res.body.message)).toContain('dryRun');
  });

  it('a dry run reports every problem by row and column and changes nothing; IDs never shown', async () => {
    const [good, dup, other] = [newId(), newId(), newId()];
    const no1 = newNo();
    const no2 = newNo();
    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet('花名册');
    ws.addRow(HEADERS);
    ws.addRow([no1, '王大', '一组', '王大', good, '13800000000', '在册']); // 2 ok
    ws.addRow([no1, '王大', '一组', '王二', Number('430102199003071234'), null, null]); // 3 as Excel keeps it
    ws.addRow([no1, '王大', '一组', '王三', dup, null, null]); // 4 ok
    ws.addRow([no1, '王大', '一组', '王四', dup, null, null]); // 5 duplicate ID
    ws.addRow([
      no2,
      '赵一',
      '二组',
      '赵一',
      other.slice(0, 17) + (other[17] === '0' ? '1' : '0'),
      null,
      null,
    ]); // 6 checksum
    ws.addRow([no2, '赵一', '二组', '赵二', null, null, '出走']); // 7 unknown status
    ws.addRow([no2, '赵一', '二组', null, null, '13900000000', null]); // 8 no name
    ws.addRow([no2, '钱一', '二组', '赵三', null, null, null]); // 9 second head
    ws.addRow([null, null, null, '孙一', null, null, null]); // 10 ok, no household
    const file = Buffer.from(await wb.xlsx.writeBuffer());
    const before = await count(a.id);
    const res = await upload(cadreA, a.id, file, '?dryRun=true').expect(200);
    expect(res.body.errors).toEqual([
      { row: 3, column: '身份证号', message: expect.stringContaining('4.30102E+17') },
      { row: 5, column: '身份证号', message: expect.stringContaining('第 4 行') },
      { row: 6, column: '身份证号', message: expect.stringContaining('校验') },
      { row: 7, column: '状态', message: expect.stringContaining('在册') },
      { row: 8, column: '姓名', message: '姓名不能为空' },
      { row: 9, column: '户主', message: expect.stringContaining('第 6 行') },
    ]);
    expect(res.body).toMatchObject({ created: 3, updated: 0, unchanged: 0 });
    expect(await count(a.id)).toEqual(before);
    const text = JSON.stringify(res.body);
    for (const id of [good, dup, '430102199003071234', '4301021990030712']) {
      expect(text).not.toContain(id);
    }

    // the same rows with a 错误说明 column, the ID numbers masked
    const book = await upload(cadreA, a.id, file, '?dryRun=true&format=xlsx')
      .buffer(true)
      .parse(binary)
      .expect(200);
    const sheet = await readBook(book.body);
    expect(sheet.getRow(1).getCell(8).value).toBe('错误说明');
    expect(String(sheet.getRow(5).getCell(8).value)).toContain('第 4 行');
    expect(sheet.getRow(2).getCell(8).value ?? '').toBe('');
    expect(sheet.getRow(2).getCell(5).value).toBe(`${good.slice(0, 6)}********${good.slice(-4)}`);
    let all = '';
    sheet.eachRow((row) => (all += JSON.stringify(row.values)));
    for (const id of [good, dup]) expect(all).not.toContain(id);
    expect(all).not.toMatch(/\d{17}[\dX]/);
  });

  it('the import with a problem is 422 with the same report and imports nothing', async () => {
    const file = await xlsx([
      [newNo(), '周一', '三组', '周一', newId(), null, null],
      [null, null, null, null, null, '13900000000', null],
    ]);
    const before = await count(a.id);
    const res = await upload(cadreA, a.id, file).expect(422);
    expect(res.body).toMatchObject({
      code: 'ROSTER_INVALID',
      created: 1,
      errors: [{ row: 3, column: '姓名', message: '姓名不能为空' }],
    });
    expect(res.body.message).toContain('没有导入');
    expect(await count(a.id)).toEqual(before);
  });

  it('imports all rows in one go, with an audit event per villager and household plus one for the import; the same file again changes nothing', async () => {
    const v = await t.newVillage();
    const cadre = await t.tokenFor('cadre', { villageId: v.id });
    const [no1, no2] = [newNo(), newNo()];
    const ids = [newId(), newId(), newId()];
    const file = await xlsx([
      [no1, '刘备', '一组', '刘备', ids[0], '13800000001', '在册'],
      [no1, null, null, '刘禅', ids[1], null, null],
      [no2, '关羽', '二组', '关羽', ids[2], null, '迁出'],
      [no2, '关羽', '二组', '关平', null, null, ''],
      [null, null, null, '张飞', null, '13800000002', null],
    ]);
    const dry = await upload(cadre, v.id, file, '?dryRun=true').expect(200);
    expect(dry.body).toEqual({ created: 5, updated: 0, unchanged: 0, errors: [] });
    expect((await count(v.id)).villagers).toBe(0);

    const res = await upload(cadre, v.id, file).expect(200);
    expect(res.body).toEqual({ created: 5, updated: 0, unchanged: 0, errors: [] });
    const villagers = await t.ds
      .getRepository(Villager)
      .find({ where: { villageId: v.id }, order: { id: 'ASC' } });
    expect(villagers.map((x) => [x.name, x.status])).toEqual([
      ['刘备', 'active'],
      ['刘禅', 'active'],
      ['关羽', 'moved'],
      ['关平', 'active'],
      ['张飞', 'active'],
    ]);
    const households = await t.ds
      .getRepository(Household)
      .find({ where: { villageId: v.id }, order: { id: 'ASC' } });
    expect(households.map((h) => [h.householdNo, h.headName, h.group])).toEqual([
      [no1, '刘备', '一组'],
      [no2, '关羽', '二组'],
    ]);
    expect(villagers[1].householdId).toBe(households[0].id);
    expect(villagers[4].householdId).toBeNull();
    const events = await t.ds
      .getRepository(AuditEvent)
      .find({ where: { villageId: v.id }, order: { id: 'ASC' } });
    expect(events.filter((e) => e.action === 'villager.create')).toHaveLength(5);
    expect(events.filter((e) => e.action === 'household.create')).toHaveLength(2);
    const imports = events.filter((e) => e.action === 'roster.import');
    expect(imports).toHaveLength(1);
    expect(imports[0]).toMatchObject({ entityType: 'village', entityId: v.id });
    expect(new Set(events.map((e) => e.requestId)).size).toBe(1);
    expect(JSON.stringify(events)).not.toContain(ids[0]);

    // the same file again: nothing changes but the record of the import
    const before = await count(v.id);
    const again = await upload(cadre, v.id, file).expect(200);
    expect(again.body).toEqual({ created: 0, updated: 0, unchanged: 5, errors: [] });
    expect(await count(v.id)).toEqual({ ...before, events: before.events + 1 });

    // headers in another order, an extra column, a changed phone and status: two updates
    const reordered = await xlsx(
      [
        ['备注', '13900000009', '刘备', ids[0], no1, '一组', '刘备', '在册'],
        ['', null, '关羽', ids[2], no2, '二组', '关羽', '在册'],
        ['', null, '张飞', null, null, null, null, null],
      ],
      ['备注', '电话', '姓名', '身份证号', '户号', '村民小组', '户主', '状态'],
    );
    const upd = await upload(cadre, v.id, reordered).expect(200);
    expect(upd.body).toEqual({ created: 0, updated: 2, unchanged: 1, errors: [] });
    const liu = await t.ds.getRepository(Villager).findOneByOrFail({ id: villagers[0].id });
    expect(liu.phone).toBe('13900000009');
    const guan = await t.ds.getRepository(Villager).findOneByOrFail({ id: villagers[2].id });
    expect(guan.status).toBe('active');
  });

  it('an ID number of another village’s villager: reported without naming them, counted toward the daily limit', async () => {
    const cadre = await t.tokenFor('cadre', { villageId: a.id });
    const taken: string[] = [];
    for (let i = 0; i < 11; i++) {
      const id = newId();
      taken.push(id);
      await t.newVillager(b.id, { name: `外村人${i}`, idNumber: id });
    }
    const first = await upload(
      cadre,
      a.id,
      await xlsx(
        taken.slice(0, 6).map((id, i) => [null, null, null, `本村人${i}`, id, null, null]),
      ),
      '?dryRun=true',
    ).expect(200);
    expect(first.body.errors).toHaveLength(6);
    expect(first.body.errors[0]).toEqual({
      row: 2,
      column: '身份证号',
      message: expect.stringContaining('别的村'),
    });
    const text = JSON.stringify(first.body);
    expect(text).not.toContain('外村人');
    expect(text).not.toContain(b.code);
    // 6 counted; 5 more are past the 10 a day: 429, and a single registration with an ID too
    await upload(
      cadre,
      a.id,
      await xlsx(taken.slice(6).map((id, i) => [null, null, null, `本村人${i}`, id, null, null])),
      '?dryRun=true',
    ).expect(429);
    await t
      .http()
      .post('/api/villagers')
      .set(bearer(cadre))
      .send({ name: '新人', idNumber: newId() })
      .expect(429);
  });

  it('a roster exported with masked ID numbers matches the villagers on record', async () => {
    const v = await t.newVillage();
    const cadre = await t.tokenFor('cadre', { villageId: v.id });
    const id = newId();
    const no = newNo();
    await upload(cadre, v.id, await xlsx([[no, '陈一', '一组', '陈一', id, null, null]])).expect(
      200,
    );
    const masked = `${id.slice(0, 6)}********${id.slice(-4)}`;
    const res = await upload(
      cadre,
      v.id,
      await xlsx([[no, '陈一', '一组', '陈一', masked, '13700000000', null]]),
    ).expect(200);
    expect(res.body).toEqual({ created: 0, updated: 1, unchanged: 0, errors: [] });
    const bad = await upload(
      cadre,
      v.id,
      await xlsx([[no, '陈二', '一组', '陈二', masked, null, null]]),
      '?dryRun=true',
    ).expect(200);
    expect(bad.body.errors).toEqual([
      { row: 2, column: '身份证号', message: expect.stringContaining('打码') },
    ]);
  });
});

describe('birth dates and relations (出生日期, 与户主关系): same-name members told apart', () => {
  const FULL = [...HEADERS, '出生日期', '与户主关系'];

  it('imports them as written (a date cell too) or from the ID number, and refuses what is wrong', async () => {
    const no = newNo();
    const id = newId(); // born 1990-01-..
    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet('花名册');
    ws.addRow(FULL);
    ws.addRow([no, '周大', '一组', '周大', id, null, null, null, '户主']); // 2: from the ID
    ws.addRow([no, '周大', '一组', '周明', null, null, null, '1988/3/5', '子']); // 3: text
    const dateRow = ws.addRow([no, '周大', '一组', '周明', null, null, null, null, '孙子女']); // 4
    dateRow.getCell(8).value = new Date(Date.UTC(2012, 6, 1)); // a date cell: a day count inside
    ws.addRow([no, '周大', '一组', '周亮', newId(), null, null, '1970-01-01', null]); // 5: not the ID's
    ws.addRow([no, '周大', '一组', '周红', null, null, null, '去年', '闺女']); // 6: two problems
    const file = Buffer.from(await wb.xlsx.writeBuffer());
    const dry = await upload(cadreA, a.id, file, '?dryRun=true').expect(200);
    expect(dry.body.errors).toEqual([
      { row: 5, column: '出生日期', message: expect.stringContaining('不一致') },
      { row: 6, column: '出生日期', message: expect.stringContaining('1962-03-05') },
      { row: 6, column: '与户主关系', message: expect.stringContaining('配偶') },
    ]);

    const ok = new ExcelJS.Workbook();
    const sheet = ok.addWorksheet('花名册');
    sheet.addRow(FULL);
    for (const r of ws.getRows(2, 2)!) sheet.addRow((r.values as Cell[]).slice(1));
    sheet.addRow([no, '周大', '一组', '周明', null, null, null, null, '孙子女']).getCell(8).value =
      new Date(Date.UTC(2012, 6, 1));
    const res = await upload(cadreA, a.id, Buffer.from(await ok.xlsx.writeBuffer())).expect(200);
    expect(res.body).toMatchObject({ created: 3, errors: [] });
    const household = await t.ds
      .getRepository(Household)
      .findOneByOrFail({ villageId: a.id, householdNo: no });
    const members = await t.ds
      .getRepository(Villager)
      .find({ where: { householdId: household.id }, order: { id: 'ASC' } });
    expect(members.map((m) => [m.name, m.birthDate, m.relation])).toEqual([
      ['周大', `${id.slice(6, 10)}-${id.slice(10, 12)}-${id.slice(12, 14)}`, '户主'],
      ['周明', '1988-03-05', '子'],
      ['周明', '2012-07-01', '孙子女'],
    ]);

    // the counter tells the two 周明 apart, by relation and year of birth
    const card = await t
      .http()
      .post(`/api/households/${household.id}/card`)
      .set(bearer(cadreA))
      .expect(201);
    const shop = await t.tokenFor('shopkeeper', { storeId: (await t.newStore([a.id])).id });
    const scanned = await t
      .http()
      .get(`/api/cards/${card.body.token}`)
      .set(bearer(shop))
      .expect(200);
    expect(
      scanned.body.members.map((m: { name: string; birthYear: number; relation: string }) => [
        m.name,
        m.birthYear,
        m.relation,
      ]),
    ).toEqual([
      ['周大', 1990, '户主'],
      ['周明', 1988, '子'],
      ['周明', 2012, '孙子女'],
    ]);
  });

  it('the API takes them, fills the birth date from an ID number, and names a bad field', async () => {
    const id = newId();
    const created = await t
      .http()
      .post('/api/villagers')
      .set(bearer(cadreA))
      .send({ name: '吴一', idNumber: id, relation: '配偶' })
      .expect(201);
    // the ID number's hidden digits are the birth date: beside it only the year is answered
    expect(created.body).toMatchObject({ birthDate: null, birthYear: 1990, relation: '配偶' });
    const stored = await t.ds.getRepository(Villager).findOneByOrFail({ id: created.body.id });
    expect(stored.birthDate).toBe(`${id.slice(6, 10)}-${id.slice(10, 12)}-${id.slice(12, 14)}`);
    const events = await t.ds
      .getRepository(AuditEvent)
      .findBy({ entityType: 'villager', entityId: created.body.id });
    expect(JSON.stringify(events)).not.toContain(stored.birthDate);
    // a birth date that is not the ID number's is refused
    const contradicting = await t
      .http()
      .patch(`/api/villagers/${created.body.id}`)
      .set(bearer(cadreA))
      .send({ birthDate: '1970-01-01' })
      .expect(400);
    expect(JSON.stringify(contradicting.body)).toContain('birthDate');
    for (const [field, value] of [
      ['birthDate', '2026-02-30'],
      ['birthDate', '1962/3/5'],
      ['relation', '闺女'],
    ]) {
      const refused = await t
        .http()
        .post('/api/villagers')
        .set(bearer(cadreA))
        .send({ name: '吴二', [field]: value })
        .expect(400);
      expect(JSON.stringify(refused.body)).toContain(field);
    }
    // without an ID number the date is answered whole, and null clears both
    const plain = await t
      .http()
      .post('/api/villagers')
      .set(bearer(cadreA))
      .send({ name: '吴三' })
      .expect(201);
    const patch = (body: object) =>
      t.http().patch(`/api/villagers/${plain.body.id}`).set(bearer(cadreA)).send(body).expect(200);
    expect((await patch({ birthDate: '1991-02-03', relation: '户主' })).body).toMatchObject({
      birthDate: '1991-02-03',
      birthYear: 1991,
      relation: '户主',
    });
    expect((await patch({ birthDate: null, relation: null })).body).toMatchObject({
      birthDate: null,
      birthYear: null,
      relation: null,
    });
  });
});
