import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defineConfig } from '@playwright/test';

/*
 * Browser tests: Debian's Chromium (/usr/bin/chromium; never a downloaded browser) at a phone's
 * size, in Chinese and China's time zone, against the built service (`npm run build`) started
 * here on a fresh SQLite file. e2e/global-setup.ts fills it through the API.
 */
export const PORT = Number(process.env.E2E_PORT ?? 3210);
export const BASE_URL = `http://127.0.0.1:${PORT}`;
const database = process.env.E2E_DATABASE ?? join(tmpdir(), `civility-e2e-${process.pid}.sqlite`);
process.env.E2E_DATABASE = database; // workers re-read this config: keep the same file

export default defineConfig({
  testDir: './e2e',
  outputDir: '../test-results/browser',
  globalSetup: './e2e/global-setup.ts',
  fullyParallel: false,
  workers: 1,
  retries: 0,
  timeout: 30_000,
  expect: { timeout: 5_000 },
  reporter: [['list']],
  use: {
    baseURL: BASE_URL,
    browserName: 'chromium',
    viewport: { width: 360, height: 740 },
    deviceScaleFactor: 2,
    isMobile: true,
    hasTouch: true,
    locale: 'zh-CN',
    timezoneId: 'Asia/Shanghai',
    screenshot: 'only-on-failure',
    trace: 'off',
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    },
  },
  webServer: {
    command: `rm -f "${database}" "${database}-wal" "${database}-shm" && node --max-old-space-size=192 dist/src/main.js`,
    cwd: join(__dirname, '..'),
    url: `${BASE_URL}/api/health`,
    reuseExistingServer: false,
    timeout: 60_000,
    stdout: 'ignore',
    stderr: 'pipe',
    env: {
      PORT: String(PORT),
      DATABASE_URL: `sqlite:${database}`,
      ADMIN_PASSWORD: 'e2e-admin-password',
      JWT_SECRET: 'e2e-secret-e2e-secret-e2e-secret-e2e',
      NODE_ENV: 'production',
      TIME_ZONE: 'Asia/Shanghai',
      LOG_REQUESTS: '0',
    },
  },
});
