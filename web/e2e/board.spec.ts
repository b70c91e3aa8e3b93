import { apiAs, asAdmin, must } from './api';
import { signIn } from './journeys';
import { ADMIN, DEDUCTION_RULE, months, PASSWORD, SECRET_PHONE, VILLAGE } from './data';
import { expect, expectAccessible, expectPhoneFriendly, screenshot, test } from './fixtures';

const { current, previous } = months();
const label = (m: string) => `${m.slice(0, 4)}年${Number(m.slice(5))}月`;

test.describe('public board', () => {
  test('/board/:code shows the latest published month without login', async ({ page }) => {
    await page.goto(`/board/${VILLAGE.code}`);
    await expect(page.getByRole('heading', { level: 1 })).toContainText(
      `${VILLAGE.name} ${label(current)}`,
    );
    for (const name of ['红榜', '黑榜', '文明家庭']) {
      await expect(page.getByRole('heading', { level: 2, name })).toBeVisible();
    }
    // just published: 公示中 with the closing date (docs/product.md)
    await expect(page.getByText(/^公示中，\d{4}年\d+月\d+日截止/)).toBeVisible();
    // online, by default: the black list without names, the others' names masked
    const black = page.getByRole('region', { name: '黑榜' });
    await expect(black.getByRole('row', { name: /（不公示）/ })).toContainText(DEDUCTION_RULE);
    await expect(black).not.toContainText('李');
    const red = page.getByRole('region', { name: '红榜' });
    await expect(red.getByRole('row')).toHaveCount(6); // header + 5 with merits only
    await expect(red.getByRole('cell', { name: '王*国' })).toBeVisible();
    await expect(red).not.toContainText('王建国');
    // header + 2: 李秀英's household is off, 李明 of it is on the black list (一票否决)
    const households = page.getByRole('region', { name: '文明家庭' });
    await expect(households.getByRole('row')).toHaveCount(3);
    await expect(households).not.toContainText('李*英');
    // names and points, nothing else about a person
    await expect(page.locator('body')).not.toContainText(SECRET_PHONE);
    await expect(page.locator('body')).not.toContainText('SJ-01');
    await expectPhoneFriendly(page);
    await expectAccessible(page);
    await screenshot(page, 'board-phone');
  });

  test('/board/:code/:month shows that month, and the month picker moves between them', async ({
    page,
  }) => {
    await page.goto(`/board/${VILLAGE.code}/${previous}`);
    await expect(page.getByRole('heading', { level: 1 })).toContainText(label(previous));
    await page.getByLabel('月份').selectOption(current);
    await expect(page).toHaveURL(new RegExp(`/board/${VILLAGE.code}/${current}$`));
    await expect(page.getByRole('heading', { level: 1 })).toContainText(label(current));
  });

  test('TV mode: large type, the lists side by side on a wide screen', async ({ page }) => {
    await page.setViewportSize({ width: 1920, height: 1080 });
    await page.goto(`/board/${VILLAGE.code}?view=tv`);
    await expect(page.getByRole('heading', { level: 2, name: '红榜' })).toBeVisible();
    const cell = page.getByRole('region', { name: '红榜' }).getByRole('cell').first();
    const size = await cell.evaluate((el) => parseFloat(getComputedStyle(el).fontSize));
    expect(size).toBeGreaterThanOrEqual(40);
    const [a, b] = await Promise.all(
      ['红榜', '黑榜'].map((n) => page.getByRole('region', { name: n }).boundingBox()),
    );
    expect(Math.abs(a!.y - b!.y)).toBeLessThan(2); // same row
    await expectAccessible(page);
    await screenshot(page, 'board-tv');
  });

  test('TV mode on the phone still fits', async ({ page }) => {
    await page.goto(`/board/${VILLAGE.code}?view=tv`);
    await expect(page.getByRole('heading', { level: 2, name: '黑榜' })).toBeVisible();
    await expectPhoneFriendly(page);
    await screenshot(page, 'board-tv-phone');
  });

  test('print mode: an A4 layout without the controls', async ({ page }) => {
    await page.goto(`/board/${VILLAGE.code}?view=print`);
    await expect(page.getByRole('button', { name: '打印' })).toBeVisible();
    await expectPhoneFriendly(page);
    await expectAccessible(page);
    await screenshot(page, 'board-print-screen');
    await page.emulateMedia({ media: 'print' });
    await expect(page.getByRole('button', { name: '打印' })).toBeHidden();
    await expect(page.getByRole('heading', { level: 2, name: '黑榜' })).toBeVisible();
    const pdf = await page.pdf({ format: 'A4', printBackground: true });
    expect(pdf.subarray(0, 4).toString()).toBe('%PDF');
    await screenshot(page, 'board-print');
  });

  test('the printable HTML keeps its style under the service’s CSP', async ({ page }) => {
    await page.goto(`/api/public/villages/${VILLAGE.code}/boards/${current}?format=html`);
    const black = page.getByRole('heading', { level: 2, name: '黑榜' });
    await expect(black).toBeVisible();
    // the inline style applied: a blocked one would leave the heading black on white
    expect(await black.evaluate((el) => getComputedStyle(el).backgroundColor)).toBe(
      'rgb(34, 34, 34)',
    );
    await screenshot(page, 'board-html');
  });

  test.describe('full names where the village shows them', () => {
    // the browser logs the 403 of the wrong key; nothing else may fail
    test.use({ allowConsole: [/status of 403/] });
    test('its own screen, by the display key, and its signed-in people', async ({
      page,
      browser,
    }) => {
      // the admin makes a TV link for the village
      await page.goto('/login');
      await page.getByLabel('用户名').fill(ADMIN.username);
      await page.getByLabel('密码').fill(ADMIN.password);
      await page.getByRole('button', { name: '登录' }).click();
      await expect(page).toHaveURL(/\/admin$/);
      await page.goto('/admin/villages');
      await page.getByRole('button', { name: `${VILLAGE.name}大屏链接` }).click();
      const link = (await page.getByRole('status').locator('code').textContent())!;
      expect(link).toMatch(/\/board\/E2E-SJ\?view=tv&key=/);
      await screenshot(page, 'admin-screen-link');

      const tv = await (await browser.newContext()).newPage();
      await tv.setViewportSize({ width: 1920, height: 1080 });
      await tv.goto(link);
      const red = tv.getByRole('region', { name: /红榜/ });
      await expect(red).toContainText('王建国');
      // the print view keeps the key
      await tv.getByRole('link', { name: '打印版' }).click();
      await expect(tv.getByRole('region', { name: /红榜/ })).toContainText('王建国');
      await tv.goto(link.replace(/key=[^&]+/, 'key=wrong'));
      await expect(tv.getByRole('alert')).toContainText('大屏链接已经失效');
      await tv.close();

      // a villager of the village, signed in, sees the names too
      const villager = await (await browser.newContext()).newPage();
      await signIn(villager, 'villager', /\/villager$/);
      await villager.goto(`/board/${VILLAGE.code}`);
      await expect(villager.getByRole('region', { name: /红榜/ })).toContainText('王建国');
      await villager.close();
    });
  });

  test.describe('unknown village or month', () => {
    test.use({ allowConsole: [/status of 404/] });
    test('says so in Chinese', async ({ page }) => {
      await page.goto('/board/NO-SUCH-VILLAGE');
      await expect(page.getByRole('alert')).toHaveText('没有找到这个村的榜单。');
      await page.goto(`/board/${VILLAGE.code}/2001-01`);
      await expect(page.getByRole('status')).toHaveText('2001年1月的榜单尚未发布。');
    });
  });
});

