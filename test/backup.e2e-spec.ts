import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import {
  checkDatabaseFile,
  DatabaseInUseError,
  listBackups,
  restoreBackup,
  takeBackup,
} from '../src/backup/backup';
import { BackupService } from '../src/backup/backup.service';
import { todayIn } from '../src/common/time';
import { checkInvariants } from '../src/db/invariants';
import { SqliteFile } from '../src/db/sqlite-file';
import { bearer, createTestApp, isPostgres, TestApp } from './app';
import { expectLedgerConsistent, newRule } from './factories';

// Backups copy the SQLite file; PostgreSQL is backed up with pg_dump (docs/operations.md).
const describeSqlite = isPostgres ? describe.skip : describe;

describeSqlite('backup and restore of the SQLite file', () => {
  let dir: string;
  let file: string;
  let backups: string;
  let t: TestApp | null = null;
  const env = () => ({ DATABASE_URL: `sqlite:${file}`, BACKUP_DIR: backups, BACKUP_KEEP: '2' });

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'cp-backup-'));
    file = join(dir, 'district.sqlite');
    backups = join(dir, 'backups');
  });
  afterAll(async () => {
    await t?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a backup under concurrent writes holds every write acknowledged before it, and restores', async () => {
    t = await createTestApp(env());
    const village = await t.newVillage();
    const cadre = await t.tokenFor('cadre', { villageId: village.id });
    const rule = await newRule(t, { points: 2 });
    const villagers = await Promise.all([1, 2, 3, 4].map(() => t!.newVillager(village.id)));

    const acknowledged: number[] = [];
    let stop = false;
    const writer = async (w: number) => {
      for (let i = 0; !stop; i++) {
        const res = await t!
          .http()
          .post('/api/deeds')
          .set(bearer(cadre))
          .send({
            villagerId: villagers[(w + i) % villagers.length].id,
            ruleId: rule.id,
            occurredOn: todayIn('Asia/Shanghai'),
            description: `写入${w}-${i}`,
          });
        expect(res.status).toBe(201);
        acknowledged.push(res.body.id);
      }
    };
    const writers = [0, 1, 2].map(writer);
    while (acknowledged.length < 30) await new Promise((r) => setTimeout(r, 5));

    const before = [...acknowledged];
    // One page a step: the writers get between the steps, so the copy restarts and then
    // finishes in one step from one snapshot.
    const result = await takeBackup(file, backups, 2, { pagesPerStep: 1 });
    const during = acknowledged.length - before.length;
    while (acknowledged.length < before.length + during + 20) {
      await new Promise((r) => setTimeout(r, 5));
    }
    stop = true;
    await Promise.all(writers);

    expect(result.restarts).toBeGreaterThan(0);
    expect(basename(result.file)).toMatch(/^civility-points-\d{8}T\d{9}Z\.sqlite$/);
    // One self-contained file: no -wal beside it, no .partial left over.
    expect(readdirSync(backups)).toEqual([basename(result.file)]);
    const health = await t.http().get('/api/health').expect(200);
    expect(health.body.lastBackup).toBe(listBackups(backups)[0].at.toISOString());

    // While the service has the database open, restore refuses and changes nothing.
    const rowsBefore = await t.ds.query('SELECT COUNT(*) AS n FROM deeds');
    await expect(restoreBackup(result.file, file)).rejects.toThrow(DatabaseInUseError);
    await expect(restoreBackup(result.file, file)).rejects.toThrow(/in use/);
    expect(await t.ds.query('SELECT COUNT(*) AS n FROM deeds')).toEqual(rowsBefore);
    const after = acknowledged.length;
    await t.close();
    t = null;

    const { replaced } = await restoreBackup(result.file, file);
    expect(replaced).toMatch(/district\.sqlite\.replaced-\d{8}T\d{9}Z$/);
    // The replaced file is kept whole: it still has every write, the later ones too.
    const old = new SqliteFile(replaced!, { readonly: true, fileMustExist: true });
    expect((old.prepare('SELECT COUNT(*) AS n FROM deeds').get() as { n: number }).n).toBe(after);
    old.close();

    t = await createTestApp(env());
    const restored = new Set(
      ((await t.ds.query('SELECT id FROM deeds')) as { id: number }[]).map((r) => Number(r.id)),
    );
    expect(before.filter((id) => !restored.has(id))).toEqual([]);
    expect(restored.size).toBeGreaterThanOrEqual(before.length);
    expect(restored.size).toBeLessThan(after);
    const entries = await t.ds.query('SELECT COUNT(*) AS n FROM ledger_entries');
    expect(Number(entries[0].n)).toBe(restored.size);
    for (const v of villagers) await expectLedgerConsistent(t, v.id);
    const report = await checkInvariants((sql) => t!.ds.query(sql));
    expect(report.balanceMismatches).toEqual([]);
    expect(report.villagers).toBe(villagers.length);
    // The restored service takes writes again.
    await t
      .http()
      .post('/api/deeds')
      .set(bearer(cadre))
      .send({
        villagerId: villagers[0].id,
        ruleId: rule.id,
        occurredOn: todayIn('Asia/Shanghai'),
        description: '恢复后',
      })
      .expect(201);
  });

  it('the service takes backups itself and keeps the newest BACKUP_KEEP', async () => {
    const service = t!.app.get(BackupService);
    const taken: string[] = [];
    for (let i = 0; i < 3; i++) {
      const r = await service.backupNow();
      taken.push(r!.file);
      await new Promise((r) => setTimeout(r, 2)); // names carry milliseconds
    }
    expect(listBackups(backups).map((b) => b.file)).toEqual(taken.slice(1));
    expect(existsSync(taken[0])).toBe(false);
  });

  it('restore refuses a damaged file, and a file that is not this service’s database', async () => {
    const target = join(dir, 'other.sqlite');
    const good = listBackups(backups)[0].file;
    await restoreBackup(good, target);

    const garbage = join(dir, 'garbage.sqlite');
    writeFileSync(garbage, Buffer.alloc(8192, 7));
    await expect(restoreBackup(garbage, target)).rejects.toThrow(/was not restored/);

    const foreign = join(dir, 'foreign.sqlite');
    const f = new SqliteFile(foreign);
    f.exec('CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT)');
    f.close();
    await expect(restoreBackup(foreign, target)).rejects.toThrow(/no migrations table/);

    // A backup whose ledger does not add up is refused before anything is replaced.
    const tampered = join(dir, 'tampered.sqlite');
    await restoreBackup(good, tampered);
    const db = new SqliteFile(tampered);
    db.exec(
      'UPDATE villagers SET balance = balance + 1 WHERE id = (SELECT MIN(id) FROM villagers)',
    );
    db.close();
    await expect(checkDatabaseFile(tampered)).resolves.toEqual([
      expect.stringMatching(/balance differs from the sum of ledger entries/),
    ]);
    await expect(restoreBackup(tampered, target)).rejects.toThrow(/balance differs/);

    // The target is the good copy still, and only the first restore left a replaced file.
    await expect(checkDatabaseFile(target)).resolves.toEqual([]);
    expect(readdirSync(dir).filter((n) => n.startsWith('other.sqlite.replaced-'))).toEqual([]);
  });
});
