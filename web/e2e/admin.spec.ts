import { asCadre, logIn, must, seeded } from './api';
import { ADMIN } from './data';
import { expect, expectAccessible, expectPhoneFriendly, screenshot, test } from './fixtures';

/** The admin console (区/镇管理): villages and settings, accounts, the rule catalogue, stores. */
test.describe.configure({ mode: 'serial', timeout: 120_000 });

async function openAdmin(page: import('@playwright/test').Page, section: string) {
  await logIn(page, ADMIN.username, ADMIN.password);
  await expect(page).toHaveURL(/\/admin$/);
  await expect(page.getByRole('button', { name: new RegExp(section) })).toBeVisible();
  await screenshot(page, 'admin-home');
  await page.getByRole('button', { name: new RegExp(section) }).click();
  await expect(page.locator('.van-nav-bar__title')).toHaveText(section);
}

test('villages: create one, change its red-list size and publicity days', async ({ page }) => {
  await openAdmin(page, '村庄与设置');
  await expectPhoneFriendly(page);
  await expectAccessible(page);
  await page.getByRole('button', { name: '新增村庄' }).click();
  const form = page.getByRole('form', { name: '新增村庄' });
  await form.getByLabel('村庄编码').fill('E2E-ADM');
  await form.getByLabel('村名').fill('新塘村');
  await form.getByLabel('所属乡镇').fill('杉山镇');
  await form.getByLabel('公示天数').fill('40');
  await form.getByRole('button', { name: '保存' }).click();
  await expect(form.getByRole('alert')).toHaveText('公示天数要在 0 到 30 之间（0 表示公布即定）。');
  await form.getByLabel('公示天数').fill('3');
  await expectAccessible(page);
  await screenshot(page, 'admin-village-new');
  await form.getByRole('button', { name: '保存' }).click();
  const item = page.getByRole('listitem').filter({ hasText: '新塘村' });
  await expect(item).toContainText('红榜 10 人 · 公示 3 天');

  await item.getByRole('button', { name: '修改 新塘村' }).click();
  const edit = page.getByRole('form', { name: '修改 新塘村' });
  await edit.getByLabel('红榜人数').fill('5');
  await edit.getByLabel('公示天数').fill('0');
  await edit.getByRole('button', { name: '保存设置' }).click();
  await expect(item).toContainText('红榜 5 人 · 公示 0 天');
  await screenshot(page, 'admin-villages');
});

test.describe('duplicates', () => {
  test.use({ allowConsole: [/status of 409/] });
  test('a village code already taken is refused in words', async ({ page }) => {
    await openAdmin(page, '村庄与设置');
    await page.getByRole('button', { name: '新增村庄' }).click();
    const form = page.getByRole('form', { name: '新增村庄' });
    await form.getByLabel('村庄编码').fill('E2E-ADM');
    await form.getByLabel('村名').fill('重名村');
    await form.getByLabel('所属乡镇').fill('杉山镇');
    await form.getByRole('button', { name: '保存' }).click();
    await expect(form.getByRole('alert')).toHaveText('编码 E2E-ADM 已被别的村使用，请换一个。');
  });
});

test('accounts: create a cadre for a village, disable and re-enable it, reset its password', async ({
  page,
  browser,
}) => {
  await openAdmin(page, '账号管理');
  await expectPhoneFriendly(page);
  await expectAccessible(page);
  await page.getByRole('button', { name: '新建账号' }).click();
  const form = page.getByRole('form', { name: '新建账号' });
  await form.getByLabel('用户名').fill('e2e_cadre_new');
  await form.getByLabel('初始密码').fill('First-Pass-1');
  await form.getByLabel('角色').selectOption({ label: '村干部' });
  await form.getByRole('button', { name: '创建账号' }).click();
  await expect(form.getByRole('alert')).toHaveText('村干部账号要选所属的村。');
  await form.getByLabel('所属村').selectOption({ label: '杉山镇 新塘村' });
  await expectAccessible(page);
  await screenshot(page, 'admin-account-new');
  await form.getByRole('button', { name: '创建账号' }).click();
  const item = page.getByRole('listitem').filter({ hasText: 'e2e_cadre_new' });
  await expect(item).toContainText('村干部');
  await expect(item).toContainText('新塘村');

  await item.getByRole('button', { name: '停用 e2e_cadre_new' }).click();
  await expect(item).toContainText('已停用');
  await expect(item.getByRole('status')).toHaveText('已停用，该账号已被登出。');
  await item.getByRole('button', { name: '启用 e2e_cadre_new' }).click();
  await expect(item).not.toContainText('已停用');

  await item.getByRole('button', { name: '重置 e2e_cadre_new 的密码' }).click();
  await item.getByLabel('新密码').fill('Second-Pass-2');
  await item.getByRole('button', { name: '确认重置' }).click();
  await expect(item.getByRole('status')).toContainText('密码已重置');
  await screenshot(page, 'admin-accounts');

  // the new password works, in a browser of its own, and must be changed first
  const other = await browser.newContext();
  const p2 = await other.newPage();
  await logIn(p2, 'e2e_cadre_new', 'Second-Pass-2');
  await expect(p2).toHaveURL(/\/password$/);
  await other.close();
});

