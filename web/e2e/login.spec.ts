import { asAdmin, must, seeded } from './api';
import { ACCOUNTS, DISPLAY_NAMES, PASSWORD } from './data';
import { expect, expectAccessible, expectPhoneFriendly, screenshot, test } from './fixtures';

async function logIn(page: import('@playwright/test').Page, username: string, password: string) {
  await page.getByLabel('用户名').fill(username);
  await page.getByLabel('密码').fill(password);
  await page.getByRole('button', { name: '登录' }).click();
}

test.describe('login', () => {
  test('/ shows the login screen: labelled fields, no failing request', async ({
    page,
    consoleErrors,
  }) => {
    const failed: string[] = [];
    page.on('response', (r) => r.status() >= 400 && failed.push(`${r.status()} ${r.url()}`));
    await page.goto('/');
    await expect(page).toHaveURL(/\/login$/);
    await expect(page.getByRole('heading', { name: '文明积分' })).toBeVisible();
    await expect(page.getByLabel('用户名')).toBeVisible();
    await expect(page.getByLabel('密码')).toHaveAttribute('type', 'password');
    await expect(page.getByRole('button', { name: '登录' })).toBeVisible();
    await expectPhoneFriendly(page);
    await expectAccessible(page);
    await screenshot(page, 'login');
    expect(failed).toEqual([]);
    expect(consoleErrors).toEqual([]);
  });

  test.describe('wrong password', () => {
    // the browser logs the 401 of the refused login; nothing else may fail
    test.use({ allowConsole: [/401.*\/api\/auth\/login|\/api\/auth\/login.*401|status of 401/] });
    test('shows 用户名或密码错误 and stays on the login screen, without a cookie', async ({
      page,
      context,
    }) => {
      await page.goto('/login');
      await logIn(page, ACCOUNTS.cadre, 'not-the-password');
      await expect(page.getByRole('alert')).toHaveText('用户名或密码错误');
      await expect(page).toHaveURL(/\/login$/);
      expect(await context.cookies()).toEqual([]);
      await expectAccessible(page);
      await screenshot(page, 'login-wrong');
    });
  });

  // each greeted by the person's name: the account's own, a villager's, or the login
  for (const [role, username, path, heading, shownName] of [
    ['cadre', ACCOUNTS.cadre, '/cadre', '村干部', DISPLAY_NAMES.cadre],
    ['villager', ACCOUNTS.villager, '/villager', '我的积分', '王小红'],
    ['shopkeeper', ACCOUNTS.shopkeeper, '/shop', '积分超市', DISPLAY_NAMES.shopkeeper],
    ['admin', 'admin', '/admin', '区/镇管理', 'admin'],
  ] as const) {
    test(`a ${role} lands on their home, then logs out`, async ({ page, context, baseURL }) => {
      const failed: string[] = [];
      page.on('response', (r) => r.status() >= 400 && failed.push(`${r.status()} ${r.url()}`));
      await page.goto('/');
      await logIn(page, username, role === 'admin' ? 'e2e-admin-password' : PASSWORD);
      await expect(page).toHaveURL(new RegExp(`${path}$`));
      await expect(page.getByText(heading, { exact: true }).first()).toBeVisible();
      await expect(page.getByText(`${shownName}（`)).toBeVisible();

      const [cookie] = await context.cookies(baseURL + '/api/me');
      expect(cookie).toMatchObject({
        name: 'cp_session',
        httpOnly: true,
        sameSite: 'Strict',
        path: '/api',
      });
      // the token is not readable from JavaScript
      expect(await page.evaluate(() => document.cookie)).toBe('');
      await expectPhoneFriendly(page);
      await expectAccessible(page);
      await screenshot(page, `home-${role}`);

      // a reload keeps the session; another role's home sends back to one's own
      await page.reload();
      await expect(page).toHaveURL(new RegExp(`${path}$`));
      await page.goto(path === '/cadre' ? '/villager' : '/cadre');
      await expect(page).toHaveURL(new RegExp(`${path}$`));

      await page.getByRole('button', { name: '退出登录' }).click();
      await expect(page).toHaveURL(/\/login$/);
      expect(await context.cookies(baseURL + '/api/me')).toEqual([]);
      // the back button after logging out shows the login, not a screen of the ended session
      await page.goBack();
      await expect(page.getByLabel('用户名')).toBeVisible();
      await expect(page.getByText('登录已过期')).toHaveCount(0);
      await page.goto(path);
      await expect(page).toHaveURL(
        new RegExp(`/login\\?next=(${path}|${encodeURIComponent(path)})$`),
      );
      expect(failed, 'no failing request on the way').toEqual([]);
    });
  }
});

