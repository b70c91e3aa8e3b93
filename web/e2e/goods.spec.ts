import { logIn } from './api';
import { ACCOUNTS } from './data';
import { expect, expectAccessible, expectPhoneFriendly, screenshot, test } from './fixtures';

/** The shopkeeper's goods: add, edit, restock, correct with a reason, the stock movements. */
test.describe('goods and stock', () => {
  test.describe.configure({ timeout: 120_000 });
  test.use({ allowConsole: [/status of 409/] });

  test('a shopkeeper adds goods, restocks, corrects with a reason, edits the price, and sees every movement', async ({
    page,
  }) => {
    await logIn(page, ACCOUNTS.shopkeeper);
    await expect(page).toHaveURL(/\/shop$/);
    await page.getByRole('link', { name: '商品与库存' }).click();
    await expect(page).toHaveURL(/\/shop\/goods$/);
    await expectPhoneFriendly(page);
    await expectAccessible(page);

    await page.getByRole('button', { name: '新增商品' }).click();
    const form = page.getByRole('form', { name: '新增商品' });
    await form.getByLabel('名称').fill('测试香皂');
    await form.getByLabel('积分价格').fill('0');
    await form.getByRole('button', { name: '保存' }).click();
    await expect(form.getByRole('alert')).toHaveText('积分价格要填大于 0 的整数。');
    await form.getByLabel('积分价格').fill('8');
    await form.getByLabel('初始库存').fill('10');
    await expectAccessible(page);
    await screenshot(page, 'goods-new');
    await form.getByRole('button', { name: '保存' }).click();
    await page.getByRole('link', { name: /测试香皂/ }).click();
    await expect(page.getByTestId('stock')).toHaveText('10');

    const stock = page.getByRole('form', { name: '补货或更正' });
    await stock.getByLabel('件数').fill('5');
    await stock.getByLabel('原因').fill('新到一批');
    await stock.getByRole('button', { name: '登记' }).click();
    await expect(page.getByTestId('stock')).toHaveText('15');

    await stock.getByRole('radio', { name: '盘点更正' }).click();
    await stock.getByLabel('件数').fill('-20');
    await stock.getByLabel('原因').fill('过期报损');
    await stock.getByRole('button', { name: '登记' }).click();
    await expect(stock.getByRole('alert')).toHaveText('库存只有 15 件，不能减少 20 件。');
    await stock.getByLabel('件数').fill('-2');
    await stock.getByRole('button', { name: '登记' }).click();
    await expect(page.getByTestId('stock')).toHaveText('13');

    const edit = page.getByRole('form', { name: '修改商品' });
    await edit.getByLabel('积分价格').fill('9');
    await edit.getByRole('button', { name: '保存修改' }).click();
    await expect(edit.getByRole('status')).toHaveText('已保存。');
    await expect(page.getByText('库存 13 件 · 9 积分')).toBeVisible();

    const moves = page.getByRole('list', { name: '库存变动' }).getByRole('listitem');
    await expect(moves).toHaveCount(3);
    await expect(moves.nth(0)).toContainText('盘点更正');
    await expect(moves.nth(0)).toContainText('−2 件');
    await expect(moves.nth(0)).toContainText('过期报损');
    await expect(moves.nth(1)).toContainText('补货');
    await expect(moves.nth(1)).toContainText('+5 件');
    await expect(moves.nth(2)).toContainText('+10 件');
    await expectPhoneFriendly(page);
    await expectAccessible(page);
    await screenshot(page, 'goods-detail');
  });
});
