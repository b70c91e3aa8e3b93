import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import { expect, test as base, type Page } from '@playwright/test';

/**
 * Every test fails on a console error, an uncaught exception or a CSP violation, unless the
 * test names the one it expects (e.g. the 401 of a wrong login).
 */
export const test = base.extend<{ allowConsole: RegExp[]; consoleErrors: string[] }>({
  allowConsole: [[], { option: true }],
  consoleErrors: async ({ page, allowConsole }, use) => {
    const errors: string[] = [];
    page.on('console', (msg) => {
      if (msg.type() !== 'error') return;
      const text = `${msg.text()} @ ${msg.location().url}`;
      if (!allowConsole.some((re) => re.test(text))) errors.push(text);
    });
    page.on('pageerror', (err) => errors.push(`pageerror: ${err.message}`));
    await use(errors);
    expect(errors, 'console errors').toEqual([]);
  },
});

export { expect };

/** axe-core (WCAG 2 A/AA rules): no serious or critical violation. */
export async function expectAccessible(page: Page): Promise<void> {
  const { violations } = await new AxeBuilder({ page })
    .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'])
    .analyze();
  const bad = violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map(
      (v) =>
        `${v.impact} ${v.id}: ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`,
    );
  expect(bad, 'serious or critical axe violations').toEqual([]);
}

/** Phone-first: no horizontal scrolling, base text at least 16 px. */
export async function expectPhoneFriendly(page: Page): Promise<void> {
  const { scrollWidth, clientWidth, fontSize } = await page.evaluate(() => ({
    scrollWidth: document.documentElement.scrollWidth,
    clientWidth: document.documentElement.clientWidth,
    fontSize: parseFloat(getComputedStyle(document.body).fontSize),
  }));
  expect(scrollWidth, 'horizontal scroll').toBeLessThanOrEqual(clientWidth);
  expect(fontSize).toBeGreaterThanOrEqual(16);
}

const SCREENS = join(__dirname, '../../test-results/screens');

/** A full-page screenshot kept as a test artifact (never committed). */
export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENS, { recursive: true });
  await page.screenshot({ path: join(SCREENS, `${name}.png`), fullPage: true });
}
