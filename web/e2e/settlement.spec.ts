import { asAdmin, asCadre, logIn, must } from './api';
import { ACCOUNTS, ADMIN, PASSWORD } from './data';
import { checkScreen } from './journeys';
import { expect, test } from './fixtures';

/**
 * 积分清零: the admin chooses that points expire a month after the deed; the villager is told on
 * their home, 30 days ahead, how many points will expire and when. The policy goes back to keep
 * afterwards (a change expires nothing for 30 days, so no other journey loses a point).
 */
test.describe.configure({ mode: 'serial' });

test.afterAll(async () => {
  const admin = await asAdmin();
  must(await admin.PATCH('/api/settings/points', { body: { policy: 'keep' } }), 'keep');
});

test('the admin sets points to expire after a month; the villager sees when theirs expire', async ({
  page,
}) => {
  // the villager has points of a deed today
  const cadre = await asCadre();
  const admin = await asAdmin();
  const account = must(
    await admin.GET('/api/users', { params: { query: { role: 'villager', pageSize: 200 } } }),
    'users',
  ).items.find((u) => u.username === ACCOUNTS.villager)!;
  const rules = must(
    await cadre.GET('/api/rules', { params: { query: { pageSize: 200 } } }),
    'rules',
  );
  const rule = rules.items.find(
    (r) => r.active && r.points > 0 && r.maxPerMonth === null && !r.evidenceRequired,
  )!;
  const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' }).format(new Date());
  must(
    await cadre.POST('/api/deeds', {
      body: {
        villagerId: account.villagerId!,
        ruleId: rule.id,
        occurredOn: today,
        description: '清理水渠',
      },
    }),
    'deed',
  );

  await logIn(page, ADMIN.username, ADMIN.password);
  await page.getByRole('button', { name: /积分清零/ }).click();
  await expect(page.locator('.van-nav-bar__title')).toHaveText('积分清零');
  await expect(page.getByText('不清零，积分一直有效').first()).toBeVisible();
  await page.getByRole('radio', { name: '获得满若干个月后到期' }).click();
  await page.getByLabel('有效期（月）').fill('1');
  await page.getByRole('button', { name: '保存' }).click();
  await page.getByRole('button', { name: '确定修改' }).click();
  await expect(page.getByText('获得满 1 个月到期')).toBeVisible();
  await expect(page.getByText(/开始执行（修改后 30 天才开始清零）/)).toBeVisible();
  await checkScreen(page, 'points-policy');

  await page.context().clearCookies();
  await logIn(page, ACCOUNTS.villager, PASSWORD);
  await expect(page).toHaveURL(/\/villager$/);
  const notice = page.getByRole('status').filter({ hasText: '分将于' });
  await expect(notice).toHaveText(/^\d+ 分将于 (\d+年)?\d+月\d+日到期$/);
  await checkScreen(page, 'villager-expiring');
});
