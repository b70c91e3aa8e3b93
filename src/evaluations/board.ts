import { createHash } from 'node:crypto';
import ExcelJS from 'exceljs';
import { CSP, cspHeader } from '../common/csp';
import { todayIn } from '../common/time';
import { csvCell, neutralise } from '../common/csv';
import type { Village } from '../villages/village.entity';
import type { EvaluationResponseDto, PublicBoardDto } from './evaluations.dto';

/** 欧阳春燕 → 欧**燕, 龙建军 → 龙*军, 张三 → 张*, 王 → 王: first and last code point kept. */
export function maskName(name: string): string {
  const chars = [...name];
  if (chars.length <= 1) return name;
  if (chars.length === 2) return `${chars[0]}*`;
  return `${chars[0]}${'*'.repeat(chars.length - 2)}${chars[chars.length - 1]}`;
}

/** What the board may show of one listed villager. */
export interface ListedPerson {
  /** Agreed to their full name online. */
  consent: boolean;
  /** Under 14 at the month's end: never on a public board. */
  minor: boolean;
}

/** Who is looking: full names for the village's own screens and signed-in people. */
export interface BoardView {
  fullNames: boolean;
  people: Map<number, ListedPerson>;
}

/**
 * The notice-board view of a published evaluation: names and points, nothing that identifies;
 * names masked, the black list without names and minors left out unless the village chose
 * otherwise (docs/product.md, "The board online"). Ranks are kept as published.
 */
export function toPublicBoard(
  village: Village,
  evaluation: EvaluationResponseDto,
  timeZone: string,
  view: BoardView,
): PublicBoardDto {
  const publishedAt = evaluation.publishedAt ?? evaluation.computedAt;
  const shown = (row: { villagerId: number }) => !view.people.get(row.villagerId)?.minor;
  const nameOf = (row: { villagerId: number; name: string }) =>
    view.fullNames || village.boardNames === 'full' || view.people.get(row.villagerId)?.consent
      ? row.name
      : maskName(row.name);
  const redList = evaluation.redList.filter(shown);
  const blackList = evaluation.blackList.filter(shown);
  const { households } = evaluation;
  return {
    village: { code: village.code, name: village.name, town: village.town },
    month: evaluation.month,
    revision: evaluation.revision,
    status: evaluation.status,
    publicityEndsOn: evaluation.publicityEndsOn,
    objections: evaluation.objections,
    publishedAt,
    publishedOn: todayIn(timeZone, publishedAt),
    redList: redList.map((r) => ({ rank: r.rank, name: nameOf(r), net: r.net })),
    blackList: blackList.map((r) => ({
      rank: r.rank,
      name: village.boardBlackList === 'names' ? nameOf(r) : null,
      deductions: r.deductions,
      reasons: r.reasons,
    })),
    households: households.map((h) => ({
      rank: h.rank,
      headName: view.fullNames || village.boardNames === 'full' ? h.headName : maskName(h.headName),
      members: h.members,
      net: h.net,
    })),
  };
}

/** 2026-11 → 2026年11月 */
export function monthLabel(month: string): string {
  const [y, m] = month.split('-');
  return `${y}年${Number(m)}月`;
}

/** 2026-12-01 → 12月1日: a day of this programme's notices, where the year goes without saying. */
export function dayLabel(date: string): string {
  return `${Number(date.slice(5, 7))}月${Number(date.slice(8, 10))}日`;
}

/** Under 14 on `date` (YYYY-MM-DD), by the birth date; unknown counts as of age. */
export function isMinorOn(birthDate: string | null, date: string): boolean {
  return birthDate !== null && `${Number(birthDate.slice(0, 4)) + 14}${birthDate.slice(4)}` > date;
}

/** 2026-12-01 → 2026年12月1日 */
export function dateLabel(date: string): string {
  const [y, m, d] = date.split('-');
  return `${y}年${Number(m)}月${Number(d)}日`;
}

const REASON_SEPARATOR = '、';
/** The black list's name cell where the village posts it without names. */
const NAME_WITHHELD = '（不公示姓名）';

interface Sheet {
  title: string;
  columns: { header: string; width: number }[];
  rows: (string | number)[][];
}

