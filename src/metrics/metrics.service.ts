import { Injectable } from '@nestjs/common';
import { DiscoveryService, MetadataScanner } from '@nestjs/core';
import { ApplicationConfig } from '@nestjs/core/application-config';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { DataSource } from 'typeorm';
import { BackupService } from '../backup/backup.service';
import { Tx } from '../db/transaction';
import { matchRoute, routeTemplates, type RouteTemplate } from './route-table';

/** Business events read off the requests that acknowledged them: `METHOD template` → counter. */
const EVENTS: Record<string, { status: number[]; event: string }> = {
  'POST /api/auth/login': { status: [401], event: 'login_failure' },
  'POST /api/deeds': { status: [201], event: 'deed_recorded' },
  'POST /api/redemptions': { status: [201], event: 'redemption' },
  'POST /api/redemptions/:id/cancel': { status: [200, 201], event: 'redemption_cancelled' },
};

/**
 * One Prometheus registry per application (tests start several in one process). Labels are
 * route templates, methods, status codes and fixed names only: never an id, a name or a path
 * someone typed.
 */
@Injectable()
export class MetricsService {
  readonly registry = new Registry();
  /** Built on the first request, once the global prefix is set. */
  private routes: RouteTemplate[] | null = null;

  private readonly requests = new Histogram({
    name: 'civility_http_request_duration_seconds',
    help: 'HTTP requests by method, route template and status, with their duration',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });
  private readonly events = new Counter({
    name: 'civility_events_total',
    help: 'Acknowledged business events: login_failure, login_throttled, deed_recorded, redemption, redemption_cancelled',
    labelNames: ['event'] as const,
    registers: [this.registry],
  });

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly appConfig: ApplicationConfig,
    private readonly dataSource: DataSource,
    private readonly tx: Tx,
    private readonly backups: BackupService,
  ) {
    for (const event of ['login_failure', 'login_throttled', 'deed_recorded', 'redemption']) {
      this.events.inc({ event }, 0); // present from the start, so rate() works at once
    }
    collectDefaultMetrics({ register: this.registry, prefix: 'civility_' });
    const writer = this.tx;
    new Gauge({
      name: 'civility_sqlite_write_queue_depth',
      help: 'Transactions queued or running on the single SQLite writer (0 on PostgreSQL)',
      registers: [this.registry],
      collect() {
        this.set(writer.pending);
      },
    });
    const batchSizes = new Histogram({
      name: 'civility_sqlite_writer_batch_size',
      help: 'Transactions the SQLite writer committed together in one group (one COMMIT, one fsync); absent on PostgreSQL',
      buckets: [1, 2, 4, 8, 16, 32],
      registers: [this.registry],
    });
    this.tx.observeBatches((size) => batchSizes.observe(size));
    const driver = this.dataSource.driver as unknown as {
      master?: PoolStats;
      slaves?: PoolStats[];
    };
    new Gauge({
      name: 'civility_db_pool_connections',
      help: 'PostgreSQL pool connections by pool (write: transactions; read: reads outside them) and state: total (open), idle, waiting (clients queued)',
      labelNames: ['pool', 'state'] as const,
      registers: [this.registry],
      collect() {
        const pools = { write: driver.master, read: driver.slaves?.[0] };
        for (const [name, p] of Object.entries(pools)) {
          if (!p || typeof p.totalCount !== 'number') continue;
          this.set({ pool: name, state: 'total' }, p.totalCount);
          this.set({ pool: name, state: 'idle' }, p.idleCount);
          this.set({ pool: name, state: 'waiting' }, p.waitingCount);
        }
      },
    });
    const backupService = this.backups;
    new Gauge({
      name: 'civility_backup_last_timestamp_seconds',
      help: 'Unix time of the newest backup in BACKUP_DIR (SQLite; absent when there is none)',
      registers: [this.registry],
      collect() {
        const at = backupService.lastBackupAt();
        if (at) this.set(at.getTime() / 1000);
      },
    });
  }

  /** Records one finished request; `path` without the query string. */
  observe(method: string, path: string, status: number, seconds: number): void {
    const route = matchRoute(this.routeTable(), method, path) ?? 'unmatched';
    this.requests.observe({ method, route, status: String(status) }, seconds);
    const key = `${method} ${route}`;
    const e = EVENTS[key];
    if (e?.status.includes(status)) this.events.inc({ event: e.event });
    if (key === 'POST /api/auth/login' && status === 429) {
      this.events.inc({ event: 'login_throttled' });
    }
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  private routeTable(): RouteTemplate[] {
    if (this.routes) return this.routes;
    const controllers = this.discovery
      .getControllers()
      .filter((w) => w.metatype && w.instance)
      .map((w) => {
        const prototype = Object.getPrototypeOf(w.instance) as object;
        return {
          metatype: w.metatype as object,
          prototype,
          methods: this.scanner.getAllMethodNames(prototype),
        };
      });
    this.routes = routeTemplates(controllers, this.appConfig.getGlobalPrefix());
    return this.routes;
  }
}

interface PoolStats {
  totalCount: number;
  idleCount: number;
  waitingCount: number;
}
