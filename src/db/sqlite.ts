import { AsyncResource } from 'node:async_hooks';
import { QueryFailedError, type DataSource, type QueryRunner } from 'typeorm';
import { BetterSqlite3QueryRunner } from 'typeorm/driver/better-sqlite3/BetterSqlite3QueryRunner';
import type { BetterSqlite3Driver } from 'typeorm/driver/better-sqlite3/BetterSqlite3Driver';

/**
 * SQLite pragmas, applied on every open: the driver's WAL switch leaves `synchronous` at the
 * compiled-in NORMAL, which can lose the last acknowledged writes on power loss.
 */
export function prepareSqlite(db: { pragma(sql: string): unknown }): void {
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('busy_timeout = 5000');
  db.pragma('foreign_keys = ON');
}

/** QueryRunner.query without its overloads, to pass `structured` through as it came. */
const queryOn = (
  runner: QueryRunner,
  sql: string,
  parameters: unknown[] | undefined,
  structured: boolean,
) =>
  (
    runner.query as (sql: string, parameters?: unknown[], structured?: boolean) => Promise<unknown>
  ).call(runner, sql, parameters, structured);

/** What the writer queue needs from the connection to commit a group of jobs at once. */
export interface GroupCommit {
  /** `BEGIN IMMEDIATE`. */
  begin(): Promise<void>;
  commit(): Promise<void>;
  /** Rolls back whatever is open; never throws. */
  abandon(): Promise<void>;
  /** The connection is still inside the batch's transaction (an error may have ended it). */
  isOpen(): boolean;
}

/** Jobs in one group at most, unless SQLITE_MAX_BATCH says otherwise (docs/performance.md). */
export const MAX_BATCH = 32;

/**
 * A running group lets the event loop turn after this many milliseconds of jobs: the group's
 * transaction stays open (its callers are still answered after its COMMIT), while reads on the
 * other connections, and requests that arrived meanwhile, are served (docs/performance.md).
 */
export const GROUP_SLICE_MS = 2;

/** Carried on the data source's options (config SQLITE_MAX_BATCH). */
export interface SqliteWriterOptions {
  writerMaxBatch?: number;
}

type Entry =
  | { kind: 'exclusive'; grant: (release: () => void) => void }
  | {
      kind: 'group';
      work: () => Promise<unknown>;
      /** The caller's async context (the Tx nesting check, …), in which `work` runs. */
      context: AsyncResource;
      resolve: (value: unknown) => void;
      reject: (err: unknown) => void;
    };

/**
 * The SQLite write connection's queue, in arrival order.
 *
 * Transactions (`group`) are committed in groups: whatever waits when the writer comes free
 * (a group starts on the event loop's next turn, so that the requests read meanwhile join it),
 * and whatever arrives while the group runs, up to `MAX_BATCH` jobs, runs one job after the
 * other inside one `BEGIN IMMEDIATE … COMMIT`, each job in a SAVEPOINT of its own (the job's
 * transaction is that savepoint, so its refusal or error rolls back only its own writes). One
 * COMMIT, and so one fsync under `synchronous=FULL`, serves the whole group. Every caller is
 * answered only after that COMMIT: an acknowledged write is on disk, and whatever a caller does
 * next (a read on another connection, a replay) sees it. If the COMMIT (or the transaction)
 * fails, every job of the group fails with it.
 *
 * SQLite blocks the thread while a job runs, so a long group would hold up every other request
 * (a points history read waited behind 32 record-deeds and their fsync): after `GROUP_SLICE_MS`
 * of jobs the group lets the event loop turn once, its transaction open, and goes on.
 *
 * Other holders (`acquire`, `run`: a write outside `Tx`, a transaction TypeORM opens by itself,
 * reads of an in-memory database) take the writer alone, between groups.
 */
export class WriterQueue {
  private readonly entries: Entry[] = [];
  private busy = false;
  private holding = 0;

  /**
   * @param groupCommit how to open and commit a group; without it every job runs alone.
   * @param onBatch told the size of every group committed or failed (metrics).
   */
  constructor(
    private readonly groupCommit?: GroupCommit,
    public onBatch?: (size: number) => void,
    private readonly maxBatch = MAX_BATCH,
  ) {}

