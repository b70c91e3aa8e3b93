/**
 * What `npm run bench` needs to know about the district `npm run bench:data` generated: the
 * villages and their cadres, the stores and their shopkeepers, every villager's village, the
 * rules a deed can be recorded with any number of times. Read straight from the database.
 */
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, openSync, readSync } from 'node:fs';
import { Client } from 'pg';
import type { Target } from './common';
import { Database } from './drivers';

export type Query = (sql: string, params?: unknown[]) => Promise<Record<string, unknown>[]>;

/** The district is not there (no file, no schema, no generated rows). */
export class Missing extends Error {}

export interface Reader {
  query: Query;
  close: () => Promise<void>;
}

/** A plain connection for the benchmark's own reads; `?` placeholders on both databases. */
export async function openReader(target: Target): Promise<Reader> {
  if (target.kind === 'sqlite') {
    if (!existsSync(target.file)) throw new Missing(`${target.file} does not exist`);
    const db = new Database(target.file, { fileMustExist: true });
    db.pragma('busy_timeout = 5000');
    return {
      query: (sql, params = []) =>
        Promise.resolve(db.prepare(sql).all(...params) as Record<string, unknown>[]),
      close: () => Promise.resolve(db.close()),
    };
  }
  const client = new Client({ connectionString: target.url });
  try {
    await client.connect();
  } catch (err) {
    if ((err as { code?: string }).code === '3D000') throw new Missing('no such database');
    throw err;
  }
  return {
    query: async (sql, params = []) => {
      let i = 0;
      return (
        await client.query(
          sql.replace(/\?/g, () => `$${++i}`),
          params,
        )
      ).rows;
    },
    close: () => client.end(),
  };
}

export interface Village {
  id: number;
  code: string;
  cadreId: number;
  cadreName: string;
}

export interface Shop {
  storeId: number;
  shopkeeperId: number;
  shopkeeperName: string;
}

export interface District {
  villages: Village[];
  /** By village id. */
  stores: Map<number, Shop>;
  villagerIds: Int32Array;
  villageOfVillager: Map<number, number>;
  ledgerEntries: number;
  /** Positive rules without a monthly cap: a deed can be recorded with them again and again. */
  deedRules: number[];
}

export async function readDistrict(query: Query): Promise<District> {
  let counts: Record<string, unknown>[];
  try {
    counts = await query('SELECT COUNT(*) AS n FROM ledger_entries');
  } catch {
    throw new Missing('the database has no schema');
  }
  const ledgerEntries = Number(counts[0].n);
  const villages = (
    await query(
      `SELECT v.id, v.code, u.id AS cadre_id, u.username FROM villages v
         JOIN users u ON u.village_id = v.id AND u.role = 'cadre' AND u.username = 'cadre-' || v.code
        ORDER BY v.id`,
    )
  ).map((r) => ({
    id: Number(r.id),
    code: String(r.code),
    cadreId: Number(r.cadre_id),
    cadreName: String(r.username),
  }));
  if (!villages.length || ledgerEntries === 0) throw new Missing('no generated district in it');
  const stores = new Map<number, Shop>();
  for (const r of await query(
    `SELECT sv.village_id, sv.store_id, u.id AS user_id, u.username FROM store_villages sv
       JOIN users u ON u.store_id = sv.store_id AND u.role = 'shopkeeper'`,
  )) {
    stores.set(Number(r.village_id), {
      storeId: Number(r.store_id),
      shopkeeperId: Number(r.user_id),
      shopkeeperName: String(r.username),
    });
  }
  const rows = await query('SELECT id, village_id FROM villagers ORDER BY id');
  const villagerIds = new Int32Array(rows.length);
  const villageOfVillager = new Map<number, number>();
  rows.forEach((r, i) => {
    villagerIds[i] = Number(r.id);
    villageOfVillager.set(Number(r.id), Number(r.village_id));
  });
  const deedRules = (
    await query(
      `SELECT id FROM rules WHERE points > 0 AND max_per_month IS NULL AND village_id IS NULL
        ORDER BY id`,
    )
  ).map((r) => Number(r.id));
  if (!deedRules.length) throw new Error('no positive rule without maxPerMonth in the catalogue');
  return { villages, stores, villagerIds, villageOfVillager, ledgerEntries, deedRules };
}

/** How much of a file is in the OS page cache, in percent (util-linux fincore), or null. */
export function pageCacheResidency(file: string): number | null {
  const r = spawnSync('fincore', ['--bytes', '--noheadings', '--output', 'RES,SIZE', file], {
    encoding: 'utf8',
  });
  if (r.status !== 0) return null;
  const [res, size] = r.stdout.trim().split(/\s+/).map(Number);
  return size > 0 ? Math.round((res / size) * 1000) / 10 : null;
}

/** Reads a file once from end to end so that it sits in the OS page cache. */
export function prewarm(file: string): void {
  const fd = openSync(file, 'r');
  const buffer = Buffer.allocUnsafe(4 << 20);
  try {
    let offset = 0;
    let n: number;
    while ((n = readSync(fd, buffer, 0, buffer.length, offset)) > 0) offset += n;
  } finally {
    closeSync(fd);
  }
}