function sheets(b: PublicBoardDto): Sheet[] {
  return [
    {
      title: '红榜',
      columns: [
        { header: '名次', width: 8 },
        { header: '姓名', width: 18 },
        { header: '积分', width: 10 },
      ],
      rows: b.redList.map((r) => [r.rank, r.name, r.net]),
    },
    {
      title: '黑榜',
      columns: [
        { header: '名次', width: 8 },
        { header: '姓名', width: 18 },
        { header: '扣分', width: 10 },
        { header: '原因', width: 40 },
      ],
      rows: b.blackList.map((r) => [
        r.rank,
        r.name ?? NAME_WITHHELD,
        r.deductions,
        r.reasons.join(REASON_SEPARATOR),
      ]),
    },
    {
      title: '文明家庭',
      columns: [
        { header: '名次', width: 8 },
        { header: '户主', width: 18 },
        { header: '计分人数', width: 10 },
        { header: '积分', width: 10 },
      ],
      rows: b.households.map((h) => [h.rank, h.headName, h.members, h.net]),
    },
  ];
}

export function boardTitle(b: PublicBoardDto): string {
  return `${b.village.name} ${monthLabel(b.month)} 文明积分评比`;
}

/** ASCII fallback plus the Chinese name (RFC 6266 / 5987) for Content-Disposition. */
export function attachment(b: PublicBoardDto, ext: 'csv' | 'xlsx'): string {
  const ascii = `board-${b.village.code}-${b.month}.${ext}`.replace(/[^A-Za-z0-9._-]/g, '_');
  const utf8 = encodeURIComponent(`${boardTitle(b)}.${ext}`).replace(
    /['()*!]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
  return `attachment; filename="${ascii}"; filename*=UTF-8''${utf8}`;
}

/**
 * Where the lists stand, for a villager: 公示中 with the closing date and how to object, or 已定;
 * with the objections filed and resolved, and the revision when it was corrected.
 */
export function publicityLine(b: PublicBoardDto): string {
  const parts = [
    b.status === 'publicity'
      ? b.publicityEndsOn
        ? `公示中，${dateLabel(b.publicityEndsOn)}截止，有异议请向村委会提出`
        : '公示中，异议处理中'
      : '已定',
  ];
  if (b.objections.filed > 0) {
    parts.push(`收到异议 ${b.objections.filed} 件，已处理 ${b.objections.resolved} 件`);
  }
  if (b.revision > 1) parts.push(`第 ${b.revision} 版（更正后重新公示）`);
  return parts.join('；');
}

/** One CSV file, three sections, UTF-8 with a BOM so that Excel shows the Chinese. */
export function boardCsv(b: PublicBoardDto): Buffer {
  const lines: (string | number)[][] = [
    [`${b.village.town} ${boardTitle(b)}`],
    ['发布日期', b.publishedOn],
    ['状态', publicityLine(b)],
  ];
  for (const sheet of sheets(b)) {
    lines.push(
      [],
      [sheet.title],
      sheet.columns.map((c) => c.header),
      ...sheet.rows,
    );
  }
  const text = lines.map((cells) => cells.map(csvCell).join(',')).join('\r\n') + '\r\n';
  return Buffer.from('\uFEFF' + text, 'utf8');
}

/** `&` starts a control code in an Excel page header; a literal one is written `&&`. */
const excelHeaderText = (text: string) => text.replace(/&/g, '&&');

/** A workbook with one sheet per list, set up to print on A4. */
export async function boardXlsx(b: PublicBoardDto): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  wb.creator = '文明积分';
  wb.title = boardTitle(b);
  wb.created = b.publishedAt;
  for (const s of sheets(b)) {
    const ws = wb.addWorksheet(s.title, {
      views: [{ state: 'frozen', ySplit: 1 }],
      pageSetup: {
        paperSize: 9,
        orientation: 'portrait',
        fitToPage: true,
        fitToWidth: 1,
        fitToHeight: 0,
      },
      headerFooter: {
        oddHeader: `&C${excelHeaderText(`${boardTitle(b)} · ${s.title}`)}`,
        oddFooter: `&L发布日期：${dateLabel(b.publishedOn)}&R第 &P 页 / 共 &N 页`,
      },
    });
    ws.columns = s.columns.map((c) => ({ header: c.header, width: c.width }));
    ws.getRow(1).font = { bold: true };
    // a name or reason typed as a formula stays text, as in every export (src/common/csv.ts)
    ws.addRows(s.rows.map((r) => r.map((c) => (typeof c === 'string' ? neutralise(c) : c))));
  }
  return Buffer.from(await wb.xlsx.writeBuffer());
}

const HTML_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

export function escapeHtml(value: string | number): string {
  return String(value).replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]);
}

