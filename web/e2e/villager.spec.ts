import type { Page } from '@playwright/test';
import { expect, test } from './fixtures';
import { checkScreen, signIn } from './journeys';
import { asShop, seeded } from './api';
import { DISPLAY_NAMES } from './data';

/** A photo as a phone takes it: larger than the app sends (it downscales to ≤ 1600 px). */
async function bigPhoto(page: Page): Promise<Buffer> {
  const url = await page.evaluate(() => {
    const c = document.createElement('canvas');
    c.width = 2400;
    c.height = 1800;
    const g = c.getContext('2d')!;
    g.fillStyle = '#2f54eb';
    g.fillRect(0, 0, 2400, 1800);
    g.fillStyle = '#fadb14';
    g.fillRect(600, 400, 1200, 900);
    return c.toDataURL('image/png');
  });
  return Buffer.from(url.split(',')[1], 'base64');
}

async function selfReport(page: Page, description: string, photo?: Buffer) {
  await page.goto('/villager/report');
  await page.getByRole('tab', { name: '善行义举' }).click();
  await page.getByRole('button', { name: /参加村组志愿服务活动/ }).click();
  await page.getByLabel('事情经过').fill(description);
  if (photo) {
    await page
      .getByLabel('添加照片')
      .setInputFiles({ name: 'IMG_0001.png', mimeType: 'image/png', buffer: photo });
    const thumb = page.getByRole('img', { name: '证明照片 1' });
    await expect(thumb).toBeVisible();
    // sent downscaled, as JPEG
    await expect.poll(() => thumb.evaluate((img: HTMLImageElement) => img.naturalWidth)).toBe(1600);
  }
  await page.getByRole('button', { name: '提交申报' }).click();
  await expect(page.getByRole('status')).toContainText('等村干部审核');
}

