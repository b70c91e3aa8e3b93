import { Secret, TOTP } from 'otpauth';
import { apiAs, asAdmin, logIn, must, seeded } from './api';
import { expect, expectAccessible, expectPhoneFriendly, screenshot, test } from './fixtures';

/** What an authenticator app shows for `secret`, `stepsAhead` 30-second steps from now. */
const codeOf = (secret: string, stepsAhead = 0) =>
  new TOTP({ secret: Secret.fromBase32(secret) }).generate({
    timestamp: Date.now() + stepsAhead * 30_000,
  });

async function newCadre(username: string, password: string) {
  const admin = await asAdmin();
  const { village } = await seeded();
  must(
    await admin.POST('/api/users', {
      body: { username, password, mustChangePassword: false, role: 'cadre', villageId: village.id },
    }),
    username,
  );
  return village;
}

test.describe('account security', () => {
  test.describe.configure({ timeout: 90_000 });
  // refusals the browser logs: a wrong code (400), the request of the ended session (401)
  test.use({ allowConsole: [/status of 40[01]/] });

  test('a cadre turns on the second factor with an authenticator app, then logs in with it', async ({
    page,
  }) => {
    await newCadre('e2e_totp', 'Totp-Cadre-2026');
    await logIn(page, 'e2e_totp', 'Totp-Cadre-2026');
    await expect(page).toHaveURL(/\/cadre$/);
    await page.getByText('账号安全（手机验证码、已登录设备）').click();
    await expect(page).toHaveURL(/\/security$/);
    await expect(page.getByText('本机')).toBeVisible();
    await screenshot(page, 'security');
    await expectPhoneFriendly(page);
    await expectAccessible(page);

    await page.getByRole('button', { name: '开启手机验证码' }).click();
    await expect(page.getByRole('img', { name: '验证器二维码' }).locator('svg')).toBeVisible();
    const secret = (await page.locator('.secret').textContent())!.replace(/\s/g, '');
    await screenshot(page, 'security-qr');
    await expectAccessible(page);
    await page.getByRole('textbox', { name: '验证码' }).fill('000000');
    await page.getByRole('button', { name: '确认开启' }).click();
    await expect(page.getByRole('alert')).toContainText('6 位数字');
    await page.getByRole('textbox', { name: '验证码' }).fill(codeOf(secret));
    await page.getByRole('button', { name: '确认开启' }).click();
    const codes = page.getByRole('list', { name: '恢复码' }).getByRole('listitem');
    await expect(codes).toHaveCount(10);
    await screenshot(page, 'security-recovery-codes');
    await page.getByRole('button', { name: '我已抄好' }).click();
    await expect(page).toHaveURL(/\/cadre$/);

    // the next login asks for the code
    await page.getByRole('button', { name: '退出登录' }).click();
    await logIn(page, 'e2e_totp', 'Totp-Cadre-2026');
    await expect(page.getByRole('textbox', { name: '验证码' })).toBeVisible();
    await screenshot(page, 'login-code');
    await expectAccessible(page);
    await page.getByRole('textbox', { name: '验证码' }).fill(codeOf(secret, 1));
    await page.getByRole('button', { name: '确认' }).click();
    await expect(page).toHaveURL(/\/cadre$/);
  });

  test('a session ended meanwhile: the login comes over the page, and what was typed stays', async ({
    page,
  }) => {
    const village = await newCadre('e2e_relogin', 'Relogin-Cadre-1');
    const admin = await asAdmin();
    const villager = must(
      await admin.GET('/api/villagers', {
        params: { query: { villageId: village.id, q: '张伟', pageSize: 1 } },
      }),
      'villager',
    ).items[0];
    await logIn(page, 'e2e_relogin', 'Relogin-Cadre-1');
    await expect(page).toHaveURL(/\/cadre$/);
    await page.goto(`/cadre/record/${villager.id}`);
    await page.getByRole('tab', { name: '诚实守信' }).click();
    await page
      .getByRole('button', { name: /拾金不昧/ })
      .last()
      .click();
    const description = '过期后重新登录，写的不丢（e2e）';
    await page.getByLabel('事情经过').fill(description);

    // the browser's session is ended from another device (as the idle timeout would)
    const elsewhere = await apiAs('e2e_relogin', 'Relogin-Cadre-1');
    const mine = must(await elsewhere.GET('/api/me/sessions'), 'sessions').items;
    for (const s of mine.filter((x) => !x.current)) {
      await elsewhere.DELETE('/api/me/sessions/{id}', { params: { path: { id: s.id } } });
    }

    await page.getByRole('button', { name: /^记分/ }).click();
    const dialog = page.getByRole('dialog', { name: '登录已过期' });
    await expect(dialog).toBeVisible();
    await screenshot(page, 'relogin');
    await dialog.getByLabel('密码').fill('Relogin-Cadre-1');
    await dialog.getByRole('button', { name: '重新登录' }).click();
    await expect(dialog).toBeHidden();
    await expect(page.getByLabel('事情经过')).toHaveValue(description);
    await page.getByRole('button', { name: /^记分/ }).click();
    await expect(page.getByRole('status')).toContainText('已记入');
  });
});
