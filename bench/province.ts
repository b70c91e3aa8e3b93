/**
 * `npm run bench:province` (PostgreSQL; not in CI, it takes hours at full size): the district
 * benchmark at province scale, once per layout of the history tables, so that partitioning is
 * measured against the same data without it (docs/performance.md, "Province scale").
 *
 * For each layout — `unpartitioned` (the schema before migrations/1764300000000) and
 * `partitioned` (months, as the migrations make it) — one after the other, since the disk holds
 * one at a time:
 *   1. a new database on PROVINCE_URL's server;
 *   2. `bench:data` in that layout at BENCH_SCALE (default 10: 1,500 villages × 2,700 villagers,
 *      ~100 M deeds and ~100 M ledger entries over 12 months), written in bulk;
 *   3. `bench` (bench/bench.ts) against it: record-deed (and one villager) and redemption against
 *      the raw `pg` baseline, points histories, one village's month, every village's month one
 *      after another, the district's and a town's dashboard;
 *   4. the database's size; then it is dropped.
 * Prints the figures side by side and writes bench/results/province-<time>.json.
 *
 * Env: PROVINCE_URL (default postgres://postgres@127.0.0.1:5432/cp_province), BENCH_SCALE,
 * BENCH_LAYOUTS (default unpartitioned,partitioned), and bench's own (BENCH_DURATION, BENCH_ROUNDS).
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Client } from 'pg';
import { fmt, RESULTS_DIR, ROOT } from './common';

const URL_ = process.env.PROVINCE_URL ?? 'postgres://postgres@127.0.0.1:5432/cp_province';
const SCALE = process.env.BENCH_SCALE ?? '10';
const LAYOUTS = (process.env.BENCH_LAYOUTS ?? 'unpartitioned,partitioned').split(',');

interface Figures {
  layout: string;
  loadSeconds: number;
  databaseGiB: number;
  ledgerEntries: number;
  villages: number;
  recordDeed: { service: number; baseline: number; ratio: number };
  oneVillager: { service: number; baseline: number; ratio: number };
  redemption: { service: number; baseline: number; ratio: number };
  historyP99Ms: number;
  oneVillageMonthMs: number;
  everyVillageMedianMs: number;
  /** Every village's month one after another, scaled to a district's 150 villages. */
  districtListsSeconds: number;
  districtDashboardMs: number;
  townDashboardMs: number;
}

async function admin<T>(work: (c: Client) => Promise<T>): Promise<T> {
  const url = new URL(URL_);
  url.pathname = '/postgres';
  const c = new Client({ connectionString: url.toString() });
  await c.connect();
  try {
    return await work(c);
  } finally {
    await c.end();
  }
}

const database = new URL(URL_).pathname.slice(1);

function node(script: string, env: Record<string, string>): void {
  const r = spawnSync(process.execPath, [resolve(ROOT, 'dist', 'bench', script)], {
    env: { ...process.env, ...env, DATABASE_URL: URL_ },
    stdio: 'inherit',
  });
  if (r.status !== 0) throw new Error(`${script} failed (exit ${r.status})`);
}

function newestBenchResult(after: number): Record<string, any> {
  const files = readdirSync(RESULTS_DIR)
    .filter((f) => /^bench-.*Z\.json$/.test(f))
    .map((f) => resolve(RESULTS_DIR, f))
    .map((f) => ({ f, data: JSON.parse(readFileSync(f, 'utf8')) as Record<string, any> }))
    .filter(({ data }) => new Date(data.startedAt).getTime() >= after)
    .sort((a, b) => new Date(b.data.startedAt).getTime() - new Date(a.data.startedAt).getTime());
  if (!files.length) throw new Error('bench wrote no result');
  return files[0].data;
}

const pair = (c: any) => ({
  service: c.service.reqPerSec,
  baseline: c.baseline.reqPerSec,
  ratio: c.ratio,
});

