import { asCadre, balanceOf, logIn, must } from './api';
import { ACCOUNTS, PASSWORD } from './data';
import { expect, test } from './fixtures';
import { checkScreen, signIn } from './journeys';

/**
 * An activity from its notice to the villager's points and hours: the cadre publishes it on the
 * phone, 王小红 signs up and checks in with the venue's QR, the cadre checks in a walk-in by name
 * and closes it; 王小红 is told in her notices, sees the points on her home and the hours on her
 * 志愿服务记录证明.
 */
test.describe.configure({ mode: 'serial', timeout: 90_000 });

const TITLE = '义务劳动：清理村口水渠（e2e）';

/** HH:MM in Asia/Shanghai, `minutes` from now, kept inside today. */
function clock(minutes: number): string {
  const at = new Date(Date.now() + minutes * 60_000);
  const [h, m] = new Intl.DateTimeFormat('en-GB', {
    timeZone: 'Asia/Shanghai',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  })
    .format(at)
    .split(':');
  return `${h}:${m}`;
}

test('publish, sign up, check in by QR and by name, close; the villager sees points and hours', async ({
  page,
}) => {
  const cadre = await asCadre();
  // a rule without a monthly cap, so the award is not refused by earlier journeys' deeds
  const rule = must(
    await cadre.GET('/api/rules', { params: { query: { active: true, pageSize: 200 } } }),
    'rules',
  ).items.find((r) => r.points > 0 && !r.evidenceRequired && r.maxPerMonth === null)!;
  const before = await balanceOf('王小红');
  const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' }).format(new Date());
  // from half an hour ago to an hour ahead, within today (a journey run just after midnight or
  // just before it still starts before now and ends after it)
  const from = clock(-30) < clock(0) ? clock(-30) : '00:00';
  const to = clock(60) > clock(0) ? clock(60) : '23:59';

  // the cadre publishes it
  await signIn(page, 'cadre', /\/cadre$/);
  await page.getByText('活动：发布、报名、签到、记分').click();
  await expect(page).toHaveURL(/\/cadre\/activities$/);
  await page.getByRole('button', { name: '发布新活动' }).click();
  await page.getByLabel('活动名称').fill(TITLE);
  await page.getByText('点此选择').click();
  await page.getByPlaceholder('搜索细则').fill(rule.title);
  await page.getByRole('dialog', { name: '选择记分细则' }).getByText(rule.title).click();
  // the picker and its overlay fade out: checked while fading, the overlay has no name
  await expect(page.getByRole('dialog', { name: '选择记分细则' })).toBeHidden();
  await expect(page.locator('.van-overlay')).toBeHidden();
  await page.getByLabel('日期').fill(today);
  await page.getByLabel('开始时间').fill(from);
  await page.getByLabel('结束时间').fill(to);
  await page.getByLabel('集合地点').fill('村口水渠');
  await page.getByLabel('志愿时长').fill('1.5');
  await checkScreen(page, 'cadre-activity-new');
  await page.getByRole('button', { name: '发布', exact: true }).click();
  await expect(page).toHaveURL(/\/cadre\/activities\/\d+$/);
  const id = Number(new URL(page.url()).pathname.split('/').pop());
  await expect(page.getByText(`记分：${rule.title}（每人 +${rule.points} 分）`)).toBeVisible();
  await checkScreen(page, 'cadre-activity-desk');

  // 王小红 signs up on her phone, then scans the venue's QR
  await page.context().clearCookies();
  await logIn(page, ACCOUNTS.villager, PASSWORD);
  await expect(page).toHaveURL(/\/villager$/);
  await page.getByText('村里的活动（报名、签到、志愿时长）').click();
  const card = page.getByRole('article', { name: TITLE });
  await card.getByRole('button', { name: '报名' }).click();
  await expect(card.getByText('已报名', { exact: true })).toBeVisible();
  await checkScreen(page, 'villager-activities');
  const { token } = must(
    await cadre.GET('/api/activities/{id}/checkin-token', { params: { path: { id } } }),
    'token',
  );
  await page.goto(`/activities/${id}/checkin?t=${token}`);
  await expect(page.getByText(TITLE)).toBeVisible();
  await page.getByRole('button', { name: '确认签到' }).click();
  await expect(page.getByText(/签到成功/)).toBeVisible();
  await checkScreen(page, 'villager-checkin');

  // the cadre checks in a walk-in by name and closes the activity
  await page.context().clearCookies();
  await signIn(page, 'cadre', /\/cadre$/);
  await page.goto(`/cadre/activities/${id}`);
  await expect(page.getByTestId('checked-in')).toHaveText('1');
  await page.getByRole('searchbox', { name: '姓名' }).fill('李明');
  await page.getByRole('button', { name: '查找' }).click();
  await page.getByRole('button', { name: /^李明.*签到$/ }).click();
  await expect(page.getByRole('status')).toContainText('李明 已签到');
  await expect(page.getByTestId('checked-in')).toHaveText('2');
  await page.getByRole('button', { name: '结束活动，给签到的 2 人记分' }).click();
  await page.getByRole('button', { name: '结束并记分' }).click();
  await expect(page.locator('.van-dialog')).toBeHidden();
  await expect(page.getByRole('status')).toContainText(`2 人记了 ${rule.points} 分`);
  await expect(page.getByText('已记分 · 1.5 小时')).toHaveCount(2);
  await checkScreen(page, 'cadre-activity-closed');
  expect(await balanceOf('王小红')).toBe(before + rule.points);

  // 王小红 sees her points and her hours
  await page.context().clearCookies();
  await logIn(page, ACCOUNTS.villager, PASSWORD);
  await expect(page).toHaveURL(/\/villager$/);
  await expect(page.getByText(rule.title).first()).toBeVisible();
  // the notice centre: the badge counts what is unread, the list says what happened
  const bell = page.getByTestId('notice-bell');
  await expect(bell).toHaveAttribute('aria-label', /消息，\d+ 条未读/);
  await bell.click();
  await expect(page).toHaveURL(/\/notices$/);
  await expect(page.getByText(`获得积分 +${rule.points} 分`).first()).toBeVisible();
  await checkScreen(page, 'villager-notices');
  await page.getByRole('button', { name: '全部已读' }).click();
  await expect(page.getByRole('button', { name: '全部已读' })).toBeHidden();
  await page.getByRole('link', { name: '返回' }).or(page.getByText('返回')).first().click();
  await expect(page).toHaveURL(/\/villager$/);
  await expect(bell).toHaveAttribute('aria-label', '消息');
  await page.getByText('村里的活动（报名、签到、志愿时长）').click();
  await expect(page.getByText(/1\.5 小时/).first()).toBeVisible();
  await page.getByRole('button', { name: '我的志愿服务记录' }).click();
  await expect(page).toHaveURL(/\/volunteer-record\/\d+$/);
  await expect(page.getByRole('list', { name: '服务记录' }).getByText(TITLE)).toBeVisible();
  await expect(page.getByText(/累计服务\s*1\.5\s*小时/)).toBeVisible();
  await checkScreen(page, 'volunteer-record');
});
