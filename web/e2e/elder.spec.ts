import type { Page } from '@playwright/test';
import { logIn, must, seeded } from './api';
import { expect, expectAccessible, screenshot, test } from './fixtures';

/**
 * 长辈版 at 360 px, measured as MIIT's 2021 适老化 rules ask: text ≥ 18 px, key figures ≥ 30 px,
 * line height ≥ 1.3, every tappable control ≥ 60×60, contrast (axe), 加分/扣分 in words; and
 * with the root font at 200 % nothing scrolls sideways.
 */
test.use({ viewport: { width: 360, height: 800 } });

/** What breaks the rules on the screen now, in words a test failure can show. */
function problemsOf(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const problems: string[] = [];
    const shown = (el: Element) => {
      const r = el.getBoundingClientRect();
      const s = getComputedStyle(el);
      return r.width > 0 && r.height > 0 && s.visibility !== 'hidden' && s.opacity !== '0';
    };
    const what = (el: Element) =>
      `${el.tagName.toLowerCase()} “${(el.getAttribute('aria-label') ?? el.textContent ?? '').trim().slice(0, 24)}”`;
    for (const el of document.querySelectorAll('body *')) {
      const ownText = [...el.childNodes].some(
        (n) => n.nodeType === Node.TEXT_NODE && n.textContent!.trim(),
      );
      if (!ownText || !shown(el)) continue;
      const s = getComputedStyle(el);
      const size = parseFloat(s.fontSize);
      const line = s.lineHeight === 'normal' ? size * 1.2 : parseFloat(s.lineHeight);
      if (size < 18) problems.push(`text ${size}px: ${what(el)}`);
      if (line / size < 1.3) problems.push(`line height ${(line / size).toFixed(2)}: ${what(el)}`);
    }
    const targets = document.querySelectorAll(
      'a[href], button, select, textarea, input:not([type="hidden"]), [role="button"], [role="tab"], [role="switch"], .van-cell--clickable',
    );
    for (const el of targets) {
      if (!shown(el)) continue;
      const r = el.getBoundingClientRect();
      if (r.width < 60 || r.height < 60) {
        problems.push(`target ${Math.round(r.width)}×${Math.round(r.height)}: ${what(el)}`);
      }
    }
    return problems;
  });
}

async function expectElderFriendly(page: Page, name: string) {
  await expect(page.locator('html')).toHaveClass(/elder/);
  await page.waitForLoadState('networkidle');
  expect(await problemsOf(page)).toEqual([]);
  await expectAccessible(page);
  await screenshot(page, `elder-${name}`);
  // the root font at 200 %: nothing needs sideways scrolling
  const wide = await page.evaluate(() => {
    document.documentElement.style.fontSize = '200%';
    const overflow = document.documentElement.scrollWidth - window.innerWidth;
    document.documentElement.style.fontSize = '';
    return overflow;
  });
  expect(wide).toBeLessThanOrEqual(0);
}

test.describe('长辈版', () => {
  test.describe.configure({ timeout: 120_000 });

  test('chosen on the login screen, kept for the account; every villager screen measured', async ({
    page,
  }) => {
    // a stand-in for the browser's speech synthesis: headless Chromium has no voices
    await page.addInitScript(() => {
      const spoken: string[] = [];
      (window as unknown as { spoken: string[] }).spoken = spoken;
      const voice = { lang: 'zh-CN', name: '测试中文', default: true, localService: true };
      Object.defineProperty(window, 'speechSynthesis', {
        value: {
          getVoices: () => [voice],
          speak: (u: { text: string }) => spoken.push(u.text),
          cancel: () => undefined,
          addEventListener: () => undefined,
          removeEventListener: () => undefined,
        },
      });
      (window as unknown as { SpeechSynthesisUtterance: unknown }).SpeechSynthesisUtterance =
        class {
          lang = '';
          voice: unknown = null;
          rate = 1;
          constructor(readonly text: string) {}
        };
    });
    const { admin, village } = await seeded();
    const li = must(
      await admin.GET('/api/villagers', {
        params: { query: { villageId: village.id, q: '李明', pageSize: 1 } },
      }),
      'villager',
    ).items[0];
    must(
      await admin.POST('/api/users', {
        body: {
          username: 'e2e_elder_li',
          password: 'elder-li-2026',
          mustChangePassword: false,
          role: 'villager',
          villagerId: li.id,
        },
      }),
      'account',
    );

    await page.goto('/login');
    await page.getByRole('button', { name: /长辈版/ }).click();
    await expectElderFriendly(page, 'login');
    await logIn(page, 'e2e_elder_li', 'elder-li-2026');
    await expect(page).toHaveURL(/\/villager$/);
    await expect(page.locator('html')).toHaveClass(/elder/);

    // the home: the balance large, three changes in words, two big buttons
    const balance = page.getByRole('region', { name: '我的积分余额' }).locator('strong');
    expect(
      parseFloat(await balance.evaluate((el) => getComputedStyle(el).fontSize)),
    ).toBeGreaterThanOrEqual(30);
    await expect(page.getByText(/扣分 \d+/).first()).toBeVisible();
    await expect(page.getByRole('button', { name: '全部记录' })).toBeVisible();
    await expect(page.getByRole('button', { name: '申报好事' })).toBeVisible();
    await expectElderFriendly(page, 'villager-home');
    await page.getByRole('button', { name: '朗读', exact: true }).click();
    const spoken = await page.evaluate(() => (window as unknown as { spoken: string[] }).spoken);
    expect(spoken[0]).toMatch(/^您现在有 -?\d+ 分。.+，(加分|扣分) \d+。/);

    for (const [path, name] of [
      ['/villager/history', 'history'],
      ['/villager/report', 'report'],
      ['/villager/objection', 'objection'],
      ['/villager/household', 'household'],
      ['/villager/goods', 'goods'],
      ['/password', 'password'],
      ['/security', 'security'],
    ]) {
      await page.goto(path);
      await expectElderFriendly(page, name);
    }

    // remembered for the account: a new browser, a plain login, still 长辈版; and back
    await page.context().clearCookies();
    await page.evaluate(() => localStorage.clear());
    await logIn(page, 'e2e_elder_li', 'elder-li-2026');
    await expect(page).toHaveURL(/\/villager$/);
    await expect(page.locator('html')).toHaveClass(/elder/);
    await page.getByRole('button', { name: '换回标准版' }).click();
    await expect(page.locator('html')).not.toHaveClass(/elder/);
  });
});
