import { AsyncLocalStorage } from 'node:async_hooks';
import { Inject, Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { DataSource, type DataSourceOptions, type EntityManager, type QueryRunner } from 'typeorm';
import { APP_CONFIG, type AppConfig } from '../config';

/** The browser's note of its latest write's place in the primary's log (a pg_lsn). */
export const READ_AFTER_COOKIE = 'cp_read_after';
/** The same for API clients: answered after a write, sent back with later reads. */
export const READ_AFTER_HEADER = 'x-read-after';
/** Longer than any lag worth waiting for: after it a replica far behind is read anyway. */
const READ_AFTER_SECONDS = 300;
const LSN = /^[0-9A-F]{1,8}\/[0-9A-F]{1,8}$/;

interface RequestWrites {
  /** The client's latest write before this request (its cookie or header), if any. */
  after: string | null;
  /** This request's latest write. */
  wrote: string | null;
}

const KEY = Symbol('read-after');
type WithWrites = FastifyRequest & { [KEY]?: RequestWrites };

/**
 * The read replica (DATABASE_READ_URL, PostgreSQL streaming replication; docs/architecture.md,
 * "Read replica"). Public boards, dashboards, exports and histories read there
 * (`Tx.readReplica`), so that they never compete with the writes; everything else reads the
 * primary.
 *
 * Read-your-writes: after a request's transaction commits, the primary's log position is noted
 * and answered to the client (a cookie for the browser, the `X-Read-After` header for others).
 * A later read of that client goes to the replica only once the replica has replayed that
 * far, else to the primary: a cadre always sees the deed they just recorded, on any instance.
 * Without a replica none of this runs.
 */
@Injectable()
export class Replica implements OnModuleInit, OnModuleDestroy {
  private dataSource: DataSource | null = null;
  private readonly requests = new AsyncLocalStorage<RequestWrites>();
  private readonly logger = new Logger('Replica');

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly primary: DataSource,
  ) {}

  get enabled(): boolean {
    return this.dataSource !== null;
  }

  async onModuleInit(): Promise<void> {
    const db = this.config.database;
    if (db.type !== 'postgres' || !db.readUrl) return;
    // the primary's options (entities, naming, pool size), one pool on the replica's address
    this.dataSource = await new DataSource({
      ...this.primary.options,
      replication: undefined,
      url: db.readUrl,
      migrations: [],
    } as DataSourceOptions).initialize();
  }

  async onModuleDestroy(): Promise<void> {
    await this.dataSource?.destroy();
  }

  /** Fastify hooks: what the client last wrote, for the request's reads; what it wrote, back. */
  install(fastify: FastifyInstance): void {
    fastify.addHook('preHandler', (req, reply, done) => {
      if (!this.enabled) return done();
      const writes: RequestWrites = { after: sentLsn(req), wrote: null };
      (req as WithWrites)[KEY] = writes;
      this.requests.run(writes, done);
    });
    fastify.addHook('onSend', (req, reply, payload, done) => {
      const wrote = (req as WithWrites)[KEY]?.wrote;
      if (wrote) {
        reply.header(READ_AFTER_HEADER, wrote);
        reply.header(
          'set-cookie',
          `${READ_AFTER_COOKIE}=${wrote}; Max-Age=${READ_AFTER_SECONDS}; Path=/api; HttpOnly; SameSite=Strict` +
            (req.protocol === 'https' ? '; Secure' : ''),
        );
      }
      done(null, payload);
    });
  }

  /** After a transaction committed on the primary: where its log stands, for this request. */
  async committed(primary: DataSource): Promise<void> {
    const writes = this.requests.getStore();
    if (!this.enabled || !writes) return;
    const [{ lsn }] = (await primary.query('SELECT pg_current_wal_lsn()::text AS lsn')) as {
      lsn: string;
    }[];
    writes.wrote = lsn;
  }

  /**
   * A connection to read on the replica, or null: no replica, it has not yet replayed the
   * client's latest write, or it cannot be reached (then the primary answers, and it is logged).
   */
  async reader(): Promise<QueryRunner | null> {
    if (!this.dataSource) return null;
    const writes = this.requests.getStore();
    const after = writes?.wrote ?? writes?.after;
    const runner = this.dataSource.createQueryRunner();
    try {
      await runner.connect();
      if (after) {
        const [{ caught }] = (await runner.query(
          'SELECT COALESCE(pg_last_wal_replay_lsn() >= $1::pg_lsn, false) AS caught',
          [after],
        )) as { caught: boolean }[];
        if (!caught) {
          await runner.release();
          return null;
        }
      }
      return runner;
    } catch (err) {
      this.logger.warn(`replica unavailable, reading the primary: ${(err as Error).message}`);
      await runner.release();
      return null;
    }
  }

  /**
   * The replica's entity manager for reads streamed over many statements (an export's pages), as
   * `reader` decides; null for the primary's.
   */
  async manager(): Promise<EntityManager | null> {
    const runner = await this.reader();
    if (!runner) return null;
    await runner.release(); // the check is what was needed: the pool serves each page
    return this.dataSource!.manager;
  }
}

function sentLsn(req: FastifyRequest): string | null {
  const header = req.headers[READ_AFTER_HEADER];
  if (typeof header === 'string' && LSN.test(header)) return header;
  const cookie = /(?:^|;\s*)cp_read_after=([0-9A-F]{1,8}\/[0-9A-F]{1,8})(?:;|$)/.exec(
    req.headers.cookie ?? '',
  );
  return cookie ? cookie[1] : null;
}
