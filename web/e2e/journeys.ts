import type { Locator, Page } from '@playwright/test';
import { ACCOUNTS, PASSWORD } from './data';
import { expect, expectAccessible, expectPhoneFriendly, screenshot } from './fixtures';

/** Signs in through the login screen and waits for the role's home. */
export async function signIn(page: Page, who: 'cadre' | 'villager', home: RegExp): Promise<void> {
  await page.goto('/login');
  await page.getByLabel('用户名').fill(ACCOUNTS[who]);
  await page.getByLabel('密码').fill(PASSWORD);
  await page.getByRole('button', { name: '登录' }).click();
  await expect(page).toHaveURL(home);
}

/** Every screen: phone-friendly, no serious axe violation, a 360 px screenshot to look at. */
export async function checkScreen(page: Page, name: string): Promise<void> {
  await expectPhoneFriendly(page);
  await expectAccessible(page);
  await screenshot(page, name);
}

/** Counts the taps of a journey (docs/product.md, "Screens": at most 4 from home to a recorded deed). */
export class Taps {
  count = 0;
  async tap(target: Locator): Promise<void> {
    this.count += 1;
    await target.click();
  }
}