test.describe('security headers', () => {
  test('the app is served under a strict CSP with no inline script, and unknown paths fall back to it', async ({
    page,
    request,
  }) => {
    const res = await page.goto('/login');
    const csp = res!.headers()['content-security-policy'];
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).not.toContain("'unsafe-eval'");
    expect(res!.headers()['cache-control']).toBe('no-cache');
    const inline = await page.$$eval('script:not([src])', (s) => s.length);
    expect(inline).toBe(0);

    const asset = await page.$eval('script[type=module][src]', (s) => (s as HTMLScriptElement).src);
    const js = await request.get(asset, { headers: { 'Accept-Encoding': 'br, gzip' } });
    expect(js.headers()['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(js.headers()['content-encoding']).toBe('br');

    const deep = await request.get('/some/deep/link');
    expect(deep.status()).toBe(200);
    expect(await deep.text()).toContain('<div id="app">');
    const api = await request.get('/api/no-such-route');
    expect(api.status()).toBe(404);
    expect(await api.json()).toMatchObject({ statusCode: 404 });
  });

  test('a state-changing request with the session cookie from another origin is refused', async ({
    page,
    context,
    baseURL,
  }) => {
    await page.goto('/login');
    await logIn(page, 'admin', 'e2e-admin-password');
    await expect(page).toHaveURL(/\/admin$/);
    const [cookie] = await context.cookies(baseURL + '/api/me');
    const evil = await context.request.post('/api/villages', {
      headers: { Origin: 'https://evil.example', Cookie: `cp_session=${cookie.value}` },
      data: { code: 'EVIL-1', name: '跨站村', town: '杉山镇' },
    });
    expect(evil.status()).toBe(403);
  });
});

test.describe('API documentation', () => {
  test('Swagger UI at /api/docs works under its CSP (inline styles only there)', async ({
    page,
  }) => {
    const res = await page.goto('/api/docs/');
    expect(res!.headers()['content-security-policy']).toContain("script-src 'self';");
    await expect(page.getByText('Civility Points').first()).toBeVisible({ timeout: 15_000 });
    await expect(page.getByText('/api/auth/login').first()).toBeVisible();
  });
});

test.describe('my password', () => {
  // the browser logs the refusals (403 wrong current password, 400 weak new one, 403 of the
  // routes closed until the change); nothing else may fail
  test.use({ allowConsole: [/status of 403/, /status of 400/] });
  test('a new account sets its own password at the first login; nothing else opens before', async ({
    page,
  }) => {
    const admin = await asAdmin();
    const { village } = await seeded();
    must(
      await admin.POST('/api/users', {
        body: { username: 'e2e_pw', password: PASSWORD, role: 'cadre', villageId: village.id },
      }),
      'account',
    );
    await page.goto('/login');
    await logIn(page, 'e2e_pw', PASSWORD);
    await expect(page).toHaveURL(/\/password$/);
    await expect(page.getByRole('note')).toContainText('第一次登录');
    await screenshot(page, 'password-first-login');
    await expectPhoneFriendly(page);
    await expectAccessible(page);
    // the home is not open yet
    await page.goto('/cadre');
    await expect(page).toHaveURL(/\/password$/);
    await page.getByLabel('收到的密码').fill('wrong-password');
    await page.getByLabel('新密码').fill('A-New-Password-1');
    await page.getByLabel('再输一次').fill('A-New-Password-1');
    await page.getByRole('button', { name: '确认修改' }).click();
    await expect(page.getByRole('alert')).toContainText('现在的密码不对');
    await page.getByLabel('收到的密码').fill(PASSWORD);
    await page.getByLabel('新密码').fill('simplepassword');
    await page.getByLabel('再输一次').fill('simplepassword');
    await page.getByRole('button', { name: '确认修改' }).click();
    await expect(page.getByRole('alert')).toContainText('「新密码」要包含');
    await page.getByLabel('新密码').fill('A-New-Password-1');
    await page.getByLabel('再输一次').fill('A-New-Password-1');
    await page.getByRole('button', { name: '确认修改' }).click();
    await expect(page).toHaveURL(/\/cadre$/);
    // the new password is the one that works, and asks for nothing more
    await page.getByRole('button', { name: '退出登录' }).click();
    await logIn(page, 'e2e_pw', 'A-New-Password-1');
    await expect(page).toHaveURL(/\/cadre$/);
    await page.getByText('修改我的密码').click();
    await expect(page).toHaveURL(/\/password$/);
    await expect(page.getByLabel('现在的密码')).toBeVisible();
  });
});