async function one(layout: string): Promise<Figures> {
  console.log(`\n══ ${layout} ══`);
  await admin(async (c) => {
    await c.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    await c.query(`CREATE DATABASE ${database}`);
  });
  const t0 = Date.now();
  node('data.js', { BENCH_LAYOUT: layout, BENCH_SCALE: SCALE });
  const loadSeconds = Math.round((Date.now() - t0) / 1000);
  const started = Date.now();
  node('bench.js', {});
  const r = newestBenchResult(started);
  const size = await admin(
    async (c) =>
      (await c.query(`SELECT pg_database_size($1) AS b`, [database])).rows[0].b as string,
  );
  await admin((c) => c.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`));
  const results = r.results ?? r;
  const evaluation = results.evaluation;
  return {
    layout,
    loadSeconds,
    databaseGiB: Math.round((Number(size) / 2 ** 30) * 10) / 10,
    ledgerEntries: r.district.ledgerEntries,
    villages: r.district.villages,
    recordDeed: pair(results.recordDeed),
    oneVillager: pair(results.recordDeedOneVillager),
    redemption: pair(results.redemption),
    historyP99Ms: Object.values(results.history as Record<string, { p99: number }>)[0].p99,
    oneVillageMonthMs: evaluation.oneVillage.medianOfNextFiveMs,
    everyVillageMedianMs: evaluation.wholeDistrict.medianVillageMs,
    districtListsSeconds:
      Math.round(
        (evaluation.wholeDistrict.seconds / evaluation.wholeDistrict.villages) * 150 * 10,
      ) / 10,
    districtDashboardMs: results.dashboard.district.medianMs,
    townDashboardMs: results.dashboard.town.medianMs,
  };
}

async function main(): Promise<void> {
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const figures: Figures[] = [];
  for (const layout of LAYOUTS) figures.push(await one(layout));
  const rows: [string, (f: Figures) => string][] = [
    ['ledger entries', (f) => fmt(f.ledgerEntries)],
    ['villages', (f) => fmt(f.villages)],
    ['load (s)', (f) => fmt(f.loadSeconds)],
    ['database (GiB)', (f) => String(f.databaseGiB)],
    [
      'record-deed req/s (service / raw)',
      (f) =>
        `${fmt(f.recordDeed.service)} / ${fmt(f.recordDeed.baseline)} = ${f.recordDeed.ratio}×`,
    ],
    [
      'record-deed one villager req/s',
      (f) =>
        `${fmt(f.oneVillager.service)} / ${fmt(f.oneVillager.baseline)} = ${f.oneVillager.ratio}×`,
    ],
    [
      'redemption req/s (service / raw)',
      (f) =>
        `${fmt(f.redemption.service)} / ${fmt(f.redemption.baseline)} = ${f.redemption.ratio}×`,
    ],
    ['points history p99 (ms)', (f) => String(f.historyP99Ms)],
    ['one village’s month (ms)', (f) => String(f.oneVillageMonthMs)],
    ['every village’s month, median (ms)', (f) => String(f.everyVillageMedianMs)],
    ['a district’s monthly lists, 150 villages (s)', (f) => String(f.districtListsSeconds)],
    ['district dashboard (ms)', (f) => String(f.districtDashboardMs)],
    ['one town’s dashboard (ms)', (f) => String(f.townDashboardMs)],
  ];
  console.log(`\nProvince scale (BENCH_SCALE ${SCALE}):`);
  console.log(`| figure | ${figures.map((f) => f.layout).join(' | ')} |`);
  console.log(`|---|${figures.map(() => '---').join('|')}|`);
  for (const [name, of] of rows) console.log(`| ${name} | ${figures.map(of).join(' | ')} |`);
  const file = resolve(RESULTS_DIR, `province-${stamp}.json`);
  writeFileSync(file, JSON.stringify({ scale: Number(SCALE), figures }, null, 2));
  console.log(`\nWritten ${file}`);
}

main().catch((err) => {
  console.error(`bench:province failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