  /** Jobs waiting for or holding the writer (for metrics and tests). */
  get depth(): number {
    return this.entries.length + this.holding;
  }

  /** Resolves when the caller holds the writer alone; call the returned function to let it go. */
  acquire(): Promise<() => void> {
    return new Promise((resolve) => {
      this.entries.push({ kind: 'exclusive', grant: resolve });
      this.pump();
    });
  }

  /** Runs `work` holding the writer alone. */
  async run<T>(work: () => Promise<T>): Promise<T> {
    const release = await this.acquire();
    try {
      return await work();
    } finally {
      release();
    }
  }

  /**
   * Runs `work` as one job of a group (see above), in the caller's async context; without group
   * commit, alone. `work` is the job's own transaction: a savepoint inside the group's.
   */
  group<T>(work: () => Promise<T>): Promise<T> {
    if (!this.groupCommit) return this.run(work);
    return new Promise<T>((resolve, reject) => {
      this.entries.push({
        kind: 'group',
        work,
        // not AsyncResource.bind: on Node 20 it builds a deprecation wrapper per call (profiled)
        context: new AsyncResource('SqliteWriterJob'),
        resolve: resolve as (value: unknown) => void,
        reject,
      });
      this.pump();
    });
  }

  private pump(): void {
    if (this.busy || this.entries.length === 0) return;
    this.busy = true;
    const head = this.entries[0];
    if (head.kind === 'exclusive') {
      this.entries.shift();
      this.holding = 1;
      let released = false;
      head.grant(() => {
        if (released) return;
        released = true;
        this.holding = 0;
        this.busy = false;
        this.pump();
      });
      return;
    }
    // Start on the next turn of the event loop, not now: SQLite's statements (and the COMMIT's
    // fsync) block the thread, so requests that arrived meanwhile are only read, and reach
    // this queue, in the loop's I/O phase. Starting at once would commit a group of one.
    setImmediate(() => {
      void this.runGroup().finally(() => {
        this.holding = 0;
        this.busy = false;
        this.pump();
      });
    });
  }

  private async runGroup(): Promise<void> {
    const sql = this.groupCommit!;
    const done: { entry: Extract<Entry, { kind: 'group' }>; ok: boolean; value: unknown }[] = [];
    // a refused job keeps its own answer (it left nothing either way)
    const failAll = (err: unknown) => {
      for (const d of done) d.entry.reject(d.ok ? err : d.value);
    };
    try {
      await sql.begin();
    } catch (err) {
      // nothing is open: the first job fails, the others wait for the next group
      const first = this.entries.shift() as Extract<Entry, { kind: 'group' }>;
      this.onBatch?.(1);
      first.reject(err);
      await sql.abandon();
      return;
    }
    let sliceStart = performance.now();
    while (done.length < this.maxBatch && this.entries[0]?.kind === 'group') {
      const entry = this.entries.shift() as Extract<Entry, { kind: 'group' }>;
      this.holding = done.length + 1;
      try {
        done.push({ entry, ok: true, value: await entry.context.runInAsyncScope(entry.work) });
      } catch (err) {
        done.push({ entry, ok: false, value: err });
      }
      if (!sql.isOpen()) {
        // SQLite ended the whole transaction (an I/O error, a full disk): nothing of the group
        // was kept, so every job of it fails
        this.onBatch?.(done.length);
        await sql.abandon();
        const last = done[done.length - 1];
        const cause = last.ok ? new Error('The group transaction ended inside a job') : last.value;
        failAll(new Error('Rolled back with the group of a write that failed', { cause }));
        return;
      }
      if (performance.now() - sliceStart >= GROUP_SLICE_MS) {
        await new Promise((resume) => setImmediate(resume));
        sliceStart = performance.now();
      }
    }
    this.onBatch?.(done.length);
    try {
      await sql.commit();
    } catch (err) {
      await sql.abandon();
      failAll(err);
      return;
    }
    for (const d of done) (d.ok ? d.entry.resolve : d.entry.reject)(d.value);
  }
}

