import { readFileSync } from 'node:fs';
import type { Page } from '@playwright/test';
import ExcelJS from 'exceljs';
import { ACCOUNTS, ADMIN, PASSWORD } from './data';
import { expect, expectAccessible, expectPhoneFriendly, screenshot, test } from './fixtures';

/** Roster import, bulk award and exports (docs/product.md), as a cadre and an admin do them. */

async function logIn(page: Page, username: string, password: string, home: string) {
  await page.goto('/login');
  await page.getByLabel('用户名').fill(username);
  await page.getByLabel('密码').fill(password);
  await page.getByRole('button', { name: '登录' }).click();
  await expect(page).toHaveURL(new RegExp(`${home}$`));
}

const HEADERS = ['户号', '户主', '村民小组', '姓名', '身份证号', '电话', '状态'];
/** The template's (and the roster export's): HEADERS and what tells same names apart. */
const TEMPLATE_HEADERS = [...HEADERS, '出生日期', '与户主关系'];
/** 11010519491231002X is GB 11643's own example; the others are built with a valid check digit. */
const IDS = ['11010519491231002X', '430102199003071234', '430102198511200018'];

async function roster(rows: (string | number | null)[][]): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet('花名册');
  ws.addRow(HEADERS);
  for (const r of rows) ws.addRow(r);
  return Buffer.from(await wb.xlsx.writeBuffer());
}

async function sheetOf(path: string): Promise<unknown[][]> {
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load(readFileSync(path) as never);
  const rows: unknown[][] = [];
  wb.worksheets[0].eachRow((row) => rows.push((row.values as unknown[]).slice(1)));
  return rows;
}

const GOOD: (string | number | null)[][] = [
  ['IM-01', '陈大山', '五组', '陈大山', IDS[0], '13700000001', '在册'],
  ['IM-01', '陈大山', '五组', '陈小河', null, null, null],
  ['IM-02', '林秀', '五组', '林秀', IDS[1], null, null],
  ['IM-02', '林秀', '五组', '林木', null, null, null],
];

