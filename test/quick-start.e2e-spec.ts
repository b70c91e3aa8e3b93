import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { isPostgres } from './app';
import { assertBuildIsFresh, startInstances } from './instances';

const ROOT = resolve(__dirname, '..');

/**
 * The README's quick start, as a newcomer runs it (docs/operations.md): the built service on an
 * empty SQLite file, then `npm run seed:demo` in another terminal while it runs. Runs the built
 * service (`npx nest build` first).
 */
(isPostgres ? describe.skip : describe)('the quick start', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cp-quick-start-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('prints a short start log ending with the admin password, the URL and how to get demo data; seeding while it runs leaves the running build alone', async () => {
    assertBuildIsFresh(['src', 'scripts']);
    const database = `sqlite:${join(dir, 'quick.sqlite')}`;
    const service = await startInstances(1, {
      DATABASE_URL: database,
      JWT_SECRET: 'quick-start-secret-quick-start-secret',
      ADMIN_PASSWORD: '', // a first start generates and prints it
      LOG_LEVEL: '',
    });
    try {
      const lines = service.output().trim().split('\n');
      expect(lines.join('\n')).not.toContain('Mapped {');
      expect(lines.length).toBeLessThanOrEqual(6);
      expect(lines.slice(-4).join('\n')).toMatch(
        /Created user "admin" with generated password: \S{12,}[^]*Open http:\/\/localhost:\d+ in a browser[^]*npm run seed:demo/,
      );

      const built = statSync(join(ROOT, 'dist', 'src', 'main.js')).mtimeMs;
      const seeded = await promisify(execFile)('npm', ['run', 'seed:demo'], {
        cwd: ROOT,
        env: { ...process.env, DATABASE_URL: database, NODE_ENV: 'test' },
      });
      expect(seeded.stdout).toContain('Seeded 2 villages');
      expect(statSync(join(ROOT, 'dist', 'src', 'main.js')).mtimeMs).toBe(built);

      const [url] = service.urls;
      const boards = (await (await fetch(`${url}/api/public/villages/DEMO-SJ/boards`)).json()) as {
        months: string[];
      };
      expect(boards.months.length).toBeGreaterThan(0);
      const login = await fetch(`${url}/api/auth/login`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ username: 'cadre_sj', password: 'Demo-2026' }),
      });
      expect(login.status).toBe(200);
    } finally {
      await service.stop();
    }
  });
});