/** The few calls made here on a better-sqlite3 connection. */
interface RawConnection {
  readonly inTransaction: boolean;
  prepare(sql: string): { readonly: boolean };
  pragma(sql: string): unknown;
  close(): void;
}
type RawConnectionClass = new (
  file: string,
  options: { readonly: boolean; fileMustExist: boolean },
) => RawConnection;

const installed = new WeakMap<DataSource, SqliteConnections>();

/** Snapshot connections kept open for reuse; more are opened (and closed after) under load. */
const MAX_IDLE_SNAPSHOTS = 4;

function openReadOnly(driver: BetterSqlite3Driver): RawConnection {
  // the driver holds the better-sqlite3 module it loaded
  const Database = (driver as unknown as { sqlite: RawConnectionClass }).sqlite;
  const connection = new Database(driver.options.database as string, {
    readonly: true,
    fileMustExist: true,
  });
  connection.pragma('busy_timeout = 5000');
  return connection;
}

/** The SQLite connections of a data source, or undefined on PostgreSQL. */
export function sqliteConnectionsOf(dataSource: DataSource): SqliteConnections | undefined {
  return installed.get(dataSource);
}

/** A prepared statement, as far as `RunnerOn.runDirect` uses it. */
interface Statement {
  readonly reader: boolean;
  all(...params: unknown[]): unknown[];
  run(...params: unknown[]): { lastInsertRowid: number | bigint };
}

/**
 * Statements kept per connection (the hot paths' SQL is fixed text: a few dozen in all), not per
 * runner as TypeORM keeps them: an OutsideRunner is made per call.
 */
const STATEMENTS_KEPT = 200;
const statementsOf = new WeakMap<object, Map<string, Statement>>();

/** A query runner on a connection of our choosing (TypeORM's own always takes the driver's). */
class RunnerOn extends BetterSqlite3QueryRunner {
  constructor(
    driver: BetterSqlite3Driver,
    private readonly target: () => RawConnection,
    withManager = true,
  ) {
    super(driver);
    if (withManager) this.manager = driver.dataSource.createEntityManager(this);
  }
  override connect(): Promise<RawConnection> {
    return Promise.resolve(this.target());
  }
  /**
   * A plain query (`em.query`, the hot paths' SQL, savepoints) runs directly (`runDirect`); a
   * structured one (TypeORM's query builders and persistence) goes TypeORM's way.
   */
  override query(sql: string, parameters?: unknown[], structured = false): Promise<any> {
    if (structured) return super.query(sql, parameters, true);
    try {
      return Promise.resolve(this.runDirect(sql, parameters ?? []));
    } catch (err) {
      return Promise.reject(err as Error);
    }
  }
  /**
   * One statement on this runner's connection, run as TypeORM's better-sqlite3 runner runs it
   * (the rows of a read; the new rowid of a write; booleans as 0/1), but without its path around
   * it: a before- and an after-query event, a statement cache lookup and four awaits per
   * statement, a measured share of every record-deed (docs/performance.md). Errors leave as
   * TypeORM's QueryFailedError, logged as TypeORM logs them.
   */
  private runDirect(sql: string, params: unknown[]): unknown {
    const connection = this.target();
    let statements = statementsOf.get(connection);
    if (!statements) statementsOf.set(connection, (statements = new Map()));
    try {
      let statement = statements.get(sql);
      if (!statement) {
        statement = connection.prepare(sql) as unknown as Statement;
        statements.set(sql, statement);
        if (statements.size > STATEMENTS_KEPT) statements.delete(statements.keys().next().value!);
      }
      const values = params.map((p) => (typeof p === 'boolean' ? (p ? 1 : 0) : p));
      return statement.reader ? statement.all(...values) : statement.run(...values).lastInsertRowid;
    } catch (err) {
      this.dataSource.logger.logQueryError(err as Error, sql, params, this);
      throw new QueryFailedError(sql, params, err as Error);
    }
  }
  // Shared runners live as long as the data source: TypeORM's release() must not retire them.
  override release(): Promise<void> {
    return Promise.resolve();
  }
}

