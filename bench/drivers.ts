/**
 * Minimal typings for the two untyped packages the benchmarks use (no @types packages are
 * installed for them): better-sqlite3 and autocannon. Only what bench/ calls is declared.
 */
import { createRequire } from 'node:module';

const load = createRequire(__filename);

export interface SqliteStatement {
  run(...params: unknown[]): { changes: number; lastInsertRowid: number | bigint };
  get(...params: unknown[]): unknown;
  all(...params: unknown[]): unknown[];
}

export interface SqliteDatabase {
  pragma(sql: string, options?: { simple?: boolean }): unknown;
  prepare(sql: string): SqliteStatement;
  exec(sql: string): void;
  transaction<F extends (...args: never[]) => unknown>(fn: F): F;
  close(): void;
}

export const Database = load('better-sqlite3') as new (
  file: string,
  options?: { readonly?: boolean; fileMustExist?: boolean },
) => SqliteDatabase;

export interface Histogram {
  average: number;
  mean: number;
  stddev: number;
  min: number;
  max: number;
  total: number;
  p50: number;
  p90: number;
  p97_5: number;
  p99: number;
  p99_9: number;
}

export interface AutocannonResult {
  requests: Histogram;
  latency: Histogram;
  duration: number;
  errors: number;
  timeouts: number;
  non2xx: number;
  '2xx': number;
  '4xx': number;
  '5xx': number;
  statusCodeStats: Record<string, { count: number }>;
}

export interface AutocannonRequest {
  method?: string;
  path?: string;
  headers?: Record<string, string>;
  body?: string;
}

export interface AutocannonOptions {
  url: string;
  connections: number;
  duration: number;
  pipelining?: number;
  requests?: {
    method?: string;
    path?: string;
    setupRequest?: (req: AutocannonRequest) => AutocannonRequest;
    onResponse?: (status: number, body: string) => void;
  }[];
}

export const autocannon = load('autocannon') as (
  options: AutocannonOptions,
) => Promise<AutocannonResult>;
