import { randomBytes } from 'node:crypto';
import { isIP } from 'node:net';
import { resolve } from 'node:path';
import { ROLES, type Role } from './auth/roles';

/** Which database the service talks to, derived from DATABASE_URL. */
export type DatabaseConfig =
  | { type: 'sqlite'; path: string; maxBatch?: number }
  | { type: 'postgres'; url: string; poolSize?: number; readUrl?: string };

export interface AppConfig {
  port: number;
  /** The address to listen on: every interface by default, 127.0.0.1 behind a local proxy. */
  host: string;
  database: DatabaseConfig;
  jwtSecret: string;
  jwtExpiresIn: string;
  /** A session unused this long ends (SESSION_IDLE_MINUTES, default 30; decimals allowed). */
  sessionIdleMs: number;
  /** Roles that must have a second factor (MFA_REQUIRED_ROLES, e.g. admin,auditor; default none). */
  mfaRequiredRoles: Role[];
  timeZone: string;
  adminPassword?: string;
  production: boolean;
  /** Fastify's trustProxy: which proxies may set X-Forwarded-For (the per-address login limit). */
  trustProxy: boolean | number | string;
  /** The least severe log level printed: `log` by default, `debug` adds the framework's start lines. */
  logLevel: LogLevel;
  ops: OpsConfig;
  wecom: WecomConfig;
}

/** The village groups' 企业微信 robots (docs/product.md, "Notices"). */
export interface WecomConfig {
  /** Hosts a webhook URL may name (WECOM_ALLOWED_HOSTS, default qyapi.weixin.qq.com). */
  allowedHosts: string[];
  /** When the day's summary goes out, HH:MM district time (WECOM_DAILY_AT, default 17:30). */
  dailyAt: string;
  /** The service's address as villagers reach it, for links in messages (PUBLIC_URL). */
  publicUrl: string | null;
  /** How often each instance looks for messages to send (WECOM_POLL_SECONDS, default 5). */
  pollMs: number;
  /** The first retry's wait, doubled each time up to an hour (WECOM_RETRY_SECONDS, default 30). */
  retryMs: number;
  /** How long a post may take (WECOM_TIMEOUT_SECONDS, default 10). */
  timeoutMs: number;
}

export const LOG_LEVELS = ['error', 'warn', 'log', 'debug', 'verbose'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Backups and metrics (docs/operations.md). */
export interface OpsConfig {
  /** Where `npm run backup` and the scheduled backups write (default ./backups). */
  backupDir: string;
  /** How many backups to keep; older ones are deleted after each new one. */
  backupKeep: number;
  /** Hours between the service's own backups; 0 = none (the default). */
  backupIntervalHours: number;
  /** A bearer token that may read GET /api/metrics besides admins (a Prometheus scraper). */
  metricsToken?: string;
}

/** Thrown for a bad environment; main.ts prints its message as one line and exits. */
export class ConfigError extends Error {}

export const APP_CONFIG = Symbol('APP_CONFIG');

export function parseDatabaseUrl(url: string | undefined): DatabaseConfig {
  if (url === undefined || url.trim() === '') {
    return { type: 'sqlite', path: resolve('data', 'civility-points.sqlite') };
  }
  if (url === 'sqlite::memory:') return { type: 'sqlite', path: ':memory:' };
  if (url.startsWith('sqlite:')) {
    const path = url.slice('sqlite:'.length);
    if (!path)
      throw new ConfigError(
        'DATABASE_URL: "sqlite:" needs a file path, e.g. sqlite:./data/app.sqlite',
      );
    return { type: 'sqlite', path: resolve(path) };
  }
  if (/^postgres(ql)?:\/\//.test(url)) {
    try {
      new URL(url);
    } catch {
      throw new ConfigError(`DATABASE_URL: not a valid PostgreSQL URL`);
    }
    return { type: 'postgres', url };
  }
  throw new ConfigError(
    'DATABASE_URL: expected sqlite:PATH, sqlite::memory: or postgres://user@host:port/db',
  );
}

export function isValidTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

const LIFETIME_UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };

/** `<n>s|m|h|d` or plain seconds, from 1 minute to 30 days (what jsonwebtoken would accept). */
export function isValidTokenLifetime(text: string): boolean {
  const m = /^(\d{1,7})([smhd]?)$/.exec(text);
  if (!m) return false;
  const seconds = Number(m[1]) * LIFETIME_UNITS[m[2] || 's'];
  return seconds >= 60 && seconds <= 30 * 86400;
}

/** Scripts that write demo data refuse to run against a production deployment. */
export function refuseInProduction(what: string, env: NodeJS.ProcessEnv = process.env): void {
  if (env.NODE_ENV === 'production') {
    throw new ConfigError(`${what} refuses to run with NODE_ENV=production`);
  }
}

