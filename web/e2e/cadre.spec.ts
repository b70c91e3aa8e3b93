import { ADMIN, DISPLAY_NAMES, months, PASSWORD } from './data';
import { expect, test } from './fixtures';
import { checkScreen, signIn, Taps } from './journeys';

const { current } = months();

test.describe('cadre', () => {
  test.describe.configure({ timeout: 90_000 });
  test('home: village, search by pinyin initials, record a deed in 4 taps, revoke it', async ({
    page,
  }) => {
    await signIn(page, 'cadre', /\/cadre$/);
    await expect(page.getByRole('heading', { name: '石井村' })).toBeVisible();
    await expect(page.getByText(`${DISPLAY_NAMES.cadre}（村干部），您好`)).toBeVisible();
    const search = page.getByRole('searchbox', { name: '找村民' });
    await expect(search).toHaveAttribute('type', 'search');
    await expect(search).toBeFocused();
    await expect(page.getByText(/今天登记（\d+ 条）/)).toBeVisible();
    await checkScreen(page, 'cadre-home');

    const taps = new Taps();
    await search.fill('lm'); // 李明, by pinyin initials
    const results = page.getByRole('region', { name: '搜索结果' });
    await expect(results.getByRole('link', { name: /李明/ }).first()).toBeVisible();
    await checkScreen(page, 'cadre-search');
    await taps.tap(results.getByRole('link', { name: /^李明，/ }));
    await expect(page).toHaveURL(/\/cadre\/record\/\d+$/);
    await expect(page.getByRole('heading', { name: /李明/ })).toBeVisible();
    // the cadre's recent rules come first
    await expect(page.getByRole('tab', { name: '常用', selected: true })).toBeVisible();
    await checkScreen(page, 'cadre-record');
    const recent = page.getByRole('list', { name: '常用细则' }).getByRole('button').first();
    const title = (await recent.locator('.title').textContent())!;
    await taps.tap(recent);
    await expect(page.getByLabel('日期')).toHaveValue(months().today);
    await taps.tap(page.getByLabel('事情经过'));
    await page.getByLabel('事情经过').fill('拾到钱包交还失主（e2e 四步）');
    await taps.tap(page.getByRole('button', { name: /^记分 [+−]\d+ 分$/ }));
    await expect(page.getByRole('status')).toContainText(`已记入：${title}`);
    expect(taps.count).toBeLessThanOrEqual(4);
    await checkScreen(page, 'cadre-recorded');

    await page.getByRole('button', { name: '撤销这条' }).click();
    await expect(page.getByRole('alert')).toHaveText('请写明撤销的理由。');
    await page.getByLabel('撤销理由').fill('记错了人');
    await page.getByRole('button', { name: '撤销这条' }).click();
    await expect(page.getByRole('status')).toContainText('已撤销');
  });

  test('代办: the cadre files for a villager who asked in person; it is reviewed, and the trail says who filed for whom', async ({
    page,
  }) => {
    await signIn(page, 'cadre', /\/cadre$/);
    await page.getByRole('searchbox', { name: '找村民' }).fill('张伟');
    await page.getByRole('link', { name: /^张伟，/ }).click();
    await expect(page).toHaveURL(/\/cadre\/record\/\d+$/);
    const villagerId = Number(page.url().split('/').pop());
    await page.getByRole('tab', { name: '诚实守信' }).click();
    await page
      .getByRole('button', { name: /拾金不昧/ })
      .last()
      .click();
    await page.getByLabel('事情经过').fill('帮邻居收稻谷（e2e 代办）');
    await page.getByRole('switch', { name: '代村民申报' }).click();
    await page.getByRole('button', { name: '代为申报（待审核）' }).click();
    await expect(page.getByRole('alert')).toContainText('写明本人是怎么申请的');
    await page.getByLabel('本人怎么申请的').fill('本人到村委会口头申请');
    await checkScreen(page, 'cadre-record-on-behalf');
    await page.getByRole('button', { name: '代为申报（待审核）' }).click();
    await expect(page.getByRole('status')).toContainText('已代张伟申报');
    await page.getByRole('button', { name: '去审核' }).click();
    const card = page.getByRole('article', { name: '张伟的申报' }).filter({
      hasText: '帮邻居收稻谷（e2e 代办）',
    });
    await expect(card).toContainText('代为申报：本人到村委会口头申请');
    await card.getByRole('button', { name: '通过', exact: true }).click();
    await expect(page.getByRole('status')).toContainText('已通过：张伟');
    await page.goto(`/cadre/villagers/${villagerId}`);
    await page.getByRole('button', { expanded: false }).first().click();
    const trail = page.getByRole('list', { name: '记录经过' }).first();
    await expect(trail).toContainText(
      `村干部 ${DISPLAY_NAMES.cadre} 代张伟申报 → 待审核，本人申请方式：本人到村委会口头申请`,
    );
    // the same cadre reviewed it: the trail says so
    await expect(trail).toContainText('审核通过 → 已通过，理由：代为申报的村干部本人审核');
  });

  test('家庭积分对账单: one statement per household for the month, to hand out, two to an A4 sheet', async ({
    page,
  }) => {
    await signIn(page, 'cadre', /\/cadre$/);
    await page.getByText('打印家庭积分对账单').click();
    await expect(page).toHaveURL(/\/cadre\/statements$/);
    await page.getByRole('button', { name: '下个月' }).click();
    await expect(page).toHaveURL(new RegExp(`/cadre/statements/${current}$`));
    const statements = page.getByRole('region', { name: '对账单' }).getByRole('article');
    await expect(statements.first()).toContainText('家庭积分对账单');
    const withEntries = statements.filter({ hasText: '本月积分变化' }).first();
    await expect(withEntries).toContainText(/加 \+\d+ 分|扣 −\d+ 分/);
    await expect(withEntries).toContainText('请勿张贴');
    await checkScreen(page, 'cadre-statements-month');
    await page.emulateMedia({ media: 'print' });
    const box = await statements.first().boundingBox();
    // half an A4 page at the least (138 mm at 96 px/in), the nav bar gone
    expect(box!.height).toBeGreaterThanOrEqual(Math.floor((138 / 25.4) * 96));
    await expect(page.locator('.van-nav-bar')).toBeHidden();
    await page.emulateMedia({ media: 'screen' });
  });

  test('a double tap and a retry after a lost answer record the deed once', async ({ page }) => {
    await signIn(page, 'cadre', /\/cadre$/);
    await page.getByRole('searchbox', { name: '找村民' }).fill('张伟');
    await page.getByRole('link', { name: /^张伟，/ }).click();
    await page.getByRole('tab', { name: '诚实守信' }).click();
    await page
      .getByRole('button', { name: /拾金不昧/ })
      .last()
      .click();
    const description = '双击与重试只记一次（e2e）';
    await page.getByLabel('事情经过').fill(description);
    // The first answer is lost on the way back (the server has recorded it) …
    let lost = 0;
    await page.route('**/api/deeds', async (route) => {
      if (route.request().method() !== 'POST' || lost++ > 0) return route.fallback();
      await route.fetch();
      await route.abort('internetdisconnected');
    });
    await page.getByRole('button', { name: /^记分/ }).dblclick();
    await expect(page.getByRole('alert')).toContainText('网络连接不上');
    await expect(page.getByLabel('事情经过')).toHaveValue(description);
    // … so the cadre taps again: the same form key returns the first deed.
    await page.getByRole('button', { name: /^记分/ }).click();
    await expect(page.getByRole('status')).toContainText('已记入');
    const villagerId = Number(page.url().split('/').pop());
    const deeds = await page.request.get(`/api/deeds?villagerId=${villagerId}&pageSize=100`);
    const mine = (await deeds.json()).items.filter(
      (d: { description: string }) => d.description === description,
    );
    expect(mine).toHaveLength(1);
  });

  test.describe('refusals', () => {
    test.use({ allowConsole: [/status of 409/] });
    test('a refused deed says why and what to do, and keeps what was typed', async ({ page }) => {
      await signIn(page, 'cadre', /\/cadre$/);
      await page.getByRole('searchbox', { name: '找村民' }).fill('zl');
      await page.getByRole('link', { name: /^张丽，/ }).click();
      await page.getByRole('tab', { name: '环境卫生' }).click();
      await page.getByRole('button', { name: /垃圾分类投放到位/ }).click();
      await page.getByLabel('事情经过').fill('第一次分类到位');
      await page.getByRole('button', { name: /^记分/ }).click();
      await expect(page.getByRole('status')).toContainText('已记入');
      await page.getByRole('button', { name: /再记一条/ }).click();
      await page.getByRole('tab', { name: '环境卫生' }).click();
      await page.getByRole('button', { name: /垃圾分类投放到位/ }).click();
      await page.getByLabel('事情经过').fill('同月第二次分类到位');
      await page.getByRole('button', { name: /^记分/ }).click();
      await expect(page.getByRole('alert')).toContainText('本月按这条细则得分的次数已满');
      await expect(page.getByLabel('事情经过')).toHaveValue('同月第二次分类到位');
      await checkScreen(page, 'cadre-refused');

      // a deduction needs evidence: the field says so, and the refusal is said once
      await page.getByRole('tab', { name: '环境卫生' }).click();
      await page.getByRole('button', { name: /乱倒垃圾/ }).click();
      await expect(page.getByLabel('证明材料')).toHaveAttribute('placeholder', /^必填/);
      await page.getByRole('button', { name: /^记分/ }).click();
      await expect(page.getByText('这条细则需要证明：请添加照片，或写明证明材料。')).toHaveCount(1);
    });
  });

  test('roster: add a household and a villager, find them, edit, see points with the trail', async ({
    page,
  }) => {
    await signIn(page, 'cadre', /\/cadre$/);
    await page.getByRole('button', { name: '花名册与家庭' }).click();
    await expect(page.getByText(/共 \d+ 人/)).toBeVisible();
    await checkScreen(page, 'cadre-roster');
    await page.getByRole('tab', { name: '家庭' }).click();
    await page.getByRole('button', { name: '添加家庭' }).click();
    await page.getByLabel('户号').fill('SJ-09');
    await page.getByLabel('户主').fill('周祖辉');
    await page.getByLabel('村民小组').fill('二组');
    await page.getByRole('button', { name: '保存家庭' }).click();
    await expect(page.getByRole('status')).toContainText('已添加家庭：SJ-09 周祖辉户');
    await checkScreen(page, 'cadre-households');
    // correct the household's 村民小组
    await page.getByRole('button', { name: /SJ-09 周祖辉户/ }).click();
    await page.getByRole('button', { name: '修改户号、户主或小组' }).click();
    await expect(page.getByRole('form', { name: '修改家庭' })).toBeVisible();
    await page.getByLabel('村民小组').fill('三组');
    await page.getByRole('button', { name: '保存家庭' }).click();
    await expect(page.getByRole('status')).toContainText('已修改家庭：SJ-09 周祖辉户');
    await expect(page.getByRole('button', { name: /SJ-09 周祖辉户/ })).toContainText('三组');
    await page.getByRole('tab', { name: '村民' }).click();
    await page.getByRole('button', { name: '添加村民' }).click();
    await page.getByLabel('姓名').fill('周祖辉');
    await page.getByLabel('所属家庭').selectOption({ label: 'SJ-09 周祖辉户' });
    await page.getByRole('button', { name: '保存村民' }).click();
    await expect(page.getByRole('status')).toContainText('已添加村民：周祖辉');
    await page.getByRole('searchbox', { name: '在花名册里找' }).fill('zzh');
    await expect(page.getByRole('link', { name: /周祖辉/ })).toHaveCount(1);
    await page.getByRole('searchbox', { name: '在花名册里找' }).fill('SJ-09');
    await page.getByRole('link', { name: /周祖辉/ }).click();
    await expect(page.getByRole('heading', { name: /周祖辉/ })).toBeVisible();
    await page.getByRole('button', { name: '修改信息' }).click();
    await page.getByLabel('电话').fill('13800001111');
    await page.getByRole('button', { name: '保存', exact: true }).click();
    await expect(page.getByRole('status')).toHaveText('已保存。');
    await expect(page.getByText('电话：13800001111')).toBeVisible();

    // a villager with history: each entry opens its trail
    await page.goto('/cadre');
    await page.getByRole('searchbox', { name: '找村民' }).fill('李秀英');
    await page.getByRole('link', { name: '李秀英的积分明细' }).click();
    const first = page.getByRole('button', { expanded: false }).first();
    await first.click();
    await expect(page.getByRole('list', { name: '记录经过' }).first()).toContainText('村干部');
    await expect(page.getByRole('list', { name: '记录经过' }).first()).toContainText('登记');
    await checkScreen(page, 'cadre-villager');
  });

  test('monthly lists: compute a draft, see it, publish after confirming, open the board', async ({
    page,
  }) => {
    await signIn(page, 'cadre', /\/cadre$/);
    // deeds in a month not yet published: three months back
    const [y, m] = current.split('-').map(Number);
    const back = new Date(Date.UTC(y, m - 4, 15));
    const month = back.toISOString().slice(0, 7);
    const rules = (await (await page.request.get('/api/rules?pageSize=200')).json()).items as {
      id: number;
      title: string;
    }[];
    const villagers = (await (await page.request.get('/api/villagers?pageSize=50')).json())
      .items as { id: number; name: string }[];
    const rule = (title: string) => rules.find((r) => r.title === title)!.id;
    for (const [name, title] of [
      ['王建国', '拾金不昧'],
      ['张伟', '无偿献血'],
      ['李明', '乱倒垃圾、乱排污水'],
    ]) {
      const v = villagers.find((x) => x.name === name)!;
      const res = await page.request.post('/api/deeds', {
        data: {
          villagerId: v.id,
          ruleId: rule(title),
          occurredOn: `${month}-15`,
          description: `${title}（e2e 评比）`,
          evidence: '村干部现场所见',
        },
      });
      expect(res.status()).toBe(201);
    }
    await page.getByRole('button', { name: /月：/ }).first().click();
    await page.getByLabel('月份').fill(month);
    await expect(page).toHaveURL(new RegExp(`/cadre/lists/${month}$`));
    await page.getByRole('button', { name: '计算草稿' }).click();
    await expect(page.getByRole('status')).toContainText('还没有公布');
    await expect(page.getByText(/草稿（未公布）/)).toBeVisible();
    await expect(page.getByRole('heading', { name: /红榜/ })).toBeVisible();
    await expect(page.getByText('李明：乱倒垃圾、乱排污水')).toBeVisible();
    await checkScreen(page, 'cadre-lists-draft');
    await page.getByRole('button', { name: '公布', exact: true }).click();
    const dialog = page.getByRole('group', { name: '确定公布？' });
    await expect(dialog).toContainText('确定公布？');
    await expect(dialog.getByRole('alert')).toHaveCount(0); // a month that has ended
    await checkScreen(page, 'cadre-lists-confirm');
    await dialog.getByRole('button', { name: '确定公布' }).click();
    await expect(page.getByRole('status')).toContainText('已公布');
    await expect(page.getByText(/公示中/).first()).toBeVisible();
    await checkScreen(page, 'cadre-lists-published');
    await page.getByRole('button', { name: '打开打印版' }).click();
    await expect(page).toHaveURL(new RegExp(`/board/E2E-SJ/${month}\\?view=print$`));
    await expect(page.getByRole('heading', { level: 2, name: '黑榜' })).toBeVisible();
  });

  test('publishing a month that has not ended warns first', async ({ page, request }) => {
    // a village of its own, whose current month is not published yet (set up by the admin on a
    // request context of its own: the page's would carry the admin's session cookie)
    const admin = await request.post('/api/auth/login', { data: ADMIN });
    const headers = { Authorization: `Bearer ${(await admin.json()).accessToken}` };
    const village = await (
      await request.post('/api/villages', {
        headers,
        data: { code: 'E2E-NEW', name: '新村', town: '杉山镇' },
      })
    ).json();
    const cadre = await request.post('/api/users', {
      headers,
      data: {
        username: 'e2e_new_cadre',
        password: PASSWORD,
        mustChangePassword: false,
        role: 'cadre',
        villageId: village.id,
      },
    });
    expect(cadre.status()).toBe(201);
    await page.goto('/login');
    await page.getByLabel('用户名').fill('e2e_new_cadre');
    await page.getByLabel('密码').fill(PASSWORD);
    await page.getByRole('button', { name: '登录' }).click();
    await expect(page).toHaveURL(/\/cadre$/);
    await page.goto(`/cadre/lists/${current}`);
    await page.getByRole('button', { name: '计算草稿' }).click();
    await page.getByRole('button', { name: '公布', exact: true }).click();
    await expect(page.getByRole('group', { name: '确定公布？' }).getByRole('alert')).toContainText(
      '还没有结束',
    );
    await checkScreen(page, 'cadre-lists-confirm-month-not-over');
    await page.getByRole('button', { name: '再看看' }).click();
  });
});