test('accounts: a shopkeeper for a store and a villager for a person', async ({ page }) => {
  await openAdmin(page, '账号管理');
  await page.getByRole('button', { name: '新建账号' }).click();
  const form = page.getByRole('form', { name: '新建账号' });
  await form.getByLabel('用户名').fill('e2e_shop_new');
  await form.getByLabel('初始密码').fill('First-Pass-1');
  await form.getByLabel('角色').selectOption({ label: '积分超市' });
  await form.getByLabel('所属积分超市').selectOption({ label: '石井村积分超市' });
  await form.getByRole('button', { name: '创建账号' }).click();
  await expect(page.getByRole('listitem').filter({ hasText: 'e2e_shop_new' })).toContainText(
    '石井村积分超市',
  );

  await page.getByRole('button', { name: '新建账号' }).click();
  await form.getByLabel('用户名').fill('e2e_villager_new');
  await form.getByLabel('初始密码').fill('First-Pass-1');
  await form.getByLabel('角色').selectOption({ label: '村民' });
  await form.getByLabel('所属村').selectOption({ label: '杉山镇 石井村' });
  await form.getByLabel('村民姓名').fill('李明');
  await form.getByRole('button', { name: '查找村民' }).click();
  await form.getByLabel('是哪位村民').selectOption({ label: '李明' });
  await form.getByRole('button', { name: '创建账号' }).click();
  await expect(page.getByRole('listitem').filter({ hasText: 'e2e_villager_new' })).toContainText(
    '村民',
  );
});

test('rules: add a district rule, edit it, deactivate it; a village’s own rule is read-only', async ({
  page,
}) => {
  const { village } = await seeded();
  const cadre = await asCadre();
  must(
    await cadre.POST('/api/rules', {
      body: { code: 'E2E-VR1', category: 'family', title: '村规：孝敬父母', points: 3 },
    }),
    'village rule',
  );
  expect(village.id).toBeGreaterThan(0);
  await openAdmin(page, '积分细则');
  await expectPhoneFriendly(page);
  await expectAccessible(page);
  await page.getByRole('button', { name: '新增全区细则' }).click();
  const form = page.getByRole('form', { name: '新增全区细则' });
  await form.getByLabel('编码').fill('E2E-D1');
  await form.getByLabel('类别').selectOption({ label: '环境卫生' });
  await form.getByLabel('细则名称').fill('门前三包做得好');
  await form.getByLabel('分值').fill('0');
  await form.getByRole('button', { name: '保存' }).click();
  await expect(form.getByRole('alert')).toContainText('不能为 0');
  await form.getByLabel('分值').fill('4');
  await form.getByLabel('每月上限').fill('2');
  await form.getByRole('button', { name: '保存' }).click();

  await page.getByLabel('按类别查看').selectOption({ label: '环境卫生' });
  const item = page.getByRole('listitem').filter({ hasText: '门前三包做得好' });
  await expect(item).toContainText('+4 分');
  await expect(item).toContainText('每月最多 2 次');
  await item.getByRole('button', { name: '修改 门前三包做得好' }).click();
  await item.getByLabel('分值').fill('6');
  await item.getByLabel('每月上限').fill('');
  await item.getByRole('button', { name: '保存修改' }).click();
  await expect(item).toContainText('+6 分');
  await expect(item).not.toContainText('每月最多');
  await item.getByRole('button', { name: '停用 门前三包做得好' }).click();
  await expect(item).toContainText('已停用');
  await screenshot(page, 'admin-rules');

  await page.getByLabel('按类别查看').selectOption({ label: '家庭美德' });
  const own = page.getByRole('listitem').filter({ hasText: '村规：孝敬父母' });
  await expect(own).toContainText('石井村村规（只读）');
  await expect(own.getByRole('button')).toHaveCount(0);
  await expectAccessible(page);
});

test('stores: create one serving a village, then change the villages it serves', async ({
  page,
}) => {
  await openAdmin(page, '积分超市');
  await expectPhoneFriendly(page);
  await expectAccessible(page);
  await page.getByRole('button', { name: '新增积分超市' }).click();
  const form = page.getByRole('form', { name: '新增积分超市' });
  await form.getByLabel('超市名称').fill('新塘村积分超市');
  await form.getByRole('button', { name: '保存' }).click();
  await expect(form.getByRole('alert')).toHaveText('请至少选一个它服务的村。');
  await form.getByLabel('杉山镇 新塘村').check();
  await form.getByRole('button', { name: '保存' }).click();
  const item = page.getByRole('listitem').filter({ hasText: '新塘村积分超市' });
  await expect(item).toContainText('服务：新塘村');
  await item.getByRole('button', { name: '修改 新塘村积分超市' }).click();
  await item.getByLabel('杉山镇 石井村').check();
  await item.getByRole('button', { name: '保存修改' }).click();
  await expect(item).toContainText('服务：石井村、新塘村');
  await expectAccessible(page);
  await screenshot(page, 'admin-stores');
});

test('the audit trail: who changed what, filtered by kind of record', async ({ page }) => {
  await openAdmin(page, '操作记录');
  await expect(page.getByText(/共 \d+ 条/)).toBeVisible();
  await page.getByLabel('记录类别').selectOption({ label: '账号' });
  const events = page.getByRole('list', { name: '操作记录' }).getByRole('listitem');
  await expect(events.first()).toContainText(/账号|登录/);
  // changes of accounts, and the access log's logins and logouts
  for (const text of await events.allTextContents()) {
    expect(text).toMatch(/账号 #\d+|登录|退出登录|修改密码/);
  }
  await expectPhoneFriendly(page);
  await expectAccessible(page);
  await screenshot(page, 'admin-audit');
});