test.describe('the cadre’s spreadsheets', () => {
  test('import a roster: download the template, upload with errors, see them by row, fix, import', async ({
    page,
  }) => {
    await logIn(page, ACCOUNTS.cadre, PASSWORD, '/cadre');
    await page.goto('/cadre/import');
    await expect(page.getByRole('heading', { name: '第一步：下载模板，填好花名册' })).toBeVisible();
    await expectPhoneFriendly(page);
    await expectAccessible(page);
    await screenshot(page, 'roster-import');

    const [template] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('link', { name: '下载花名册模板' }).click(),
    ]);
    expect((await sheetOf((await template.path())!))[0]).toEqual(TEMPLATE_HEADERS);

    // an ID number Excel turned into a number, and a household with two heads
    const bad = await roster([
      ...GOOD.slice(0, 2),
      ['IM-02', '林秀', '五组', '林秀', Number(IDS[1]), null, null],
      ['IM-02', '林大', '五组', '林木', null, null, null],
    ]);
    await page
      .getByLabel('选择花名册表格')
      .setInputFiles({ name: '花名册.xlsx', mimeType: 'application/octet-stream', buffer: bad });
    await expect(page.getByText('已选择：花名册.xlsx')).toBeVisible();
    await page.getByRole('button', { name: '检查表格' }).click();
    const problems = page.getByRole('list', { name: '表格问题' });
    await expect(problems.getByRole('listitem')).toHaveCount(2);
    await expect(problems.getByRole('listitem').first()).toContainText('第 4 行 · 身份证号');
    await expect(problems.getByRole('listitem').first()).toContainText('4.30102E+17');
    await expect(problems.getByRole('listitem').nth(1)).toContainText('第 5 行 · 户主');
    await expect(page.getByRole('button', { name: '确认导入' })).toHaveCount(0);
    await expectPhoneFriendly(page);
    await expectAccessible(page);
    await screenshot(page, 'roster-import-errors');

    const [errors] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: '下载错误说明表' }).click(),
    ]);
    const errorRows = await sheetOf((await errors.path())!);
    expect(errorRows[0]).toEqual([...HEADERS, '错误说明']);
    expect(String(errorRows[3][7])).toContain('身份证号');
    expect(JSON.stringify(errorRows)).not.toContain(IDS[0]);

    // fixed and chosen again: checked clean, then imported
    await page.getByLabel('选择花名册表格').setInputFiles({
      name: '花名册-改好.xlsx',
      mimeType: 'application/octet-stream',
      buffer: await roster(GOOD),
    });
    await page.getByRole('button', { name: '检查表格' }).click();
    await expect(page.getByText('表格没有问题，可以导入。')).toBeVisible();
    await expect(page.getByText('4 人', { exact: true })).toBeVisible();
    await page.getByRole('button', { name: '确认导入' }).click();
    await expect(page.getByRole('status')).toContainText('新增 4 人，更新 0 人');
    await expectAccessible(page);
    await screenshot(page, 'roster-import-done');

    // the same file again changes nothing
    await page.getByLabel('选择花名册表格').setInputFiles({
      name: '花名册-改好.xlsx',
      mimeType: 'application/octet-stream',
      buffer: await roster(GOOD),
    });
    await page.getByRole('button', { name: '检查表格' }).click();
    await expect(
      page.getByRole('cell', { name: '没有变化' }).or(page.getByText('没有变化')),
    ).toBeVisible();
    await expect(page.locator('.van-cell', { hasText: '没有变化' })).toContainText('4 人');
  });

  test('bulk award: pick by search, household, 村民小组 and all; see a result per villager', async ({
    page,
  }) => {
    await logIn(page, ACCOUNTS.cadre, PASSWORD, '/cadre');
    // a village rule once a month, so that the second batch meets the monthly cap
    const created = await page.request.post('/api/rules', {
      data: {
        code: 'E2E-YWLD',
        category: 'environment',
        title: '参加义务劳动',
        points: 3,
        maxPerMonth: 1,
      },
    });
    expect(created.status()).toBe(201);

    await page.goto('/cadre/bulk');
    await expect(page.getByRole('heading', { name: '记什么' })).toBeVisible();
    await expectPhoneFriendly(page);
    await expectAccessible(page);

    await page.getByRole('button', { name: '选择积分细则' }).click();
    await page.getByRole('searchbox', { name: '搜索细则' }).fill('义务劳动');
    await page.getByText('参加义务劳动', { exact: true }).click();
    await expect(
      page.getByRole('button', { name: '积分细则：参加义务劳动，点此更换' }),
    ).toContainText('参加义务劳动（+3 分）');
    await page.getByLabel('事由').fill('清理河道');

    await page.getByRole('searchbox', { name: '搜索村民姓名' }).fill('陈小河');
    await page.getByRole('checkbox', { name: /陈小河/ }).click();
    await page.getByRole('tab', { name: '按户' }).click();
    await page.getByRole('button', { name: '选林秀全户' }).click();
    await expect(page.getByRole('heading', { name: '已选 3 人' })).toBeVisible();
    await screenshot(page, 'bulk-award-picked');
    await page.getByRole('button', { name: '给 3 人记分' }).click();
    const results = page.getByRole('heading', { name: /记分结果/ });
    await expect(results).toHaveText('记分结果：3 人已记分，0 人未记');

    // the whole group again: the three are at this month's limit, 陈大山 is not
    await page.getByRole('tab', { name: '按村民小组' }).click();
    await page.getByRole('button', { name: '选五组全组' }).click();
    await expect(page.getByRole('heading', { name: '已选 4 人' })).toBeVisible();
    await page.getByRole('button', { name: '给 4 人记分' }).click();
    await expect(results).toHaveText('记分结果：1 人已记分，3 人未记');
    const section = page.locator('.results');
    await expect(section.locator('.van-cell', { hasText: '陈大山' })).toContainText('已记分');
    await expect(section.locator('.van-cell', { hasText: '林木' })).toContainText('本月次数已满');
    await expectPhoneFriendly(page);
    await expectAccessible(page);
    await screenshot(page, 'bulk-award-results');

    // select all: every active villager of the village
    await page.getByRole('tab', { name: '搜索' }).click();
    await page.getByRole('searchbox', { name: '搜索村民姓名' }).fill('');
    await expect(page.getByRole('checkbox', { name: /王建国/ }).first()).toBeVisible();
    const all = page.getByRole('button', { name: /全选全村（\d+ 人）/ });
    const total = Number((await all.textContent())!.match(/（(\d+) 人）/)![1]);
    expect(total).toBeGreaterThanOrEqual(10);
    await all.click();
    await expect(page.getByRole('heading', { name: `已选 ${total} 人` })).toBeVisible();
  });

  test('the cadre downloads the roster and a month of the ledger', async ({ page }) => {
    await logIn(page, ACCOUNTS.cadre, PASSWORD, '/cadre');
    await page.goto('/cadre/exports');
    await expectPhoneFriendly(page);
    await expectAccessible(page);
    await screenshot(page, 'cadre-exports');
    const [roster] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('link', { name: '下载本村花名册（Excel）' }).click(),
    ]);
    const rows = await sheetOf((await roster.path())!);
    expect(rows[0]).toEqual([...TEMPLATE_HEADERS, '积分']);
    expect(JSON.stringify(rows)).not.toContain(IDS[0]);
    const [ledger] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('link', { name: /积分流水（CSV）/ }).click(),
    ]);
    const csv = readFileSync((await ledger.path())!);
    expect([...csv.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const lines = csv.toString('utf8').slice(1).split('\r\n');
    expect(lines[0]).toBe('时间,户号,姓名,类型,积分,余额,事由,操作人');
    expect(lines.length).toBeGreaterThan(2);
  });
});

test('the admin downloads the district’s ledger and a store’s redemptions', async ({ page }) => {
  await logIn(page, ADMIN.username, ADMIN.password, '/admin');
  await page.goto('/admin/exports');
  await expect(page.getByRole('combobox', { name: '选择村庄' })).toBeVisible();
  await expectPhoneFriendly(page);
  await expectAccessible(page);
  await screenshot(page, 'admin-exports');
  const [district] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('link', { name: /全区.*积分流水（Excel）/ }).click(),
  ]);
  const rows = await sheetOf((await district.path())!);
  expect(rows[0]).toEqual(['时间', '村', '户号', '姓名', '类型', '积分', '余额', '事由', '操作人']);
  expect(rows.length).toBeGreaterThan(1);
  await page
    .getByRole('combobox', { name: '选择积分超市' })
    .selectOption({ label: '石井村积分超市' });
  const [store] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('link', { name: /兑换记录（CSV）/ }).click(),
  ]);
  expect(readFileSync((await store.path())!).toString('utf8')).toContain('时间,单号,村,姓名,商品');
});
