import { join } from 'node:path';
import { inflateRawSync } from 'node:zlib';
import { SaxesParser, type SaxesTagPlain } from 'saxes';
import { runInWorker, WorkerFailed } from './worker';

/**
 * Reads the first worksheet of an uploaded .xlsx file: a ZIP archive of XML parts. Every step is
 * bounded (docs/security.md, "Uploads"): the archive's central directory is checked before any
 * part is inflated, no part inflates past the size it declares, and the XML is read with counts
 * on strings, characters, rows and columns. Nothing is written to disk. The parse runs on a
 * worker thread with a memory and a time limit (`readXlsx`), so that a file that still manages to
 * run away costs its worker, not the service.
 */
export const XLSX_LIMITS = {
  entries: 100,
  /** Declared uncompressed bytes of all parts together. */
  uncompressedBytes: 50 * 1024 * 1024,
  /** Uncompressed / compressed size of any one part. */
  ratio: 100,
  sharedStrings: 200_000,
  /** Excel's own limit for one cell. */
  cellChars: 32_767,
  /** Excel's last row. */
  rowNumber: 1_048_576,
  /** A column past this holding a value: no table of ours is that wide. */
  columns: 200,
  workerMemoryMb: 256,
  workerTimeoutMs: 30_000,
};

/** The file is not a spreadsheet we can (or will) read: its message is for the person. */
export class XlsxError extends Error {}

/** A cell as stored: text, a number, a boolean, or nothing (empty, an error such as #N/A). */
export type XlsxCell = string | number | boolean | null;

/** One row that holds at least one value, numbered as Excel shows it; cells[0] is column A. */
export interface XlsxRow {
  row: number;
  cells: XlsxCell[];
}

export interface XlsxSheet {
  rows: XlsxRow[];
  /** More rows with values followed the last one returned (past `maxRows`). */
  truncated: boolean;
}

const NOT_XLSX = '上传的文件不是 Excel 表格（.xlsx），请用下载的模板填写后上传';
const BROKEN = '无法读取这个 Excel 文件，请另存为 .xlsx 格式后重新上传';
const TOO_BIG = '表格内容太多，超出了能读取的范围：请只保留需要的工作表和行，另存后重新上传';

interface ZipEntry {
  name: string;
  method: number;
  compressedSize: number;
  size: number;
  localOffset: number;
}

/** The archive's central directory, checked against the limits before anything is inflated. */
export function zipDirectory(file: Buffer): Map<string, ZipEntry> {
  if (file.length < 22 || file.readUInt32LE(0) !== 0x04034b50) throw new XlsxError(NOT_XLSX);
  // the end-of-central-directory record: 22 bytes, then a comment of up to 65,535
  let end = -1;
  for (let i = file.length - 22; i >= Math.max(0, file.length - 22 - 0xffff); i--) {
    if (file.readUInt32LE(i) === 0x06054b50) {
      end = i;
      break;
    }
  }
  if (end < 0) throw new XlsxError(BROKEN);
  const count = file.readUInt16LE(end + 10);
  const dirOffset = file.readUInt32LE(end + 16);
  if (count > XLSX_LIMITS.entries) throw new XlsxError(TOO_BIG);
  // ZIP64 (markers of 0xFFFF / 0xFFFFFFFF) is for archives far past our limits
  if (count === 0xffff || dirOffset === 0xffffffff) throw new XlsxError(TOO_BIG);

  const entries = new Map<string, ZipEntry>();
  let total = 0;
  let at = dirOffset;
  for (let n = 0; n < count; n++) {
    if (at + 46 > end || file.readUInt32LE(at) !== 0x02014b50) throw new XlsxError(BROKEN);
    const flags = file.readUInt16LE(at + 8);
    const nameLength = file.readUInt16LE(at + 28);
    const entry: ZipEntry = {
      name: file.toString('utf8', at + 46, Math.min(end, at + 46 + nameLength)),
      method: file.readUInt16LE(at + 10),
      compressedSize: file.readUInt32LE(at + 20),
      size: file.readUInt32LE(at + 24),
      localOffset: file.readUInt32LE(at + 42),
    };
    if (flags & 1) throw new XlsxError(BROKEN); // encrypted
    total += entry.size;
    if (entry.size === 0xffffffff || total > XLSX_LIMITS.uncompressedBytes) {
      throw new XlsxError(TOO_BIG);
    }
    if (entry.size > entry.compressedSize * XLSX_LIMITS.ratio) throw new XlsxError(TOO_BIG);
    entries.set(entry.name, entry);
    at += 46 + nameLength + file.readUInt16LE(at + 30) + file.readUInt16LE(at + 32);
  }
  return entries;
}

