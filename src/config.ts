import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';

/** Which database the service talks to, derived from DATABASE_URL. */
export type DatabaseConfig = { type: 'sqlite'; path: string } | { type: 'postgres'; url: string };

export interface AppConfig {
  port: number;
  database: DatabaseConfig;
  jwtSecret: string;
  jwtExpiresIn: string;
  timeZone: string;
  adminPassword?: string;
  production: boolean;
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

export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const production = env.NODE_ENV === 'production';

  const portText = env.PORT ?? '3000';
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port < 0 || port > 65535) {
    throw new ConfigError(`PORT: "${portText}" is not a port number (0-65535)`);
  }

  const database = parseDatabaseUrl(env.DATABASE_URL);

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

  return {
    port,
    database,
    jwtSecret,
    jwtExpiresIn,
    timeZone,
    adminPassword,
    production,
  };
}
