import type { DataSource, QueryRunner } from 'typeorm';
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

/** One holder at a time, in arrival order: the SQLite write connection's queue. */
export class WriterQueue {
  private tail: Promise<void> = Promise.resolve();
  private waiting = 0;

  /** Jobs waiting for or holding the writer (for metrics and tests). */
  get depth(): number {
    return this.waiting;
  }

  /** Resolves when the caller holds the writer; call the returned function to let it go. */
  acquire(): Promise<() => void> {
    this.waiting++;
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const turn = this.tail.then(() => () => {
      this.waiting--;
      release();
    });
    this.tail = this.tail.then(() => held);
    return turn;
  }

  async run<T>(work: () => Promise<T>): Promise<T> {
    const release = await this.acquire();
    try {
      return await work();
    } finally {
      release();
    }
  }
}

/** The few calls made here on a better-sqlite3 connection. */
interface RawConnection {
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
  // Shared runners live as long as the data source: TypeORM's release() must not retire them.
  override release(): Promise<void> {
    return Promise.resolve();
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
  readonly queue = new WriterQueue();
  /** The writer's runner: `Tx` runs every transaction on it, one at a time. */
  readonly writer: QueryRunner;
  private readonly reader: QueryRunner | undefined;
  private readonly readOnlySql = new Map<string, boolean>();

  private constructor(
    private readonly driver: BetterSqlite3Driver,
    readConnection: RawConnection | undefined,
  ) {
    this.writer = new RunnerOn(driver, () => driver.databaseConnection);
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