/** One part's bytes, inflated to at most the size the directory declares for it. */
function extract(file: Buffer, entry: ZipEntry): Buffer {
  const local = entry.localOffset;
  if (local + 30 > file.length || file.readUInt32LE(local) !== 0x04034b50) {
    throw new XlsxError(BROKEN);
  }
  const start = local + 30 + file.readUInt16LE(local + 26) + file.readUInt16LE(local + 28);
  if (start + entry.compressedSize > file.length) throw new XlsxError(BROKEN);
  const data = file.subarray(start, start + entry.compressedSize);
  let out: Buffer;
  if (entry.method === 0) out = data;
  else if (entry.method === 8) {
    try {
      out = inflateRawSync(data, { maxOutputLength: Math.max(1, entry.size) });
    } catch (err) {
      // more than declared: the directory lied about this part
      if ((err as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') throw new XlsxError(TOO_BIG);
      throw new XlsxError(BROKEN);
    }
  } else throw new XlsxError(BROKEN);
  if (out.length !== entry.size) throw new XlsxError(BROKEN);
  return out;
}

const localName = (name: string) => name.slice(name.indexOf(':') + 1);

/**
 * Feeds a part to a non-validating XML parser in slices (one string of the whole part is never
 * made). A DOCTYPE has no place in a spreadsheet and is refused: no entity of a DTD is expanded.
 */
function parseXml(
  part: Buffer,
  handlers: {
    open?: (name: string, attributes: Record<string, string>) => void;
    close?: (name: string) => void;
    text?: (text: string) => void;
  },
): void {
  const parser = new SaxesParser();
  parser.on('doctype', () => {
    throw new XlsxError(BROKEN);
  });
  parser.on('error', () => {
    throw new XlsxError(BROKEN);
  });
  if (handlers.open) {
    const open = handlers.open;
    parser.on('opentag', (tag: SaxesTagPlain) => open(localName(tag.name), tag.attributes));
  }
  if (handlers.close) {
    const close = handlers.close;
    parser.on('closetag', (tag: SaxesTagPlain) => close(localName(tag.name)));
  }
  if (handlers.text) {
    parser.on('text', handlers.text);
    parser.on('cdata', handlers.text);
  }
  const decoder = new TextDecoder('utf-8');
  const slice = 1 << 20;
  for (let i = 0; i < part.length; i += slice) {
    parser.write(decoder.decode(part.subarray(i, i + slice), { stream: true }));
  }
  parser.write(decoder.decode()).close();
}

/** Text of `<t>` elements, leaving out phonetic runs (`<rPh>`), with the per-cell limit. */
class TextCollector {
  private depthT = 0;
  private inPhonetic = 0;
  text = '';

  open(name: string) {
    if (name === 't') this.depthT++;
    else if (name === 'rPh') this.inPhonetic++;
  }
  close(name: string) {
    if (name === 't') this.depthT--;
    else if (name === 'rPh') this.inPhonetic--;
  }
  add(text: string) {
    if (this.depthT > 0 && this.inPhonetic === 0) this.text = appendBounded(this.text, text);
  }
}

function appendBounded(text: string, more: string): string {
  if (text.length + more.length > XLSX_LIMITS.cellChars) {
    throw new XlsxError(`有单元格超过 ${XLSX_LIMITS.cellChars} 个字，请检查表格`);
  }
  return text + more;
}

function sharedStrings(part: Buffer | null): string[] {
  const strings: string[] = [];
  if (!part) return strings;
  let current: TextCollector | null = null;
  parseXml(part, {
    open: (name) => {
      if (name === 'si') {
        if (strings.length >= XLSX_LIMITS.sharedStrings) throw new XlsxError(TOO_BIG);
        current = new TextCollector();
      } else current?.open(name);
    },
    close: (name) => {
      if (name === 'si' && current) {
        strings.push(current.text);
        current = null;
      } else current?.close(name);
    },
    text: (text) => current?.add(text),
  });
  return strings;
}

/** `worksheets/sheet1.xml` relative to `xl/`, or `/xl/…` from the root → a path in the archive. */
function partPath(target: string): string {
  const parts = (target.startsWith('/') ? target.slice(1) : `xl/${target}`).split('/');
  const out: string[] = [];
  for (const p of parts) {
    if (p === '..') out.pop();
    else if (p !== '.' && p !== '') out.push(p);
  }
  return out.join('/');
}

/** The first worksheet in the workbook's order, and the shared strings part, by their relations. */
function locateParts(file: Buffer, entries: Map<string, ZipEntry>) {
  const part = (name: string) => {
    const entry = entries.get(name);
    return entry ? extract(file, entry) : null;
  };
  const workbook = part('xl/workbook.xml');
  const rels = part('xl/_rels/workbook.xml.rels');
  if (!workbook || !rels) throw new XlsxError(NOT_XLSX);
  let firstSheetId: string | null = null;
  parseXml(workbook, {
    open: (name, attributes) => {
      if (name !== 'sheet' || firstSheetId !== null) return;
      const id = Object.entries(attributes).find(([k]) => k.includes(':') && localName(k) === 'id');
      firstSheetId = id?.[1] ?? null;
    },
  });
  let sheetTarget: string | null = null;
  let stringsTarget: string | null = null;
  parseXml(rels, {
    open: (name, a) => {
      if (name !== 'Relationship') return;
      if (a.Id === firstSheetId) sheetTarget = a.Target ?? null;
      if (a.Type?.endsWith('/sharedStrings')) stringsTarget = a.Target ?? null;
    },
  });
  const sheet = sheetTarget === null ? null : part(partPath(sheetTarget));
  if (!sheet) throw new XlsxError(NOT_XLSX);
  return { sheet, strings: stringsTarget === null ? null : part(partPath(stringsTarget)) };
}

/** "AB12" → 28 (1-based); null when the reference has no column letters. */
function columnOf(ref: string | undefined): number | null {
  if (!ref) return null;
  let column = 0;
  for (let i = 0; i < ref.length; i++) {
    const c = ref.charCodeAt(i);
    if (c < 65 || c > 90) break;
    column = column * 26 + (c - 64);
    if (column > 16_384) throw new XlsxError(BROKEN);
  }
  return column || null;
}

/**
 * The rows of the first worksheet that hold a value, at most `maxRows` of them. Synchronous and
 * CPU-bound: call it through `readXlsx`, which runs it on a worker thread.
 */
export function parseXlsx(file: Buffer, maxRows: number): XlsxSheet {
  const parts = locateParts(file, zipDirectory(file));
  const strings = sharedStrings(parts.strings);
  const rows: XlsxRow[] = [];
  let truncated = false;

  let rowNumber = 0;
  let cells: XlsxCell[] = [];
  let column = 0;
  let cellType = 'n';
  let inValue = false;
  let value = '';
  let inline: TextCollector | null = null;
  const done = new Error('enough rows');

  const cellValue = (): XlsxCell => {
    switch (cellType) {
      case 's':
        return strings[Number(value)] ?? null;
      case 'inlineStr':
        return inline?.text ?? null;
      case 'str':
      case 'd':
        return value;
      case 'b':
        return value === '' ? null : value.trim() === '1';
      case 'e':
        return null;
      default: {
        if (value.trim() === '') return null;
        const n = Number(value);
        return Number.isFinite(n) ? n : null;
      }
    }
  };

  try {
    parseXml(parts.sheet, {
      open: (name, a) => {
        if (name === 'row') {
          rowNumber = a.r === undefined ? rowNumber + 1 : Number(a.r);
          if (!Number.isSafeInteger(rowNumber) || rowNumber < 1) throw new XlsxError(BROKEN);
          if (rowNumber > XLSX_LIMITS.rowNumber) throw new XlsxError(TOO_BIG);
          cells = [];
          column = 0;
        } else if (name === 'c') {
          column = columnOf(a.r) ?? column + 1;
          cellType = a.t ?? 'n';
          value = '';
          inline = null;
        } else if (name === 'v') {
          inValue = true;
        } else if (name === 'is') {
          inline = new TextCollector();
        } else inline?.open(name);
      },
      close: (name) => {
        if (name === 'v') inValue = false;
        else if (name === 'c') {
          const v = cellValue();
          if (v === null || (typeof v === 'string' && v.trim() === '')) return;
          if (column > XLSX_LIMITS.columns) {
            throw new XlsxError(`表格的列太多（超过 ${XLSX_LIMITS.columns} 列），请删去多余的列`);
          }
          cells[column - 1] = v;
        } else if (name === 'row') {
          if (cells.length === 0) return;
          if (rows.length >= maxRows) {
            truncated = true;
            throw done;
          }
          rows.push({ row: rowNumber, cells: Array.from(cells, (c) => c ?? null) });
        } else inline?.close(name);
      },
      text: (text) => {
        if (inValue) value = appendBounded(value, text);
        else inline?.add(text);
      },
    });
  } catch (err) {
    if (err !== done) throw err;
  }
  return { rows, truncated };
}

/** Runs `parseXlsx` on a worker thread with XLSX_LIMITS' memory and time; refusals → XlsxError. */
export async function readXlsx(file: Buffer, maxRows: number): Promise<XlsxSheet> {
  try {
    const answer = await runInWorker<XlsxWorkerInput, XlsxWorkerOutput>(
      join(__dirname, 'xlsx-reader.worker'),
      { file, maxRows },
      { memoryMb: XLSX_LIMITS.workerMemoryMb, timeoutMs: XLSX_LIMITS.workerTimeoutMs },
    );
    if ('error' in answer) throw new XlsxError(answer.error);
    return answer.sheet;
  } catch (err) {
    if (!(err instanceof WorkerFailed)) throw err;
    throw new XlsxError(err.reason === 'crash' ? BROKEN : TOO_BIG);
  }
}

export interface XlsxWorkerInput {
  file: Uint8Array;
  maxRows: number;
}
export type XlsxWorkerOutput = { sheet: XlsxSheet } | { error: string };