/**
 * The writer's runner. Its transaction at depth 0 is a group's (`BEGIN IMMEDIATE`, so the write
 * lock is taken at once); every transaction inside it is a SAVEPOINT that a rollback also
 * releases, so a refused job leaves nothing on the savepoint stack of the group.
 */
class WriterRunner extends RunnerOn {
  override async startTransaction(): Promise<void> {
    if (this.transactionDepth === 0) {
      await this.query('BEGIN IMMEDIATE');
      this.isTransactionActive = true;
    } else {
      await this.query(`SAVEPOINT typeorm_${this.transactionDepth}`);
    }
    this.transactionDepth += 1;
  }

  override async commitTransaction(): Promise<void> {
    if (this.transactionDepth > 1) {
      await this.query(`RELEASE SAVEPOINT typeorm_${this.transactionDepth - 1}`);
    } else {
      await this.query('COMMIT');
      this.isTransactionActive = false;
    }
    this.transactionDepth -= 1;
  }

  override async rollbackTransaction(): Promise<void> {
    if (this.transactionDepth > 1) {
      const name = `typeorm_${this.transactionDepth - 1}`;
      this.transactionDepth -= 1;
      await this.query(`ROLLBACK TO SAVEPOINT ${name}`);
      await this.query(`RELEASE SAVEPOINT ${name}`);
    } else {
      this.transactionDepth = 0;
      this.isTransactionActive = false;
      await this.query('ROLLBACK');
    }
  }

  /** After a group ends: no transaction, whatever state an error left. */
  reset(): void {
    this.transactionDepth = 0;
    this.isTransactionActive = false;
  }
}

/**
 * Committed reads on SQLite.
 *
 * TypeORM's better-sqlite3 driver runs every query on one connection through one shared query
 * runner, so a read issued while a transaction is open runs inside it and sees rows that may
 * still roll back. Here the driver's connection belongs to the writer (transactions through
 * `Tx`, one at a time) and every other query goes elsewhere:
 *
 * - a read outside a transaction runs on a second, read-only connection to the same file, which
 *   WAL keeps at the last commit, so it never waits for the writer;
 * - for an in-memory database (no second connection can see it) the read waits its turn in the
 *   writer's queue instead, between transactions;
 * - a write outside `Tx` (the test helpers, TypeORM's own bookkeeping) waits its turn likewise and
 *   runs on the writer as one autocommit statement; a transaction TypeORM opens by itself holds
 *   the writer until it ends.
 */
export class SqliteConnections {
  readonly queue: WriterQueue;
  /** The writer's runner: `Tx` runs every transaction on it, one group at a time. */
  readonly writer: QueryRunner;
  private readonly reader: QueryRunner | undefined;
  private readonly readOnlySql = new Map<string, boolean>();

  private constructor(
    private readonly driver: BetterSqlite3Driver,
    readConnection: RawConnection | undefined,
  ) {
    const writer = new WriterRunner(driver, () => driver.databaseConnection);
    const raw = () => driver.databaseConnection as RawConnection;
    this.writer = writer;
    const maxBatch = (driver.dataSource.options as SqliteWriterOptions).writerMaxBatch;
    this.queue = new WriterQueue(
      {
        begin: () => writer.startTransaction(),
        commit: () => writer.commitTransaction(),
        abandon: async () => {
          writer.reset();
          if (raw().inTransaction) await writer.query('ROLLBACK').catch(() => undefined);
        },
        isOpen: () => raw().inTransaction && writer.isTransactionActive,
      },
      undefined,
      maxBatch ?? MAX_BATCH,
    );
    this.reader = readConnection && new RunnerOn(driver, () => readConnection);
  }

  /** Routes the data source's queries as described above. Call after migrations. */
  static install(dataSource: DataSource): SqliteConnections {
    const driver = dataSource.driver as BetterSqlite3Driver;
    const file = driver.options.database;
    const readConnection = file === ':memory:' ? undefined : openReadOnly(driver);
    const connections = new SqliteConnections(driver, readConnection);
    installed.set(dataSource, connections);
    driver.createQueryRunner = () => connections.outsideRunner();
    const destroy = dataSource.destroy.bind(dataSource);
    dataSource.destroy = async () => {
      readConnection?.close();
      connections.closeAll();
      return destroy();
    };
    return connections;
  }

