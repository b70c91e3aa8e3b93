import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Villager } from '../src/villagers/villager.entity';
import type { Village } from '../src/villages/village.entity';
import { XLSX_LIMITS } from '../src/common/xlsx-reader';
import { bearer, createTestApp, type TestApp } from './app';
import { cell, HEADER_ROW, workbook, zip } from './xlsx-files';

/**
 * Spreadsheet bombs sent to the roster import (docs/security.md, "Uploads"): each is refused with
 * a 400 naming `file`, the service keeps answering, nothing is imported and no temp file is left.
 */
let t: TestApp;
let village: Village;
let cadre: string;
// this file's own temp folder: whatever a parse writes there is seen, and must be gone
const ownTmp = mkdtempSync(join(tmpdir(), 'cp-uploads-'));
const outerTmp = process.env.TMPDIR;

beforeAll(async () => {
  process.env.TMPDIR = ownTmp;
  t = await createTestApp();
  village = await t.newVillage();
  cadre = await t.tokenFor('cadre', { villageId: village.id });
});
afterAll(async () => {
  await t.close();
  if (outerTmp === undefined) delete process.env.TMPDIR;
  else process.env.TMPDIR = outerTmp;
  rmSync(ownTmp, { recursive: true, force: true });
});
afterEach(async () => {
  expect(readdirSync(ownTmp)).toEqual([]);
  expect(await t.ds.getRepository(Villager).countBy({ villageId: village.id })).toBe(0);
});

const upload = (file: Buffer, query = '?dryRun=true') =>
  t
    .http()
    .post(`/api/villages/${village.id}/roster/import${query}`)
    .set(bearer(cadre))
    .attach('file', file, 'roster.xlsx');

const TOO_BIG = /^file: 表格内容太多/;
const MB = 1024 * 1024;
/** 40 M tiny shared strings: 680 MB of XML in a ~1.5 MB file. */
const fortyMillionStrings = {
  prefix: '',
  chunk: '<si><t>a</t></si>'.repeat(65_536),
  times: 610,
  suffix: '',
};
/** A row whose one cell holds 1 GB of text. */
const oneGigabyteCell = {
  prefix: `${HEADER_ROW}<row r="2"><c r="A2" t="inlineStr"><is><t>`,
  chunk: 'a'.repeat(MB),
  times: 1024,
  suffix: '</t></is></c></row>',
};
const row = (n: number, name: string) => `<row r="${n}">${cell(`A${n}`, name)}</row>`;

it('the hand-made workbook itself is read: one villager in a dry run', async () => {
  const res = await upload(workbook({ rows: HEADER_ROW + row(2, '张三') })).expect(200);
  expect(res.body).toMatchObject({ created: 1, errors: [] });
  await t.http().get('/api/health').expect(200);
});

describe('refused by the central directory, before anything is inflated', () => {
  it('40 M tiny shared strings (680 MB declared)', async () => {
    const file = workbook({ rows: HEADER_ROW, strings: fortyMillionStrings });
    expect(file.length).toBeLessThan(5 * MB);
    const res = await upload(file).expect(400);
    expect(res.body.message).toMatch(TOO_BIG);
    await upload(file, '').expect(400);
  });

  it('one 1 GB cell', async () => {
    const file = workbook({
      rows: oneGigabyteCell,
    });
    expect(file.length).toBeLessThan(5 * MB);
    expect((await upload(file).expect(400)).body.message).toMatch(TOO_BIG);
  });

  it('1.9 GB of empty rows', async () => {
    const file = workbook({
      rows: { prefix: HEADER_ROW, chunk: '<row/>'.repeat(174_763), times: 1900, suffix: '' },
    });
    expect(file.length).toBeLessThan(5 * MB);
    expect((await upload(file).expect(400)).body.message).toMatch(TOO_BIG);
  });

  it('a part that inflates 101 times its size; more than 100 parts', async () => {
    const squeezed = workbook({
      rows: HEADER_ROW + row(2, '张三'),
      extraParts: [{ name: 'xl/padding.xml', body: `<p>${' '.repeat(2 * MB)}</p>` }],
    });
    expect((await upload(squeezed).expect(400)).body.message).toMatch(TOO_BIG);
    const crowded = workbook({
      rows: HEADER_ROW + row(2, '张三'),
      extraParts: Array.from({ length: 100 }, (_, i) => ({
        name: `xl/media/image${i}.xml`,
        body: `<p>${i}</p>`,
      })),
    });
    expect((await upload(crowded).expect(400)).body.message).toMatch(TOO_BIG);
  });
});