test.describe('villager and cadre', () => {
  test.describe.configure({ timeout: 90_000 });
  test('landing: my balance and my latest entries with their reasons', async ({ page }) => {
    await signIn(page, 'villager', /\/villager$/);
    const balance = page.getByRole('region', { name: '我的积分余额' });
    await expect(balance).toContainText(/\d+/);
    await expect(page.getByRole('heading', { name: '最近的积分变化' })).toBeVisible();
    // 王小红's deeds of the seed: each entry names its rule
    await expect(page.getByRole('listitem').filter({ hasText: '分' }).first()).toBeVisible();
    await expect(page.getByText('还没有积分记录')).toHaveCount(0);
    await checkScreen(page, 'villager-home');
    await page.getByRole('button', { name: /红黑榜/ }).click();
    await expect(page).toHaveURL(/\/board\/E2E-SJ$/);
    await expect(page.getByRole('heading', { level: 2, name: '红榜' })).toBeVisible();
    // the board leads a signed-in villager back to their points
    await page.getByRole('link', { name: '我的积分' }).click();
    await expect(page).toHaveURL(/\/villager$/);

    // 户积分: the household's members and their points added up
    const num = (text: string | null) => Number(/−?\d+/.exec(text ?? '')![0].replace('−', '-'));
    await expect(balance.locator('strong')).toHaveText(/\d/);
    const mine = num(await balance.locator('strong').textContent());
    await page.getByRole('button', { name: /我家积分/ }).click();
    const total = page.getByRole('region', { name: '户积分' });
    await expect(total).toContainText('户主 王建国');
    const members = page.locator('.members .van-cell');
    await expect(members).toHaveCount(2); // 王建国 and 王小红
    const balances = await members.locator('.van-cell__value').allTextContents();
    expect(num(await total.locator('strong').textContent())).toBe(
      balances.map(num).reduce((a, b) => a + b, 0),
    );
    await checkScreen(page, 'villager-household');
    await page.locator('.van-nav-bar__left').click(); // back: 我的积分
    await expect(page).toHaveURL(/\/villager$/);

    // what the points buy: each item says whether they are enough, or how many are missing
    const { store } = await seeded();
    await (
      await asShop()
    ).POST('/api/stores/{id}/goods', {
      params: { path: { id: store.id } },
      body: { name: '电热水壶', pointsPrice: mine + 7, stock: 2 },
    });
    await page.getByRole('button', { name: '积分能换什么' }).click();
    await expect(page.getByText(`我现在有 ${mine} 分`)).toBeVisible();
    const dear = page.locator('.van-cell').filter({ hasText: '电热水壶' });
    await expect(dear).toContainText('还差 7 分');
    await checkScreen(page, 'villager-goods');
  });

  test('self-report → the cadre approves one and rejects one with a reason → the villager sees the trail', async ({
    page,
    browser,
  }) => {
    await signIn(page, 'villager', /\/villager$/);
    await page.getByRole('button', { name: '申报好人好事' }).click();
    await checkScreen(page, 'villager-report');
    await selfReport(page, '周六打扫村道（e2e 通过）', await bigPhoto(page));
    await checkScreen(page, 'villager-reported');
    await page.getByRole('button', { name: '再申报一件' }).click();
    await selfReport(page, '帮邻居收稻谷（e2e 退回）');
    await expect(page.getByText('待审核').first()).toBeVisible();

    const cadrePage = await (await browser.newContext()).newPage();
    await signIn(cadrePage, 'cadre', /\/cadre$/);
    const review = cadrePage.getByRole('button', { name: /审核村民申报/ });
    await expect(review).toContainText('2');
    await review.click();
    await expect(
      cadrePage.getByRole('article').filter({ hasText: 'e2e 通过' }).getByRole('img'),
    ).toHaveCount(1);
    await checkScreen(cadrePage, 'cadre-review');
    const approveCard = cadrePage.getByRole('article').filter({ hasText: 'e2e 通过' });
    const rejectCard = cadrePage.getByRole('article').filter({ hasText: 'e2e 退回' });
    await approveCard.getByRole('button', { name: '通过', exact: true }).click();
    await expect(cadrePage.getByRole('status')).toContainText('已通过：王小红');
    await rejectCard.getByRole('button', { name: '不通过' }).click();
    await rejectCard.getByRole('button', { name: '确认不通过' }).click();
    await expect(rejectCard.getByRole('alert')).toContainText('请写明不通过的理由');
    await rejectCard.getByLabel('不通过理由').fill('无人证明，请补充证明人');
    await rejectCard.getByRole('button', { name: '确认不通过' }).click();
    await expect(cadrePage.getByRole('status')).toContainText('已退回：王小红');
    await expect(cadrePage.getByText('没有待审核的申报。')).toBeVisible();
    // both stay in sight as past reviews
    const past = cadrePage.getByRole('region', { name: '最近审核过的' });
    await expect(
      past.getByRole('button').filter({ hasText: '未通过：无人证明，请补充证明人' }),
    ).toHaveCount(1);
    // (王小红's: the cadre's other journeys review deeds today too)
    await expect(
      past
        .getByRole('button')
        .filter({ hasText: '王小红' })
        .filter({ hasText: /\d{2}:\d{2} 通过/ }),
    ).toHaveCount(1);
    await cadrePage.close();

    await page.goto('/villager/report');
    await expect(page.getByText('理由：无人证明，请补充证明人')).toBeVisible();
    await page.goto('/villager');
    await page.getByRole('button', { name: '全部积分记录和经过' }).click();
    const entry = page.getByRole('button', { name: /参加村组志愿服务活动/ }).first();
    await entry.click();
    const trail = page.getByRole('list', { name: '记录经过' }).first();
    await expect(trail).toContainText('村民本人');
    await expect(trail).toContainText(`村干部 ${DISPLAY_NAMES.cadre}`);
    await expect(trail).toContainText('申报');
    await expect(trail).toContainText('审核通过');
    await expect(page.getByText('经过：周六打扫村道（e2e 通过）')).toBeVisible();
    await expect(page.getByRole('list', { name: '证明照片' }).getByRole('img')).toHaveCount(1);
    await checkScreen(page, 'villager-history');
  });

  test('an objection during 公示: the villager files it, the cadre resolves it from home, the villager sees the outcome', async ({
    page,
    browser,
  }) => {
    await signIn(page, 'villager', /\/villager$/);
    await page.getByRole('button', { name: '对评比有异议' }).click();
    await expect(page.getByText(/公示中/)).toBeVisible();
    await checkScreen(page, 'villager-objection');
    await page.getByRole('button', { name: '提交异议' }).click();
    await expect(page.getByRole('alert')).toContainText('请写清楚');
    await page.getByLabel('异议内容').fill('我上月参加义务劳动两次，榜上只算了一次（e2e）');
    await page.getByRole('button', { name: '提交异议' }).click();
    await expect(page.getByRole('status')).toContainText('异议已提交');
    await expect(page.getByText('等待村干部处理')).toBeVisible();

    const cadrePage = await (await browser.newContext()).newPage();
    await signIn(cadrePage, 'cadre', /\/cadre$/);
    const item = cadrePage.getByRole('button', { name: /异议.*e2e/ });
    await expect(item).toBeVisible();
    await item.click();
    const card = cadrePage.getByRole('article').filter({ hasText: '（e2e）' });
    // 去处理 lands on the objection itself, which names the villager who filed it
    await expect(card).toBeInViewport();
    await expect(card).toContainText('王小红');
    await card.getByLabel('理由').fill('已核对签到表，只参加了一次');
    await checkScreen(cadrePage, 'cadre-objection');
    await card.getByRole('button', { name: '提交处理' }).click();
    await expect(cadrePage.getByRole('status')).toContainText('异议已驳回');
    await cadrePage.close();

    await page.reload();
    await expect(page.getByText('已驳回（名单不变）')).toBeVisible();
    await expect(page.getByText('处理理由：已核对签到表，只参加了一次')).toBeVisible();
  });
});
