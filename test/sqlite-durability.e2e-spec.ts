import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { todayIn } from '../src/common/time';
import { dataSourceOptions } from '../src/db/data-source';
import { ADMIN_PASSWORD, createTestApp, isPostgres } from './app';
import { newRule } from './factories';
import { startInstances } from './instances';

// SQLite only: these are the pragmas of the embedded default (PostgreSQL has its own durability).
(isPostgres ? describe.skip : describe)('a SQLite file database', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cp-sqlite-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('runs in WAL mode with synchronous=FULL on every open, not only the first', async () => {
    const path = join(dir, 'app.sqlite');
    for (let open = 0; open < 2; open++) {
      const ds = await new DataSource(dataSourceOptions({ type: 'sqlite', path })).initialize();
      if (open === 0) await ds.runMigrations();
      const [{ journal_mode }] = await ds.query('PRAGMA journal_mode');
      const [{ synchronous }] = await ds.query('PRAGMA synchronous');
      const [{ foreign_keys }] = await ds.query('PRAGMA foreign_keys');
      expect({ journal_mode, synchronous, foreign_keys }).toEqual({
        journal_mode: 'wal',
        synchronous: 2,
        foreign_keys: 1,
      });
      await ds.destroy();
    }
  });
});

/**
 * kill -9 while group commits run: every write the service acknowledged (201) is in the file
 * afterwards, and the ledger is whole. Runs the built service (`npx nest build` first).
 */
(isPostgres ? describe.skip : describe)('an acknowledged write on SQLite', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cp-kill-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('survives kill -9 of the service in the middle of group commits', async () => {
    const file = join(dir, 'kill.sqlite');
    const t = await createTestApp({ DATABASE_URL: `sqlite:${file}` });
    const village = await t.newVillage();
    const villagers = await Promise.all(Array.from({ length: 8 }, () => t.newVillager(village.id)));
    const rule = await newRule(t, { points: 1 });
    const cadre = await t.tokenFor('cadre', { villageId: village.id });
    await t.close();

    const service = await startInstances(1, {
      DATABASE_URL: `sqlite:${file}`,
      JWT_SECRET: t.config.jwtSecret,
      ADMIN_PASSWORD,
    });
    const acknowledged: number[] = [];
    let killed = false;
    try {
      const client = async (i: number) => {
        while (!killed) {
          const res = await fetch(`${service.urls[0]}/api/deeds`, {
            method: 'POST',
            headers: { Authorization: `Bearer ${cadre}`, 'Content-Type': 'application/json' },
            body: JSON.stringify({
              villagerId: villagers[i % villagers.length].id,
              ruleId: rule.id,
              occurredOn: todayIn('Asia/Shanghai'),
              description: '打扫村道',
            }),
          }).catch(() => null);
          if (!res) return; // the service is gone
          if (res.status === 201) acknowledged.push(((await res.json()) as { id: number }).id);
          else throw new Error(`${res.status}: ${await res.text()}`);
          if (acknowledged.length >= 300 && !killed) {
            killed = true;
            service.kill(); // with 31 other requests in flight
          }
        }
      };
      await Promise.all(Array.from({ length: 32 }, (_, i) => client(i)));
    } finally {
      await service.stop();
    }

    const ds = await new DataSource(dataSourceOptions({ type: 'sqlite', path: file })).initialize();
    try {
      const kept = new Set(
        (await ds.query<{ id: number }[]>('SELECT id FROM deeds')).map((r) => Number(r.id)),
      );
      expect(acknowledged.length).toBeGreaterThanOrEqual(300);
      expect(acknowledged.filter((id) => !kept.has(id))).toEqual([]);
      const [{ broken }] = await ds.query<{ broken: number }[]>(
        `SELECT count(*) AS broken FROM villagers v
         WHERE v.balance <> (SELECT coalesce(sum(delta), 0) FROM ledger_entries e WHERE e.villager_id = v.id)`,
      );
      expect(Number(broken)).toBe(0);
      const [{ awards }] = await ds.query<{ awards: number }[]>(
        "SELECT count(*) AS awards FROM ledger_entries WHERE kind = 'deed'",
      );
      expect(Number(awards)).toBe(kept.size);
    } finally {
      await ds.destroy();
    }
  });
});
