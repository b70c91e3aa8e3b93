import type { Page } from '@playwright/test';
import { asAdmin, asCadre, asShop, logIn, must, seeded } from './api';
import { ACCOUNTS, ADMIN, VILLAGE, months } from './data';
import { expect, expectAccessible, expectPhoneFriendly, screenshot, test } from './fixtures';

/**
 * Every route of every role at 360 px: each visible control a finger taps is at least 44×44 CSS
 * px (a checkbox or a text field counts with the label or field row around it, which take the
 * tap too), nothing scrolls sideways, axe finds nothing serious. A screenshot of each to look at.
 */
test.describe.configure({ timeout: 120_000 });

const MIN = 44;

/** The controls smaller than MIN on the page as it is now, described for the failure message. */
function smallTargets(page: Page): Promise<string[]> {
  return page.evaluate((min) => {
    const selector = [
      'a[href]',
      'button',
      'input:not([type=hidden])',
      'select',
      'textarea',
      '[role=button]',
      '[role=tab]',
      '[role=link]',
      '[role=checkbox]',
      '.van-nav-bar__left',
      '.van-nav-bar__right',
    ].join(',');
    const out: string[] = [];
    for (const el of Array.from(document.querySelectorAll<HTMLElement>(selector))) {
      const own = el.getBoundingClientRect();
      if (!own.width || !own.height || getComputedStyle(el).visibility === 'hidden') continue;
      if (
        el.closest('[aria-hidden=true], .van-nav-bar__left, .van-nav-bar__right') &&
        !el.matches('.van-nav-bar__left, .van-nav-bar__right')
      )
        continue;
      // what a finger lands on: the label of a checkbox, the row of a text field
      const target =
        el.closest('label') ?? el.closest('.van-field') ?? el.closest('.van-cell') ?? el;
      const r = target.getBoundingClientRect();
      if (r.width + 0.5 < min || r.height + 0.5 < min) {
        const name = (
          el.getAttribute('aria-label') ??
          el.textContent ??
          el.getAttribute('placeholder') ??
          ''
        )
          .trim()
          .slice(0, 20);
        out.push(
          `${el.tagName.toLowerCase()}「${name}」${Math.round(r.width)}×${Math.round(r.height)}`,
        );
      }
    }
    return out;
  }, MIN);
}

async function check(page: Page, path: string, name: string) {
  await page.goto(path);
  await page.waitForLoadState('networkidle');
  await expect(page.locator('.van-nav-bar__title, h1').first()).toBeVisible();
  // soft: one run lists every screen's small targets
  expect.soft(await smallTargets(page), `${path}: tap targets under ${MIN} px`).toEqual([]);
  // one minus sign (−10, not -10) and Chinese quotation marks around Chinese text
  const text = await page.evaluate(() => document.body.innerText);
  expect.soft(text.match(/(?<![\w-])-\d+/g) ?? [], `${path}: ASCII minus`).toEqual([]);
  expect
    .soft(text.match(/"[^"\n]*[\u4e00-\u9fff][^"\n]*"/g) ?? [], `${path}: ASCII quotes`)
    .toEqual([]);
  await expectPhoneFriendly(page);
  await expectAccessible(page);
  await screenshot(page, `every-${name}`);
}

test('every cadre screen', async ({ page }) => {
  const cadre = await asCadre();
  const villager = must(
    await cadre.GET('/api/villagers', { params: { query: { q: '王小红' } } }),
    'v',
  ).items[0];
  // the activities journey (activities.spec.ts) runs first and leaves one closed activity
  const activity = must(
    await cadre.GET('/api/villages/{villageId}/activities', {
      params: { path: { villageId: villager.villageId } },
    }),
    'activities',
  ).items[0];
  await logIn(page, ACCOUNTS.cadre);
  await expect(page).toHaveURL(/\/cadre$/);
  for (const [path, name] of [
    ['/cadre', 'cadre-home'],
    [`/cadre/record/${villager.id}`, 'cadre-record'],
    ['/cadre/review', 'cadre-review'],
    ['/cadre/roster', 'cadre-roster'],
    [`/cadre/villagers/${villager.id}`, 'cadre-villager'],
    [`/cadre/lists/${months().previous}`, 'cadre-lists'],
    ['/cadre/import', 'cadre-import'],
    ['/cadre/bulk', 'cadre-bulk'],
    ['/cadre/exports', 'cadre-exports'],
    ['/cadre/cards', 'cadre-cards'],
    ['/cadre/board-settings', 'cadre-board-settings'],
    ['/cadre/statements', 'cadre-statements'],
    ['/cadre/visits', 'cadre-visits'],
    ['/cadre/activities', 'cadre-activities'],
    ['/notices', 'cadre-notices'],
    ['/cadre/broadcast', 'cadre-broadcast'],
    ['/cadre/wecom', 'cadre-wecom'],
    ...(activity ? [[`/cadre/activities/${activity.id}`, 'cadre-activity']] : []),
    [`/volunteer-record/${villager.id}`, 'cadre-volunteer-record'],
    ['/password', 'cadre-password'],
    ['/security', 'cadre-security'],
  ]) {
    await check(page, path, name);
  }
});

