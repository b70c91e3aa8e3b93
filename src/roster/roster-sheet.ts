import ExcelJS from 'exceljs';
import { neutralise } from '../common/csv';
import { isVisibleText, unsafeText } from '../common/dto';
import { readXlsx, XlsxError, type XlsxCell, type XlsxSheet } from '../common/xlsx-reader';
import { isBirthDate } from '../common/time';
import { birthDateOf, isValidIdNumber, maskIdNumber } from '../villagers/id-number';
import { RELATIONS, type Relation, type VillagerStatus } from '../villagers/villager.entity';

/** 花名册 columns (docs/product.md), in the template's order, with the field each one fills. */
export const ROSTER_COLUMNS = [
  { header: '户号', field: 'householdNo', width: 12 },
  { header: '户主', field: 'headName', width: 12 },
  { header: '村民小组', field: 'group', width: 14 },
  { header: '姓名', field: 'name', width: 12 },
  { header: '身份证号', field: 'idNumber', width: 22 },
  { header: '电话', field: 'phone', width: 16 },
  { header: '状态', field: 'status', width: 8 },
  { header: '出生日期', field: 'birthDate', width: 12 },
  { header: '与户主关系', field: 'relation', width: 12 },
] as const;
export type RosterField = (typeof ROSTER_COLUMNS)[number]['field'];
export const HEADER_OF = Object.fromEntries(ROSTER_COLUMNS.map((c) => [c.field, c.header])) as {
  [F in RosterField]: string;
};

/** Headers people write for the same columns in their own 花名册. */
const ALIASES: Record<string, RosterField> = {
  ...Object.fromEntries(ROSTER_COLUMNS.map((c) => [c.header, c.field])),
  户编号: 'householdNo',
  户主姓名: 'headName',
  小组: 'group',
  组别: 'group',
  屋场: 'group',
  村民姓名: 'name',
  身份证: 'idNumber',
  身份证号码: 'idNumber',
  公民身份号码: 'idNumber',
  联系电话: 'phone',
  手机: 'phone',
  手机号: 'phone',
  手机号码: 'phone',
  出生年月日: 'birthDate',
  生日: 'birthDate',
  与户主的关系: 'relation',
  关系: 'relation',
};

export const STATUS_WORDS: Record<string, VillagerStatus> = {
  在册: 'active',
  迁出: 'moved',
  已故: 'deceased',
};
export const STATUS_WORD_OF: Record<VillagerStatus, string> = {
  active: '在册',
  moved: '迁出',
  deceased: '已故',
};

export const MAX_ROSTER_ROWS = 10_000;
/** The largest roster file accepted (413 above). */
export const MAX_ROSTER_BYTES = 5 * 1024 * 1024;

/** A problem with one cell (or a whole row when column is null), row numbered as Excel shows it. */
export interface RowError {
  row: number;
  column: string | null;
  message: string;
}

/** One data row as read from the sheet: trimmed text per known column. */
export interface SheetRow {
  row: number;
  cells: Partial<Record<RosterField, string>>;
  /** Columns whose cell held a number (an ID number Excel turned into 4.30102E+17). */
  numeric: Set<RosterField>;
  /** All cells of the row as written, for the error workbook. */
  raw: string[];
}

export interface RosterSheet {
  /** The header row as written, and the columns recognised in it. */
  headers: string[];
  present: Set<RosterField>;
  idColumn: number | null;
  rows: SheetRow[];
}

/** The file is not a roster we can read: 400 with this message. */
export class RosterFileError extends Error {}

const normalHeader = (h: string) => h.replace(/[\s*＊:：]/g, '');