/** TRUST_PROXY: unset (no proxy), `true`, a hop count, or proxy addresses / CIDRs, comma-separated. */
export function parseTrustProxy(text: string | undefined): boolean | number | string {
  const value = (text ?? '').trim();
  if (value === '' || value === 'false') return false;
  if (value === 'true') return true;
  if (/^\d{1,2}$/.test(value)) return Number(value);
  if (/^[0-9A-Fa-f.:/]+(\s*,\s*[0-9A-Fa-f.:/]+)*$/.test(value)) return value;
  throw new ConfigError(
    `TRUST_PROXY: "${value}" is not true, a hop count or a list of proxy addresses (e.g. 127.0.0.1,10.0.0.0/8)`,
  );
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const production = env.NODE_ENV === 'production';

  const portText = env.PORT ?? '3000';
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port < 0 || port > 65535) {
    throw new ConfigError(`PORT: "${portText}" is not a port number (0-65535)`);
  }

  const host = env.HOST || '0.0.0.0';
  if (!isIP(host) && host !== 'localhost') {
    throw new ConfigError(
      `HOST: "${host}" is not an IP address to listen on (e.g. 0.0.0.0, 127.0.0.1, ::)`,
    );
  }

  const database = parseDatabaseUrl(env.DATABASE_URL);
  if (env.DB_POOL_SIZE !== undefined && env.DB_POOL_SIZE !== '') {
    const poolSize = Number(env.DB_POOL_SIZE);
    if (!/^\d+$/.test(env.DB_POOL_SIZE) || poolSize < 1 || poolSize > 200) {
      throw new ConfigError(`DB_POOL_SIZE: "${env.DB_POOL_SIZE}" is not a pool size (1-200)`);
    }
    if (database.type === 'postgres') database.poolSize = poolSize;
  }
  if (env.DATABASE_READ_URL !== undefined && env.DATABASE_READ_URL !== '') {
    if (database.type !== 'postgres') {
      throw new ConfigError('DATABASE_READ_URL: a read replica needs a PostgreSQL DATABASE_URL');
    }
    let replica: DatabaseConfig | undefined;
    try {
      replica = parseDatabaseUrl(env.DATABASE_READ_URL);
    } catch {
      replica = undefined;
    }
    if (replica?.type !== 'postgres') {
      throw new ConfigError(
        'DATABASE_READ_URL: expected postgres://user@host:port/db, a streaming replica of DATABASE_URL',
      );
    }
    database.readUrl = replica.url;
  }
  if (env.SQLITE_MAX_BATCH !== undefined && env.SQLITE_MAX_BATCH !== '') {
    const maxBatch = Number(env.SQLITE_MAX_BATCH);
    if (!/^\d+$/.test(env.SQLITE_MAX_BATCH) || maxBatch < 1 || maxBatch > 256) {
      throw new ConfigError(
        `SQLITE_MAX_BATCH: "${env.SQLITE_MAX_BATCH}" is not a number of transactions (1-256)`,
      );
    }
    if (database.type === 'sqlite') database.maxBatch = maxBatch;
  }

  let jwtSecret = env.JWT_SECRET ?? '';
  if (!jwtSecret) {
    if (production) throw new ConfigError('JWT_SECRET: required when NODE_ENV=production');
    // Development only: tokens stop working when the process restarts.
    jwtSecret = randomBytes(32).toString('hex');
  } else if (production && jwtSecret.length < 32) {
    throw new ConfigError('JWT_SECRET: must be at least 32 characters in production');
  }

  const timeZone = env.TIME_ZONE || 'Asia/Shanghai';
  if (!isValidTimeZone(timeZone)) {
    throw new ConfigError(`TIME_ZONE: "${timeZone}" is not an IANA time zone (e.g. Asia/Shanghai)`);
  }

  const adminPassword = env.ADMIN_PASSWORD || undefined;
  if (adminPassword !== undefined && adminPassword.length < 8) {
    throw new ConfigError('ADMIN_PASSWORD: must be at least 8 characters');
  }

  const jwtExpiresIn = env.JWT_EXPIRES_IN || '12h';
  if (!isValidTokenLifetime(jwtExpiresIn)) {
    throw new ConfigError(
      `JWT_EXPIRES_IN: "${jwtExpiresIn}" is not a lifetime between 1 minute and 30 days (e.g. 12h, 30m, 7d)`,
    );
  }

  const idleText = env.SESSION_IDLE_MINUTES || '30';
  const idleMinutes = Number(idleText);
  if (!/^\d+(\.\d+)?$/.test(idleText) || idleMinutes <= 0 || idleMinutes > 7 * 24 * 60) {
    throw new ConfigError(
      `SESSION_IDLE_MINUTES: "${idleText}" is not a number of minutes (e.g. 30; at most a week)`,
    );
  }

  const mfaRequiredRoles = (env.MFA_REQUIRED_ROLES ?? '')
    .split(',')
    .map((r) => r.trim())
    .filter(Boolean);
  const unknownRole = mfaRequiredRoles.find((r) => !(ROLES as readonly string[]).includes(r));
  if (unknownRole !== undefined) {
    throw new ConfigError(
      `MFA_REQUIRED_ROLES: "${unknownRole}" is not a role (${ROLES.join(', ')})`,
    );
  }

  const logLevel = (env.LOG_LEVEL || 'log') as LogLevel;
  if (!LOG_LEVELS.includes(logLevel)) {
    throw new ConfigError(`LOG_LEVEL: "${env.LOG_LEVEL}" is not one of ${LOG_LEVELS.join(', ')}`);
  }

  return {
    port,
    host,
    logLevel,
    database,
    jwtSecret,
    jwtExpiresIn,
    sessionIdleMs: idleMinutes * 60_000,
    mfaRequiredRoles: mfaRequiredRoles as Role[],
    trustProxy: parseTrustProxy(env.TRUST_PROXY),
    timeZone,
    adminPassword,
    production,
    ops: loadOpsConfig(env),
    wecom: loadWecomConfig(env),
  };
}