/**
 * A village with full lists (12 on the red list, 8 on the black, 10 families: 30 rows): the TV
 * view fits 1920×1080 and 1366×768 and turns the pages of a list too long for it; the A4 layout
 * prints on one sheet.
 */
test.describe('a full board where it hangs', () => {
  const CODE = 'E2E-FULL';
  test.beforeAll(async () => {
    const admin = await asAdmin();
    const village = must(
      await admin.POST('/api/villages', {
        body: { code: CODE, name: '满榜村', town: '杉山镇', redListSize: 12 },
      }),
      'village',
    );
    must(
      await admin.POST('/api/users', {
        body: {
          username: 'e2e_full',
          password: PASSWORD,
          mustChangePassword: false,
          role: 'cadre',
          villageId: village.id,
        },
      }),
      'cadre',
    );
    const cadre = await apiAs('e2e_full');
    const rules = must(
      await cadre.GET('/api/rules', { params: { query: { pageSize: 200 } } }),
      'rules',
    ).items;
    const rule = (title: string) => rules.find((r) => r.title === title)!.id;
    const surnames = '赵钱孙李周吴郑王冯陈褚卫蒋沈';
    for (let h = 0; h < 14; h++) {
      const household = must(
        await cadre.POST('/api/villages/{villageId}/households', {
          params: { path: { villageId: village.id } },
          body: { householdNo: `F-${h + 1}`, headName: `${surnames[h]}大山`, group: '一组' },
        }),
        'household',
      );
      for (const [i, given] of ['大山', '小梅'].entries()) {
        const v = must(
          await cadre.POST('/api/villagers', {
            body: {
              villageId: village.id,
              householdId: household.id,
              name: `${surnames[h]}${given}`,
            },
          }),
          'villager',
        );
        // ten households give blood (12 people on the red list, 10 families); in the last four
        // both are deducted (8 on the black list, their households vetoed)
        if (h < 10 && i === 1 && h >= 2) continue;
        const [title, description] =
          h < 10 ? ['无偿献血', '参加无偿献血'] : [DEDUCTION_RULE, '垃圾倒进了河沟，经劝导已清理'];
        must(
          await cadre.POST('/api/deeds', {
            body: {
              villagerId: v.id,
              ruleId: rule(title),
              occurredOn: `${previous}-15`,
              description,
              evidence: '村干部现场所见',
            },
          }),
          'deed',
        );
      }
    }
    const path = { villageId: village.id, month: previous };
    must(
      await cadre.POST('/api/villages/{villageId}/evaluations/{month}', { params: { path } }),
      'draft',
    );
    must(
      await cadre.POST('/api/villages/{villageId}/evaluations/{month}/publish', {
        params: { path },
      }),
      'publish',
    );
  });

  for (const [width, height] of [
    [1920, 1080],
    [1366, 768],
  ]) {
    test(`TV at ${width}×${height}: one screen, every list in sight, long lists paged`, async ({
      page,
    }) => {
      await page.clock.install();
      await page.setViewportSize({ width, height });
      await page.goto(`/board/${CODE}/${previous}?view=tv`);
      await expect(page.getByRole('heading', { level: 2, name: /文明家庭/ })).toBeVisible();
      const scroll = await page.evaluate(() => document.documentElement.scrollHeight);
      expect(scroll, 'the page is one screen').toBeLessThanOrEqual(height);
      for (const name of ['红榜', '黑榜', '文明家庭']) {
        const list = page.getByRole('region', { name: new RegExp(name) });
        const box = (await list.locator('tbody tr').last().boundingBox())!;
        expect(box.y + box.height, `${name}: the last row shown is on screen`).toBeLessThanOrEqual(
          height,
        );
      }
      // the 公示 line is read from across the room
      const status = page.locator('.board-status');
      expect(
        await status.evaluate((el) => parseFloat(getComputedStyle(el).fontSize)),
      ).toBeGreaterThanOrEqual(26);
      // 12 on the red list: two pages, turned by themselves
      const red = page.getByRole('region', { name: /红榜/ });
      await expect(red.getByRole('heading')).toContainText('第 1/2 页');
      await expect(red.locator('tbody tr')).toHaveCount(10);
      await page.clock.fastForward(10_000);
      await expect(red.getByRole('heading')).toContainText('第 2/2 页');
      await expect(red.locator('tbody tr')).toHaveCount(2);
      await screenshot(page, `board-tv-${width}`);
    });
  }

  test('A4: 30 rows print on one sheet', async ({ page }) => {
    await page.goto(`/board/${CODE}/${previous}?view=print`);
    await expect(page.getByRole('heading', { level: 2, name: '黑榜' })).toBeVisible();
    const rows = await page.locator('tbody tr').count();
    expect(rows).toBe(30);
    await page.emulateMedia({ media: 'print' });
    const pdf = await page.pdf({ format: 'A4', printBackground: true });
    const pages = pdf.toString('latin1').match(/\/Type\s*\/Page[^s]/g) ?? [];
    expect(pages.length, 'A4 sheets').toBe(1);
    await screenshot(page, 'board-print-full');
  });
});