  /**
   * Reads a consistent snapshot: one read transaction on a read-only connection of its own, so
   * the shared read connection stays in autocommit (every other read sees the latest commit,
   * including the caller's own write a moment ago). Snapshot connections are kept for reuse.
   */
  async snapshot<T>(work: (runner: QueryRunner) => Promise<T>): Promise<T> {
    if (!this.reader) return this.queue.run(() => work(this.writer));
    const runner = this.idleSnapshots.pop() ?? this.openSnapshotRunner();
    await runner.query('BEGIN');
    try {
      return await work(runner);
    } finally {
      await runner.query('COMMIT');
      if (this.idleSnapshots.length < MAX_IDLE_SNAPSHOTS) this.idleSnapshots.push(runner);
      else this.closeSnapshotRunner(runner);
    }
  }

  private readonly idleSnapshots: RunnerOn[] = [];
  private readonly snapshotConnections = new Map<RunnerOn, RawConnection>();

  private openSnapshotRunner(): RunnerOn {
    const connection = openReadOnly(this.driver);
    const runner = new RunnerOn(this.driver, () => connection);
    this.snapshotConnections.set(runner, connection);
    return runner;
  }

  private closeSnapshotRunner(runner: RunnerOn): void {
    this.snapshotConnections.get(runner)?.close();
    this.snapshotConnections.delete(runner);
  }

  private closeAll(): void {
    for (const runner of [...this.snapshotConnections.keys()]) this.closeSnapshotRunner(runner);
  }

  private isReadOnly(sql: string): boolean {
    let readOnly = this.readOnlySql.get(sql);
    if (readOnly === undefined) {
      readOnly = (this.driver.databaseConnection as RawConnection).prepare(sql).readonly;
      if (this.readOnlySql.size > 1000) this.readOnlySql.clear();
      this.readOnlySql.set(sql, readOnly);
    }
    return readOnly;
  }

  /** The runner TypeORM gets for work outside `Tx`: a new one per call, cheap to make. */
  private outsideRunner(): QueryRunner {
    return new OutsideRunner(this.driver, this);
  }

  /** Where OutsideRunner sends a query it runs outside a transaction of its own. */
  routeOutside(sql: string, parameters: unknown[] | undefined, structured: boolean) {
    if (this.reader && this.isReadOnly(sql))
      return queryOn(this.reader, sql, parameters, structured);
    return this.queue.run(() => queryOn(this.writer, sql, parameters, structured));
  }
}

/**
 * Work outside `Tx`: a read goes to the read connection (or waits its turn in memory), a write
 * waits its turn on the writer; a transaction TypeORM opens by itself holds the writer until it
 * ends.
 */
class OutsideRunner extends RunnerOn {
  private holding: (() => void) | undefined;

  constructor(
    driver: BetterSqlite3Driver,
    private readonly connections: SqliteConnections,
  ) {
    // DataSource.createQueryRunner gives it its EntityManager
    super(driver, () => driver.databaseConnection, false);
  }

  override async query(sql: string, parameters?: unknown[], structured = false) {
    if (this.isTransactionActive) return super.query(sql, parameters, structured);
    return this.connections.routeOutside(sql, parameters, structured);
  }

  override async startTransaction(): Promise<void> {
    if (!this.isTransactionActive) this.holding = await this.connections.queue.acquire();
    try {
      await super.startTransaction();
    } catch (err) {
      // BEGIN failed: no transaction is open, so nothing will ever commit or roll it back
      if (this.transactionDepth === 0) {
        this.isTransactionActive = false;
        this.letGo();
      }
      throw err;
    }
  }

  override async commitTransaction(): Promise<void> {
    try {
      await super.commitTransaction();
    } finally {
      this.letGo();
    }
  }

  override async rollbackTransaction(): Promise<void> {
    try {
      await super.rollbackTransaction();
    } finally {
      this.letGo();
    }
  }

  private letGo(): void {
    if (this.isTransactionActive || !this.holding) return;
    this.holding();
    this.holding = undefined;
  }
}