export function loadWecomConfig(env: NodeJS.ProcessEnv): WecomConfig {
  const allowedHosts = (env.WECOM_ALLOWED_HOSTS || 'qyapi.weixin.qq.com')
    .split(',')
    .map((h) => h.trim().toLowerCase())
    .filter(Boolean);
  const bad = allowedHosts.find((h) => !/^[a-z0-9.-]+(:\d{1,5})?$/.test(h));
  if (bad !== undefined) {
    throw new ConfigError(
      `WECOM_ALLOWED_HOSTS: "${bad}" is not a host name (e.g. qyapi.weixin.qq.com)`,
    );
  }
  const dailyAt = env.WECOM_DAILY_AT || '17:30';
  if (!/^([01]\d|2[0-3]):[0-5]\d$/.test(dailyAt)) {
    throw new ConfigError(`WECOM_DAILY_AT: "${dailyAt}" is not a time HH:MM (e.g. 17:30)`);
  }
  const publicUrl = env.PUBLIC_URL ? env.PUBLIC_URL.replace(/\/+$/, '') : null;
  if (publicUrl !== null && !/^https?:\/\/[^/\s]+(\/[^\s]*)?$/.test(publicUrl)) {
    throw new ConfigError(`PUBLIC_URL: "${env.PUBLIC_URL}" is not an http(s) address`);
  }
  const seconds = (name: string, fallback: string, max: number) => {
    const text = env[name] || fallback;
    const n = Number(text);
    if (!/^\d+(\.\d+)?$/.test(text) || n <= 0 || n > max) {
      throw new ConfigError(`${name}: "${text}" is not a number of seconds (at most ${max})`);
    }
    return Math.round(n * 1000);
  };
  return {
    allowedHosts,
    dailyAt,
    publicUrl,
    pollMs: seconds('WECOM_POLL_SECONDS', '5', 3600),
    retryMs: seconds('WECOM_RETRY_SECONDS', '30', 3600),
    timeoutMs: seconds('WECOM_TIMEOUT_SECONDS', '10', 120),
  };
}

export function loadOpsConfig(env: NodeJS.ProcessEnv): OpsConfig {
  const keepText = env.BACKUP_KEEP || '14';
  if (!/^\d+$/.test(keepText) || Number(keepText) < 1 || Number(keepText) > 10_000) {
    throw new ConfigError(`BACKUP_KEEP: "${keepText}" is not a number of backups (1-10000)`);
  }
  const hoursText = env.BACKUP_INTERVAL_HOURS || '0';
  const hours = Number(hoursText);
  if (!/^\d+(\.\d+)?$/.test(hoursText) || hours > 24 * 366 || (hours > 0 && hours < 0.01)) {
    throw new ConfigError(
      `BACKUP_INTERVAL_HOURS: "${hoursText}" is not a number of hours (0 = off, e.g. 24)`,
    );
  }
  const metricsToken = env.METRICS_TOKEN || undefined;
  if (metricsToken !== undefined && metricsToken.length < 16) {
    throw new ConfigError('METRICS_TOKEN: must be at least 16 characters');
  }
  return {
    backupDir: resolve(env.BACKUP_DIR || 'backups'),
    backupKeep: Number(keepText),
    backupIntervalHours: hours,
    metricsToken,
  };
}
