import { DEDUCTION_RULE, months, SECRET_PHONE, VILLAGE } from './data';
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
    const black = page.getByRole('region', { name: '黑榜' });
    await expect(black.getByRole('row', { name: /李明/ })).toContainText(DEDUCTION_RULE);
    const red = page.getByRole('region', { name: '红榜' });
    await expect(red.getByRole('row')).toHaveCount(6); // header + 5 with merits only
    // header + 2: 李秀英's household is off, 李明 of it is on the black list (一票否决)
    const households = page.getByRole('region', { name: '文明家庭' });
    await expect(households.getByRole('row')).toHaveCount(3);
    await expect(households).not.toContainText('李秀英');
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