/** A cell's value as text; numbers stay recognisable as numbers. */
function cellValue(v: XlsxCell | undefined): { text: string; number: boolean } {
  if (v === null || v === undefined) return { text: '', number: false };
  if (typeof v === 'number') return { text: numberText(v), number: true };
  // an apostrophe our exports put before formula-looking text is not part of the value
  if (typeof v === 'string') return { text: v.trim().replace(/^'(?=[=+\-@])/, ''), number: false };
  return { text: String(v), number: false };
}

const numberText = (n: number) =>
  Number.isSafeInteger(n) ? String(n) : n.toExponential(5).replace('e', 'E');

/**
 * Reads the first worksheet of an .xlsx file on a worker thread, with the bounds of every
 * spreadsheet upload (docs/security.md): past MAX_ROSTER_ROWS rows it is refused.
 */
export async function readRosterSheet(file: Buffer): Promise<RosterSheet> {
  let read: XlsxSheet;
  try {
    read = await readXlsx(file, MAX_ROSTER_ROWS + 1);
  } catch (err) {
    if (err instanceof XlsxError) throw new RosterFileError(err.message);
    throw err;
  }
  const sheet: RosterSheet = { headers: [], present: new Set(), idColumn: null, rows: [] };
  const columns = new Map<number, RosterField>();
  const header = read.rows[0]?.row === 1 ? read.rows[0].cells : null;
  if (!header) throw new RosterFileError('表格是空的：请用下载的模板填写后上传');
  for (let c = 1; c <= header.length; c++) {
    const text = cellValue(header[c - 1]).text;
    sheet.headers[c - 1] = text;
    const field = ALIASES[normalHeader(text)];
    if (field && !sheet.present.has(field)) {
      columns.set(c, field);
      sheet.present.add(field);
      if (field === 'idNumber') sheet.idColumn = c;
    }
  }
  if (!sheet.present.has('name')) {
    throw new RosterFileError(
      `第 1 行没有找到「姓名」表头：请用下载的模板，表头为 ${ROSTER_COLUMNS.map((c) => c.header).join('、')}`,
    );
  }
  for (const { row, cells } of read.rows.slice(1)) {
    const parsed: SheetRow = { row, cells: {}, numeric: new Set(), raw: [] };
    let blank = true;
    for (let c = 1; c < Math.max(cells.length + 1, sheet.headers.length + 1); c++) {
      const { text, number } = cellValue(cells[c - 1]);
      parsed.raw[c - 1] = text;
      if (text !== '') blank = false;
      const field = columns.get(c);
      if (!field) continue;
      parsed.cells[field] = text;
      if (number) parsed.numeric.add(field);
    }
    if (!blank) sheet.rows.push(parsed);
  }
  if (read.truncated || sheet.rows.length > MAX_ROSTER_ROWS) {
    throw new RosterFileError(
      `表格超过 ${MAX_ROSTER_ROWS} 行，请分成几个文件，每个不超过 ${MAX_ROSTER_ROWS} 行`,
    );
  }
  return sheet;
}

/** A row checked cell by cell: the values to import, or the problems found. */
export interface CheckedRow {
  row: number;
  householdNo: string | null;
  headName: string | null;
  group: string | null;
  name: string;
  idNumber: string | null;
  /** An ID number as exported by us (430102********1234): keeps the one on record. */
  maskedId: string | null;
  phone: string | null;
  /** undefined when the file has no 状态 column. */
  status: VillagerStatus | undefined;
  /** YYYY-MM-DD: as written, else from the ID number. */
  birthDate: string | null;
  relation: Relation | null;
}

const PHONE = /^\+?[0-9 -]{5,20}$/;
const MASKED_ID = /^\d{6}\*{8}[\dX]{3}[\dX]$/;
const EXCEL_NUMBER = /^\d(\.\d+)?E\+?\d+$/i;
const codePoints = (s: string) => [...s].length;

/** Checks one row's cells on their own (duplicates and the database are checked elsewhere). */
export function checkRow(r: SheetRow, present: Set<RosterField>, errors: RowError[]): CheckedRow {
  const fail = (field: RosterField | null, message: string) =>
    errors.push({ row: r.row, column: field && HEADER_OF[field], message });
  const text = (field: RosterField, max: number, what: string): string | null => {
    const cell = r.cells[field] ?? '';
    if (cell === '') return null;
    if (unsafeText(cell)) {
      fail(field, `${what}含有不可见的控制字符，请重新输入`);
      return null;
    }
    if (!isVisibleText(cell)) {
      fail(field, `${what}只有看不见的字符，请重新输入`);
      return null;
    }
    // one way to write each character, as the API stores it
    const v = cell.normalize('NFC');
    if (codePoints(v) > max) {
      fail(field, `${what}太长，最多 ${max} 个字`);
      return null;
    }
    return v;
  };

  const name = text('name', 50, '姓名');
  if (name === null && !errors.some((e) => e.row === r.row && e.column === '姓名')) {
    fail('name', '姓名不能为空');
  }
  const householdNo = text('householdNo', 32, '户号');
  const headName = text('headName', 50, '户主');
  const group = text('group', 50, '村民小组');
  if (householdNo === null && (headName !== null || group !== null)) {
    fail('householdNo', '填写了户主或村民小组，但没有填户号');
  }

  let idNumber: string | null = null;
  let maskedId: string | null = null;
  const id = (r.cells.idNumber ?? '').replace(/\s/g, '').toUpperCase();
  if (id !== '') {
    if (
      (r.numeric.has('idNumber') && !/^\d{18}$/.test(id)) ||
      EXCEL_NUMBER.test(id) ||
      (r.numeric.has('idNumber') && id.length !== 18)
    ) {
      fail(
        'idNumber',
        '身份证号被 Excel 当成了数字（显示为 4.30102E+17 这类），后几位已经丢失：请把这一列设为「文本」，重新填写完整的身份证号',
      );
    } else if (MASKED_ID.test(id)) {
      maskedId = id;
    } else if (!isValidIdNumber(id)) {
      fail('idNumber', '身份证号不对：应为 18 位，最后一位是校验码（数字或 X），请核对');
    } else {
      idNumber = id;
    }
  }

  let phone: string | null = null;
  const p = r.cells.phone ?? '';
  if (p !== '') {
    if (!PHONE.test(p)) fail('phone', '电话应为 5-20 位数字');
    else phone = p;
  }

  const birthDate = birthDateCell(r, fail, idNumber);
  let relation: Relation | null = null;
  const rel = r.cells.relation ?? '';
  if (rel !== '') {
    if ((RELATIONS as readonly string[]).includes(rel)) relation = rel as Relation;
    else fail('relation', `与户主关系只能填：${RELATIONS.join('、')}`);
  }

  let status: VillagerStatus | undefined;
  if (present.has('status')) {
    const word = r.cells.status ?? '';
    if (word === '') status = 'active';
    else if (STATUS_WORDS[word]) status = STATUS_WORDS[word];
    else fail('status', '状态只能填 在册、迁出 或 已故（不填即在册）');
  }
  return {
    row: r.row,
    householdNo,
    headName,
    group,
    name: name ?? '',
    idNumber,
    maskedId,
    phone,
    status,
    birthDate,
    relation,
  };
}

/** Excel counts days from 1899-12-30 (its 1900 leap-year bug included). */
const EXCEL_EPOCH = Date.UTC(1899, 11, 30);

/**
 * 出生日期 as people write it (1962-03-05, 1962/3/5, 1962.3.5, 1962年3月5日, or a date cell,
 * which the file holds as a day count); else the ID number's. Both given must agree.
 */
function birthDateCell(
  r: SheetRow,
  fail: (field: RosterField, message: string) => void,
  idNumber: string | null,
): string | null {
  const cell = (r.cells.birthDate ?? '').trim();
  const fromId = idNumber ? birthDateOf(idNumber) : null;
  if (cell === '') return fromId;
  let date: string | null = null;
  if (r.numeric.has('birthDate') && /^\d{1,6}(\.\d+)?$/.test(cell)) {
    date = new Date(EXCEL_EPOCH + Math.floor(Number(cell)) * 86_400_000).toISOString().slice(0, 10);
  } else {
    const m = /^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$/.exec(cell);
    if (m) date = `${m[1]}-${m[2].padStart(2, '0')}-${m[3].padStart(2, '0')}`;
  }
  if (date === null || !isBirthDate(date)) {
    fail('birthDate', '出生日期不对：请写成 1962-03-05 这样的日期');
    return null;
  }
  if (fromId && fromId !== date) {
    fail('birthDate', `出生日期与身份证号上的不一致（身份证号上是 ${fromId}）`);
    return null;
  }
  return date;
}

/** What may be shown of any ID cell: the masked form, never the number itself. */
export function maskedCell(text: string): string {
  const id = text.replace(/\s/g, '').toUpperCase();
  if (id === '') return '';
  if (id.length === 18) return maskIdNumber(id)!;
  if (id.length <= 4) return '*'.repeat(id.length);
  return `${'*'.repeat(Math.max(4, id.length - 4))}${id.slice(-4)}`;
}

const TEMPLATE_NOTE =
  '填写说明：只有「姓名」必填；属于某一户的村民要填「户号」，同一户号的「户主」「村民小组」要一致；' +
  '「身份证号」一列已设为文本，请填写完整的 18 位；「状态」填 在册、迁出 或 已故，不填即在册；' +
  '「出生日期」写成 1962-03-05，有身份证号的可不填；「与户主关系」从下拉中选。' +
  '同一个表格重复导入不会重复登记：有身份证号的按身份证号对应，没有的按户号和姓名对应。';

/** The downloadable template: the headers, the ID column as text, an example row and a note. */
export async function rosterTemplate(): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  wb.creator = '文明积分';
  const ws = wb.addWorksheet('花名册', { views: [{ state: 'frozen', ySplit: 1 }] });
  ws.columns = ROSTER_COLUMNS.map((c) => ({ header: c.header, key: c.field, width: c.width }));
  ws.getRow(1).font = { bold: true };
  // '@' is Excel's Text format: an 18-digit ID stays text instead of becoming 4.30102E+17.
  for (const key of ['householdNo', 'idNumber', 'phone']) ws.getColumn(key).numFmt = '@';
  // a drop-down of the three status words (exceljs writes it as one range, not per cell)
  (
    ws as unknown as { dataValidations: { add(range: string, v: ExcelJS.DataValidation): void } }
  ).dataValidations.add(`G2:G${MAX_ROSTER_ROWS + 1}`, {
    type: 'list',
    allowBlank: true,
    formulae: ['"在册,迁出,已故"'],
  });
  (
    ws as unknown as { dataValidations: { add(range: string, v: ExcelJS.DataValidation): void } }
  ).dataValidations.add(`I2:I${MAX_ROSTER_ROWS + 1}`, {
    type: 'list',
    allowBlank: true,
    formulae: [`"${RELATIONS.join(',')}"`],
  });
  const help = wb.addWorksheet('填写说明');
  help.getColumn(1).width = 100;
  help.getCell('A1').value = TEMPLATE_NOTE;
  help.getCell('A1').alignment = { wrapText: true, vertical: 'top' };
  help.getRow(1).height = 90;
  return Buffer.from(await wb.xlsx.writeBuffer());
}

/** The uploaded rows with a 错误说明 column; ID numbers masked, as in every answer. */
export async function errorWorkbook(sheet: RosterSheet, errors: RowError[]): Promise<Buffer> {
  const byRow = new Map<number, string[]>();
  for (const e of errors) {
    const list = byRow.get(e.row) ?? [];
    list.push(e.column ? `${e.column}：${e.message}` : e.message);
    byRow.set(e.row, list);
  }
  const wb = new ExcelJS.Workbook();
  wb.creator = '文明积分';
  const ws = wb.addWorksheet('错误说明', { views: [{ state: 'frozen', ySplit: 1 }] });
  const width = sheet.headers.length;
  ws.addRow([...sheet.headers, '错误说明']).font = { bold: true };
  ws.getColumn(width + 1).width = 60;
  const idIndex = sheet.idColumn === null ? -1 : sheet.idColumn - 1;
  // rows keep their numbers, so that row 7 here is row 7 of the uploaded file
  for (const r of sheet.rows) {
    const cells = Array.from({ length: width }, (_, i) =>
      i === idIndex ? maskedCell(r.raw[i] ?? '') : (r.raw[i] ?? ''),
    ).map(neutralise);
    const row = ws.getRow(r.row);
    row.values = [...cells, (byRow.get(r.row) ?? []).join('；')];
    for (let c = 1; c <= width; c++) row.getCell(c).numFmt = '@';
    if (byRow.has(r.row)) {
      row.getCell(width + 1).font = { color: { argb: 'FFC00000' } };
    }
  }
  return Buffer.from(await wb.xlsx.writeBuffer());
}
