import { PassThrough, type Readable, type Writable } from 'node:stream';
import ExcelJS from 'exceljs';
import { csvCell, neutralise } from '../common/csv';

export const EXPORT_FORMATS = ['xlsx', 'csv'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];
export const CONTENT_TYPES: Record<ExportFormat, string> = {
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  csv: 'text/csv; charset=utf-8',
};

export type Cell = string | number | null;
export interface TableColumn {
  header: string;
  width: number;
}

const csvLine = (cells: Cell[]) => cells.map(csvCell).join(',') + '\r\n';

/** Waits until the reader has taken what was written; throws if it went away. */
function drained(out: Writable): Promise<void> {
  if (out.destroyed) return Promise.reject(new Error('export stream closed'));
  if (!out.writableNeedDrain) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const done = () => {
      out.off('close', closed);
      resolve();
    };
    const closed = () => {
      out.off('drain', done);
      reject(new Error('export stream closed'));
    };
    out.once('drain', done);
    out.once('close', closed);
  });
}

/** Uncompressed sheet XML allowed to wait for the compressor. */
const ZIP_BACKLOG = 1024 * 1024;

/**
 * exceljs's streaming writer hands the sheet's XML to the ZIP compressor without waiting for it
 * (its StreamBuf ignores write()'s answer), so rows produced faster than they are compressed
 * would pile up in memory. Between pages we wait until the compressor's input is short again.
 */
async function zipCaughtUp(ws: ExcelJS.Worksheet, out: Writable): Promise<void> {
  // the compressor's input: an old-style (readable-stream 2) PassThrough, hence the states
  type Buffered = { _writableState?: { length: number }; _readableState?: { length: number } };
  const sink = (ws as unknown as { stream?: { pipes?: Buffered[] } }).stream?.pipes?.[0];
  const backlog = () => (sink?._writableState?.length ?? 0) + (sink?._readableState?.length ?? 0);
  while (backlog() > ZIP_BACKLOG) {
    if (out.destroyed) throw new Error('export stream closed');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/**
 * One table as a stream of XLSX (exceljs's streaming writer) or CSV (UTF-8 with a BOM so that
 * Excel shows the Chinese). Pages of rows are pulled one at a time and only after the reader has
 * taken the previous one, so a district's month never sits in memory; a reader that goes away
 * stops the pulling.
 */
export function tableStream(
  format: ExportFormat,
  title: string,
  columns: TableColumn[],
  pages: AsyncIterable<Cell[][]>,
): Readable {
  const out = new PassThrough();
  const fill = async () => {
    if (format === 'csv') {
      out.write('\uFEFF' + csvLine(columns.map((c) => c.header)));
      for await (const page of pages) {
        await drained(out);
        out.write(page.map(csvLine).join(''));
      }
      out.end();
      return;
    }
    const wb = new ExcelJS.stream.xlsx.WorkbookWriter({
      stream: out,
      useStyles: true,
      useSharedStrings: false,
    });
    wb.creator = '文明积分';
    const ws = wb.addWorksheet(title.slice(0, 31), { views: [{ state: 'frozen', ySplit: 1 }] });
    ws.columns = columns.map((c) => ({ header: c.header, width: c.width }));
    ws.getRow(1).font = { bold: true };
    ws.getRow(1).commit();
    for await (const page of pages) {
      await drained(out);
      await zipCaughtUp(ws, out);
      for (const cells of page) {
        ws.addRow(cells.map((c) => (typeof c === 'string' ? neutralise(c) : c))).commit();
      }
    }
    ws.commit();
    await wb.commit();
  };
  fill().catch((err: Error) => out.destroy(err));
  return out;
}
