import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from '../src/db/data-source';
import { isPostgres } from './app';

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