describe('parts whose declared size lies are inflated no further than declared', () => {
  it('40 M shared strings declared as 1 MB', async () => {
    const file = workbook({
      rows: HEADER_ROW,
      strings: fortyMillionStrings,
      declared: { strings: MB },
    });
    expect((await upload(file).expect(400)).body.message).toMatch(TOO_BIG);
  });

  it('a 1 GB cell declared as 1 MB', async () => {
    const file = workbook({
      rows: oneGigabyteCell,
      declared: { rows: MB },
    });
    expect((await upload(file).expect(400)).body.message).toMatch(TOO_BIG);
  });
});

describe('the parse is bounded within the directory limits', () => {
  it(`more than ${XLSX_LIMITS.sharedStrings} shared strings`, async () => {
    const strings = Array.from(
      { length: XLSX_LIMITS.sharedStrings + 1 },
      (_, i) => `<si><t>${i.toString(36)}</t></si>`,
    ).join('');
    const file = workbook({ rows: HEADER_ROW, strings });
    expect((await upload(file).expect(400)).body.message).toMatch(TOO_BIG);
  });

  it(`a cell of more than ${XLSX_LIMITS.cellChars} characters`, async () => {
    const long = Array.from({ length: XLSX_LIMITS.cellChars + 1 }, (_, i) =>
      String.fromCharCode(0x4e00 + (i % 20000)),
    ).join('');
    const res = await upload(workbook({ rows: HEADER_ROW + row(2, long) })).expect(400);
    expect(res.body.message).toContain(`超过 ${XLSX_LIMITS.cellChars} 个字`);
  });

  it('a row number past Excel’s last row; a DOCTYPE', async () => {
    const far = workbook({ rows: HEADER_ROW + row(XLSX_LIMITS.rowNumber + 1, '张三') });
    expect((await upload(far).expect(400)).body.message).toMatch(TOO_BIG);
    const empty = zip([]); // an archive with nothing in it
    expect((await upload(empty).expect(400)).body.message).toMatch(/^file: /);
    const doctype = workbook({
      rows: HEADER_ROW.replace('<row', '<!DOCTYPE x [<!ENTITY a "aaaa">]><row'),
    });
    expect((await upload(doctype).expect(400)).body.message).toMatch(/^file: 无法读取/);
  });

  it('while a long sheet is parsed the service answers other requests first', async () => {
    // ~30 MB of blank cells, varied enough to stay under the compression ratio; no header row
    let rows = '';
    for (let n = 2; n < 150_000; n++) {
      rows += `<row r="${n}"><c r="A${n}" s="1"/><c r="B${n}" s="2"/><c r="C${n}" s="3"/><c r="D${n}" s="4"/><c r="E${n}" s="5"/></row>`;
    }
    const file = workbook({ rows });
    let answered = false;
    const pending = upload(file).then((res) => {
      answered = true;
      return res;
    });
    let healthy = 0;
    while (!answered) {
      await t.http().get('/api/health').expect(200);
      healthy++;
    }
    const res = await pending;
    expect(res.status).toBe(400);
    expect(res.body.message).toBe('file: 表格是空的：请用下载的模板填写后上传');
    expect(healthy).toBeGreaterThan(1);
  });
});
