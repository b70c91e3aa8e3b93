import {
  closeSync,
  copyFileSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { MIGRATIONS } from '../../migrations';
import { checkInvariants, describeInvariantProblems, knownMigrationNames } from '../db/invariants';
import { SqliteFile, type SqliteDatabase } from '../db/sqlite-file';

/**
 * Backups of the SQLite file and their restore. A backup is taken with SQLite's online backup
 * API on a connection of its own, so the service keeps reading and writing meanwhile; it is
 * written as `<name>.partial`, checked, turned into one self-contained file (rollback journal,
 * no -wal beside it) and only then renamed to its final name.
 */

const PREFIX = 'civility-points-';
const PATTERN = /^civility-points-(\d{8}T\d{9}Z)\.sqlite$/;
/** Pages copied per step (4 KiB each); between steps the event loop runs. */
const PAGES_PER_STEP = 1024;
/**
 * A write by another connection between two steps restarts the copy. After this many restarts
 * the rest is copied in one step: one read snapshot, consistent, and writers in WAL mode are not
 * blocked by it.
 */
const RESTARTS_BEFORE_ONE_STEP = 3;

export interface BackupResult {
  file: string;
  bytes: number;
  ms: number;
  restarts: number;
  /** Older backups deleted to keep the configured number. */
  pruned: string[];
}

/** `civility-points-20261123T213005123Z.sqlite`: sorts by time, one a millisecond at most. */
export function backupFileName(at: Date): string {
  return `${PREFIX}${at.toISOString().replace(/[-:.]/g, '')}.sqlite`;
}

/** Backups in `dir`, oldest first, with the time in their name. */
export function listBackups(dir: string): { file: string; at: Date }[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((name) => PATTERN.test(name))
    .sort()
    .map((name) => {
      const s = PATTERN.exec(name)![1];
      const iso = `${s.slice(0, 4)}-${s.slice(4, 6)}-${s.slice(6, 8)}T${s.slice(9, 11)}:${s.slice(11, 13)}:${s.slice(13, 15)}.${s.slice(15, 18)}Z`;
      return { file: join(dir, name), at: new Date(iso) };
    });
}

export function lastBackupAt(dir: string): Date | null {
  const all = listBackups(dir);
  return all.length ? all[all.length - 1].at : null;
}

/** Takes a consistent snapshot of the SQLite file `source` into `dir` and keeps the newest `keep`. */
export async function takeBackup(
  source: string,
  dir: string,
  keep: number,
  opts: { pagesPerStep?: number } = {},
): Promise<BackupResult> {
  const started = Date.now();
  mkdirSync(dir, { recursive: true });
  const file = join(dir, backupFileName(new Date()));
  const partial = `${file}.partial`;
  rmSync(partial, { force: true });
  const db = new SqliteFile(source, { fileMustExist: true });
  let restarts = 0;
  try {
    db.pragma('busy_timeout = 5000');
    const step = opts.pagesPerStep ?? PAGES_PER_STEP;
    let remaining = Infinity;
    await db.backup(partial, {
      progress: ({ totalPages, remainingPages }) => {
        if (remainingPages > remaining) restarts++;
        remaining = remainingPages;
        return restarts >= RESTARTS_BEFORE_ONE_STEP ? totalPages : step;
      },
    });
  } finally {
    db.close();
  }
  try {
    const problems = await checkDatabaseFile(partial, { selfContained: true });
    if (problems.length) throw new Error(`the backup failed its check: ${problems.join('; ')}`);
    syncFile(partial);
    renameSync(partial, file);
    syncFile(dir);
  } catch (err) {
    rmSync(partial, { force: true });
    throw err;
  }
  const pruned = listBackups(dir)
    .slice(0, -keep)
    .map((b) => b.file);
  for (const old of pruned) rmSync(old, { force: true });
  return { file, bytes: statSync(file).size, ms: Date.now() - started, restarts, pruned };
}

/**
 * What is wrong with a database file, as lines for a person; empty when it is sound: SQLite's
 * integrity and foreign-key checks, a migrations table this build knows every entry of, and the
 * ledger and stock sums. `selfContained` also switches the file to a rollback journal, so it is
 * one file that can be copied alone (used on fresh backups, never on a live database).
 */
export async function checkDatabaseFile(
  file: string,
  opts: { selfContained?: boolean } = {},
): Promise<string[]> {
  if (!existsSync(file)) return [`${file} does not exist`];
  let db: SqliteDatabase;
  try {
    db = new SqliteFile(file, { fileMustExist: true, readonly: !opts.selfContained });
  } catch (err) {
    return [`not an SQLite database: ${(err as Error).message}`];
  }
  try {
    if (opts.selfContained) db.pragma('journal_mode = DELETE');
    const integrity = db.pragma('integrity_check', { simple: false }) as {
      integrity_check: string;
    }[];
    if (integrity.length !== 1 || integrity[0].integrity_check !== 'ok') {
      return [
        `integrity check failed: ${integrity
          .slice(0, 5)
          .map((r) => r.integrity_check)
          .join('; ')}`,
      ];
    }
    const problems: string[] = [];
    const fk = db.pragma('foreign_key_check') as unknown[];
    if (fk.length) problems.push(`${fk.length} rows break a foreign key`);
    const hasMigrations = db
      .prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'migrations'`)
      .get();
    if (!hasMigrations) return [...problems, 'no migrations table: not a Civility Points database'];
    const applied = (db.prepare('SELECT name FROM migrations').all() as { name: string }[]).map(
      (r) => r.name,
    );
    const known = knownMigrationNames(MIGRATIONS);
    const unknown = applied.filter((name) => !known.has(name));
    if (!applied.length) problems.push('the migrations table is empty');
    if (unknown.length) {
      problems.push(
        `migrations unknown to this version (${unknown.join(', ')}): restore with the version that wrote the backup`,
      );
    }
    if (problems.length) return problems;
    const report = await checkInvariants(
      async (sql) => db.prepare(sql).all() as Record<string, unknown>[],
    );
    return describeInvariantProblems(report);
  } catch (err) {
    return [`cannot read the database: ${(err as Error).message}`];
  } finally {
    db.close();
  }
}

export class DatabaseInUseError extends Error {}

/**
 * Opens the SQLite file `file` with an exclusive lock, or throws DatabaseInUseError when another
 * process has it open. Leaving WAL mode needs every other connection closed, so it fails at once
 * (SQLITE_BUSY) while a service runs on the file, even an idle one; it also folds the -wal into
 * the file. The lock is then held until the returned connection is closed.
 */
export function lockUnusedSqlite(file: string): SqliteDatabase {
  const db = new SqliteFile(file, { fileMustExist: true });
  try {
    db.pragma('busy_timeout = 0');
    db.pragma('journal_mode = DELETE');
    db.pragma('locking_mode = EXCLUSIVE');
    db.exec('BEGIN EXCLUSIVE; COMMIT');
    return db;
  } catch (err) {
    db.close();
    if ((err as { code?: string }).code?.startsWith('SQLITE_BUSY')) {
      throw new DatabaseInUseError(
        `${file} is in use (is the service running?): stop every instance first`,
      );
    }
    throw err;
  }
}

/**
 * Replaces the SQLite file `target` with the backup `file`, after checking the backup, and keeps
 * the replaced file as `<target>.replaced-<time>`. Refuses while any process has `target` open,
 * and holds an exclusive lock on it until the new file is in place.
 */
export async function restoreBackup(
  file: string,
  target: string,
): Promise<{ replaced: string | null }> {
  const problems = await checkDatabaseFile(file);
  if (problems.length) {
    throw new Error(`${basename(file)} was not restored: ${problems.join('; ')}`);
  }
  const lock = existsSync(target) ? lockUnusedSqlite(target) : null;
  try {
    const incoming = `${target}.restoring`;
    copyFileSync(file, incoming);
    syncFile(incoming);
    let replaced: string | null = null;
    if (lock) {
      replaced = `${target}.replaced-${new Date().toISOString().replace(/[-:.]/g, '')}`;
      renameSync(target, replaced);
      for (const suffix of ['-wal', '-shm', '-journal']) {
        if (existsSync(target + suffix)) renameSync(target + suffix, replaced + suffix);
      }
    }
    renameSync(incoming, target);
    syncFile(dirname(target));
    return { replaced };
  } finally {
    lock?.close();
  }
}

function syncFile(path: string): void {
  const fd = openSync(path, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