function table(sheet: Sheet, empty: string, numeric: number[]): string {
  const head = sheet.columns
    .map((c, i) => `<th${numeric.includes(i) ? ' class="num"' : ''}>${escapeHtml(c.header)}</th>`)
    .join('');
  const body = sheet.rows.length
    ? sheet.rows
        .map(
          (cells) =>
            '<tr>' +
            cells
              .map(
                (v, i) => `<td${numeric.includes(i) ? ' class="num"' : ''}>${escapeHtml(v)}</td>`,
              )
              .join('') +
            '</tr>',
        )
        .join('\n')
    : `<tr><td class="empty" colspan="${sheet.columns.length}">${escapeHtml(empty)}</td></tr>`;
  return `<table><thead><tr>${head}</tr></thead><tbody>\n${body}\n</tbody></table>`;
}

const PRINT_CSS = `
@page { size: A4; margin: 14mm 12mm 16mm; }
* { box-sizing: border-box; }
html { font-family: "Noto Sans CJK SC", "Source Han Sans SC", "PingFang SC", "Microsoft YaHei",
  "SimHei", sans-serif; color: #111; -webkit-print-color-adjust: exact; print-color-adjust: exact; }
body { margin: 0; }
.sheet { width: 100%; max-width: 186mm; margin: 0 auto; padding: 10mm 0; }
header { text-align: center; border-bottom: 3px double #b00000; padding-bottom: 4mm; margin-bottom: 6mm; }
header .town { margin: 0; font-size: 11pt; color: #555; letter-spacing: 0.2em; }
h1 { margin: 2mm 0 0; font-size: 22pt; letter-spacing: 0.05em; }
h1 .month { display: block; font-size: 14pt; font-weight: normal; margin-top: 1mm; }
section { margin-bottom: 7mm; }
h2 { font-size: 15pt; margin: 0 0 2mm; padding: 1.5mm 3mm; color: #fff; break-after: avoid; }
.red h2 { background: #b00000; }
.black h2 { background: #222; }
.households h2 { background: #a0522d; }
table { width: 100%; border-collapse: collapse; font-size: 11.5pt; }
thead { display: table-header-group; }
tr { break-inside: avoid; }
th, td { border: 1px solid #999; padding: 1.6mm 2.5mm; text-align: left; vertical-align: top; }
th { background: #f3f3f3; font-weight: bold; }
.num { text-align: right; width: 16mm; white-space: nowrap; }
th:first-child, td:first-child { text-align: center; width: 14mm; }
td.empty { text-align: center; color: #666; }
footer { margin-top: 8mm; text-align: right; font-size: 11pt; }
@media screen {
  body { background: #e8e8e8; }
  .sheet { max-width: 210mm; min-height: 297mm; margin: 0 auto; padding: 14mm 12mm; background: #fff; }
}
`;

/**
 * The printed notice's own Content-Security-Policy: its one inline style block, by hash, may
 * apply (the service's policy allows styles only from files); the page stays one file that keeps
 * its look when saved.
 */
export const BOARD_HTML_CSP = cspHeader({
  ...CSP,
  'style-src': ["'self'", `'sha256-${createHash('sha256').update(PRINT_CSS).digest('base64')}'`],
});

/** The printable notice in Chinese: every value escaped, laid out for A4. */
export function boardHtml(b: PublicBoardDto): string {
  const [red, black, households] = sheets(b);
  const title = boardTitle(b);
  return `<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${PRINT_CSS}</style>
</head>
<body>
<main class="sheet">
<header>
<p class="town">${escapeHtml(b.village.town)}</p>
<h1>${escapeHtml(b.village.name)}文明积分评比<span class="month">${escapeHtml(monthLabel(b.month))}</span></h1>
</header>
<section class="red"><h2>红榜</h2>
${table(red, '本月无上榜村民', [2])}
</section>
<section class="black"><h2>黑榜</h2>
${table(black, '本月无扣分村民', [2])}
</section>
<section class="households"><h2>文明家庭</h2>
${table(households, '本月无参评家庭', [2, 3])}
</section>
<p class="status">${escapeHtml(publicityLine(b))}</p>
<footer>发布日期：${escapeHtml(dateLabel(b.publishedOn))}</footer>
</main>
</body>
</html>
`;
}