test('every villager screen, and the board', async ({ page }) => {
  await logIn(page, ACCOUNTS.villager);
  await expect(page).toHaveURL(/\/villager$/);
  for (const [path, name] of [
    ['/villager', 'villager-home'],
    ['/villager/history', 'villager-history'],
    ['/villager/report', 'villager-report'],
    ['/villager/objection', 'villager-objection'],
    ['/villager/household', 'villager-household'],
    ['/villager/goods', 'villager-goods'],
    ['/villager/activities', 'villager-activities'],
    ['/notices', 'villager-notices'],
    ['/password', 'villager-password'],
    ['/security', 'villager-security'],
    [`/board/${VILLAGE.code}`, 'board-phone'],
  ]) {
    await check(page, path, name);
  }
});

test('every shopkeeper screen', async ({ page }) => {
  const { store } = await seeded();
  const shop = await asShop();
  const goods =
    must(await shop.GET('/api/stores/{id}/goods', { params: { path: { id: store.id } } }), 'goods')
      .items[0] ??
    must(
      await shop.POST('/api/stores/{id}/goods', {
        params: { path: { id: store.id } },
        body: { name: '洗衣粉', pointsPrice: 15, stock: 10 },
      }),
      'new goods',
    );
  await logIn(page, ACCOUNTS.shopkeeper);
  await expect(page).toHaveURL(/\/shop$/);
  for (const [path, name] of [
    ['/shop', 'shop-home'],
    ['/shop/goods', 'shop-goods'],
    [`/shop/goods/${goods.id}`, 'shop-goods-detail'],
    ['/password', 'shop-password'],
    ['/security', 'shop-security'],
  ]) {
    await check(page, path, name);
  }
});

test('every admin screen', async ({ page }) => {
  await logIn(page, ADMIN.username, ADMIN.password);
  await expect(page).toHaveURL(/\/admin$/);
  for (const [path, name] of [
    ['/admin', 'admin-home'],
    ['/admin/villages', 'admin-villages'],
    ['/admin/accounts', 'admin-accounts'],
    ['/admin/rules', 'admin-rules'],
    ['/admin/stores', 'admin-stores'],
    ['/admin/exports', 'admin-exports'],
    ['/admin/audit', 'admin-audit'],
    ['/password', 'admin-password'],
    ['/security', 'admin-security'],
  ]) {
    await check(page, path, name);
  }
});

test('every auditor screen', async ({ page }) => {
  const admin = await asAdmin();
  must(
    await admin.POST('/api/users', {
      body: {
        username: 'e2e_auditor',
        password: 'Auditor-E2e-1',
        mustChangePassword: false,
        role: 'auditor',
      },
    }),
    'auditor',
  );
  await logIn(page, 'e2e_auditor', 'Auditor-E2e-1');
  await expect(page).toHaveURL(/\/auditor$/);
  for (const [path, name] of [
    ['/auditor', 'auditor-home'],
    ['/admin/audit', 'auditor-audit'],
    ['/admin/exports', 'auditor-exports'],
    ['/security', 'auditor-security'],
  ]) {
    await check(page, path, name);
  }
});

test('the login screen, and a page that does not exist', async ({ page }) => {
  await check(page, '/login', 'login');
  await check(page, '/no-such-page', 'not-found');
});
