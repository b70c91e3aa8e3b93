import {
  attachment,
  boardCsv,
  boardHtml,
  boardXlsx,
  dateLabel,
  escapeHtml,
  monthLabel,
  publicityLine,
} from './board';
import ExcelJS from 'exceljs';
import type { PublicBoardDto } from './evaluations.dto';

const board = (over: Partial<PublicBoardDto> = {}): PublicBoardDto => ({
  village: { code: 'LX-001', name: '石井村', town: '杉山镇' },
  month: '2026-11',
  revision: 1,
  status: 'final',
  publicityEndsOn: '2026-12-04',
  objections: { filed: 0, resolved: 0 },
  publishedAt: new Date('2026-11-30T16:30:00Z'),
  publishedOn: '2026-12-01',
  redList: [{ rank: 1, name: '王秋菊', net: 30 }],
  blackList: [{ rank: 1, name: '李四', deductions: -20, reasons: ['大操大办', '乱倒垃圾'] }],
  households: [{ rank: 1, headName: '王大山', members: 2, net: 25 }],
  ...over,
});

describe('labels', () => {
  it.each([
    ['2026-11', '2026年11月'],
    ['2026-03', '2026年3月'],
  ])('month %s → %s', (month, label) => expect(monthLabel(month)).toBe(label));

  it('dates drop leading zeros', () => expect(dateLabel('2026-12-01')).toBe('2026年12月1日'));
});

describe('publicity line', () => {
  it.each<[string, Partial<PublicBoardDto>, string]>([
    ['settled', {}, '已定'],
    ['in publicity', { status: 'publicity' }, '公示中，2026年12月4日截止，有异议请向村委会提出'],
    [
      'objections and a corrected revision',
      { status: 'publicity', revision: 2, objections: { filed: 3, resolved: 2 } },
      '公示中，2026年12月4日截止，有异议请向村委会提出；收到异议 3 件，已处理 2 件；第 2 版（更正后重新公示）',
    ],
    [
      'after the window, an objection open',
      { status: 'publicity', publicityEndsOn: null },
      '公示中，异议处理中',
    ],
  ])('%s', (_, over, line) => {
    const b = board(over);
    expect(publicityLine(b)).toBe(line);
    expect(boardCsv(b).toString('utf8')).toContain(`状态,${line}`);
    expect(boardHtml(b)).toContain(line);
  });
});

describe('CSV', () => {
  const csv = (b: PublicBoardDto) => boardCsv(b).toString('utf8');

  it('starts with a UTF-8 BOM and uses CRLF', () => {
    const bytes = boardCsv(board());
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    expect(csv(board())).toContain('\r\n红榜\r\n名次,姓名,积分\r\n1,王秋菊,30\r\n');
    expect(csv(board())).toContain('1,李四,-20,大操大办、乱倒垃圾');
  });

  it.each([
    ['a comma', '王,五', '"王,五"'],
    ['a quote', '王"五', '"王""五"'],
    ['a line break', '王\n五', '"王\n五"'],
    ['a formula', '=HYPERLINK("x")', `"'=HYPERLINK(""x"")"`],
    ['a leading @', '@x', "'@x"],
  ])('quotes a name with %s', (_, name, cell) => {
    expect(csv(board({ redList: [{ rank: 1, name, net: 5 }] }))).toContain(`\r\n1,${cell},5\r\n`);
  });
});

describe('HTML', () => {
  it('escapes every value', () => {
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe(
      '&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;',
    );
    const html = boardHtml(
      board({
        village: { code: 'X', name: '<script>alert(1)</script>', town: '镇&"' },
        redList: [{ rank: 1, name: '<img src=x onerror=alert(1)>', net: 1 }],
      }),
    );
    expect(html).not.toContain('<script>');
    expect(html).not.toContain('<img');
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(html).toContain('镇&amp;&quot;');
  });

  it('is a Chinese A4 page with the month, the lists and the publication date', () => {
    const html = boardHtml(board());
    expect(html).toContain('<html lang="zh-CN">');
    expect(html).toContain('@page { size: A4;');
    for (const text of ['石井村', '杉山镇', '2026年11月', '红榜', '黑榜', '文明家庭', '王秋菊']) {
      expect(html).toContain(text);
    }
    expect(html).toContain('大操大办、乱倒垃圾');
    expect(html).toContain('发布日期：2026年12月1日');
  });

  it('says so when a list is empty', () => {
    const html = boardHtml(board({ redList: [], blackList: [], households: [] }));
    expect(html).toContain('本月无上榜村民');
    expect(html).toContain('本月无扣分村民');
  });
});

describe('Content-Disposition', () => {
  it('has an ASCII filename and the Chinese one encoded', () => {
    expect(attachment(board(), 'csv')).toBe(
      `attachment; filename="board-LX-001-2026-11.csv"; filename*=UTF-8''` +
        encodeURIComponent('石井村 2026年11月 文明积分评比.csv'),
    );
    const odd = attachment(board({ village: { code: 'A', name: "O'(村)*", town: 't' } }), 'xlsx');
    expect(odd).toContain("filename*=UTF-8''O%27%28%E6%9D%91%29%2A");
  });
});

describe('XLSX', () => {
  it('a name or reason that looks like a formula is written as text', async () => {
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(
      (await boardXlsx(
        board({
          redList: [{ rank: 1, name: '=HYPERLINK("http://x","点我")', net: 30 }],
          blackList: [{ rank: 1, name: '@李四', deductions: -20, reasons: ['+大操大办'] }],
          households: [{ rank: 1, headName: '-王大山', members: 2, net: 25 }],
        }),
      )) as never,
    );
    const cells = ['红榜', '黑榜', '文明家庭'].map(
      (name) => wb.getWorksheet(name)!.getRow(2).values,
    );
    expect(cells).toEqual([
      [undefined, 1, '\'=HYPERLINK("http://x","点我")', 30],
      [undefined, 1, "'@李四", -20, "'+大操大办"],
      [undefined, 1, "'-王大山", 2, 25],
    ]);
  });
});
