import { asAdmin, logIn, must } from './api';
import { ADMIN, VILLAGE } from './data';
import { checkScreen } from './journeys';
import { expect, screenshot, test } from './fixtures';

/**
 * 运行情况 (the district dashboard): the admin reads every town's villages, the table on a wide
 * screen, the trends and the export; a town account (镇干部) lands on its home and reads only
 * its own town's villages.
 */
test.describe.configure({ mode: 'serial', timeout: 120_000 });

const OTHER = { code: 'E2E-DL', name: '东岭村', town: '河口镇' };
const TOWN = { username: 'e2e_town', password: 'Town-pass-2026!' };

test.beforeAll(async () => {
  const admin = await asAdmin();
  const villages = must(await admin.GET('/api/villages'), 'villages').items;
  if (!villages.some((v) => v.code === OTHER.code)) {
    must(await admin.POST('/api/villages', { body: OTHER }), 'village');
  }
  const users = must(
    await admin.GET('/api/users', { params: { query: { role: 'town' } } }),
    'users',
  );
  if (!users.items.some((u) => u.username === TOWN.username)) {
    must(
      await admin.POST('/api/users', {
        body: { ...TOWN, role: 'town', town: VILLAGE.town, mustChangePassword: false },
      }),
      'town account',
    );
  }
});

test.describe('on a wide screen', () => {
  test.use({ viewport: { width: 1366, height: 768 }, isMobile: false, hasTouch: false });

  test('the admin reads the table of every village, the trends, and downloads the table', async ({
    page,
  }) => {
    await logIn(page, ADMIN.username, ADMIN.password);
    await expect(page).toHaveURL(/\/admin$/);
    await page.getByRole('button', { name: /运行情况/ }).click();
    await expect(page.locator('.van-nav-bar__title')).toHaveText('运行情况');

    const table = page.getByRole('table');
    await expect(table.getByRole('columnheader', { name: '参与率' })).toBeVisible();
    await expect(table.getByRole('columnheader', { name: '月末未兑' })).toBeVisible();
    await expect(table.getByRole('rowheader', { name: VILLAGE.name })).toBeVisible();
    await expect(table.getByRole('rowheader', { name: OTHER.name })).toBeVisible();
    await expect(table.getByRole('rowheader', { name: '合计' })).toBeVisible();
    // the village without households (0%) before the seeded one, which took part: least first
    const order = await table.locator('tbody th[scope="row"]').allTextContents();
    const at = (name: string) => order.findIndex((n) => n.includes(name));
    expect(at(OTHER.name)).toBeGreaterThanOrEqual(0);
    expect(at(OTHER.name)).toBeLessThan(at(VILLAGE.name));
    await expect(page.getByLabel('乡镇')).toBeVisible();
    await expect(page.locator('canvas')).toHaveCount(2);

    const download = page.waitForEvent('download');
    await page.getByRole('link', { name: /导出表格/ }).click();
    expect((await download).suggestedFilename()).toMatch(/\.xlsx$/);
    await screenshot(page, 'district-wide');

    // one town only
    await page.getByLabel('乡镇').selectOption(OTHER.town);
    await expect(table.getByRole('rowheader', { name: VILLAGE.name })).toHaveCount(0);
    await expect(table.getByRole('rowheader', { name: OTHER.name })).toBeVisible();
    await expect(page).toHaveURL(/town=/);
  });
});

test('on a phone the admin sees the villages that need attention first and opens one', async ({
  page,
}) => {
  await logIn(page, ADMIN.username, ADMIN.password);
  await page.getByRole('button', { name: /运行情况/ }).click();
  const cards = page.getByRole('listitem');
  await expect(cards.filter({ hasText: VILLAGE.name })).toBeVisible();
  // least participation first: the village without households before the seeded one
  const order = await cards.allTextContents();
  const at = (name: string) => order.findIndex((text) => text.includes(name));
  expect(at(OTHER.name)).toBeGreaterThanOrEqual(0);
  expect(at(OTHER.name)).toBeLessThan(at(VILLAGE.name));
  await expect(page.locator('canvas')).toHaveCount(2);
  await expect(page.getByRole('table')).toBeHidden();
  await checkScreen(page, 'district-phone');

  await page.getByRole('link', { name: new RegExp(VILLAGE.name) }).click();
  await expect(page.locator('.van-nav-bar__title')).toHaveText(VILLAGE.name);
  await expect(page.getByRole('heading', { name: /^红榜/ })).toBeVisible();
  await expect(page.getByRole('heading', { name: /^黑榜/ })).toBeVisible();
  await expect(page.getByRole('heading', { name: '该走访的家庭' })).toBeVisible();
  await expect(page.getByText('参与率')).toBeVisible();
  await checkScreen(page, 'district-village');
});

test('a town account lands on its home and reads only its own town', async ({ page }) => {
  await logIn(page, TOWN.username, TOWN.password);
  await expect(page).toHaveURL(/\/town$/);
  await expect(page.getByRole('button', { name: /村庄评分/ })).toBeVisible();
  await checkScreen(page, 'town-home');
  await page.getByRole('button', { name: /运行情况/ }).click();
  await expect(page.getByRole('heading', { name: new RegExp(VILLAGE.town) })).toBeVisible();
  await expect(page.getByRole('listitem').filter({ hasText: VILLAGE.name })).toBeVisible();
  await expect(page.getByText(OTHER.name)).toHaveCount(0);
  await expect(page.getByLabel('乡镇')).toHaveCount(0);
  await expect(page.locator('canvas')).toHaveCount(2);
  await checkScreen(page, 'district-town');
});
