/**
 * `npm run bench:sheets` (also run at the end of `npm run bench`): the spreadsheet work of
 * docs/product.md against the built service, on a fresh SQLite file of its own.
 *
 *   - a district-scale month of ledger (BENCH_SHEETS_VILLAGES villages, default 150, of
 *     BENCH_SHEETS_VILLAGERS villagers each, default 2,700, and BENCH_SHEETS_ENTRIES entries in
 *     the month, default 300,000) exported by an admin as XLSX and as CSV: time, size, and the
 *     service's peak RSS (VmHWM) before and after — the target is < 300 MB;
 *   - the dry run and the import of a 3,000-row 花名册 (target < 5 s each) and the same file
 *     imported again (nothing changes);
 *   - a 500-villager bulk award (批量记分, target < 1 s).
 * The service runs as in production (node --max-old-space-size=192 dist/src/main.js).
 * Writes bench/results/sheets-<time>.json.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import ExcelJS from 'exceljs';
import { todayIn } from '../src/common/time';
import { withCheckChar } from '../src/villagers/id-number';
import {
  fmt,
  freePort,
  memoryOf,
  RESULTS_DIR,
  ROOT,
  startNode,
  TIME_ZONE,
  type Child,
} from './common';
import { Database } from './drivers';
import { SERVICE_HEAP_FLAG } from './report';

const SERVICE = resolve(ROOT, 'dist', 'src', 'main.js');
const VILLAGES = Number(process.env.BENCH_SHEETS_VILLAGES ?? 150);
const PER_VILLAGE = Number(process.env.BENCH_SHEETS_VILLAGERS ?? 2700);
const ENTRIES = Number(process.env.BENCH_SHEETS_ENTRIES ?? 300_000);
const ROSTER_ROWS = 3000;
const BULK = 500;
const ADMIN_PASSWORD = 'bench-admin-password';

const ms = (since: bigint) => Number(process.hrtime.bigint() - since) / 1e6;

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'cp-bench-sheets-'));
  const file = join(dir, 'sheets.sqlite');
  const env = {
    DATABASE_URL: `sqlite:${file}`,
    JWT_SECRET: 'bench-sheets-secret-bench-sheets-secret',
    ADMIN_PASSWORD,
    NODE_ENV: 'production',
    LOG_REQUESTS: '0',
    TIME_ZONE,
  };
  const start = async () =>
    startNode(SERVICE, env, await freePort(), '/api/health', 120_000, [SERVICE_HEAP_FLAG]);
  const month = todayIn(TIME_ZONE).slice(0, 7);
  const results: Record<string, unknown> = {
    villages: VILLAGES,
    villagersPerVillage: PER_VILLAGE,
    ledgerEntriesInMonth: ENTRIES,
    month,
  };
  let service: Child | null = null;
  try {
    // the schema, by the service's own migrations; then the district straight into the file
    service = await start();
    await service.stop();
    const filled = process.hrtime.bigint();
    fillDistrict(file, month);
    console.log(
      `District written in ${(ms(filled) / 1000).toFixed(1)} s: ${VILLAGES} villages, ` +
        `${fmt(VILLAGES * PER_VILLAGE)} villagers, ${fmt(ENTRIES)} ledger entries in ${month}`,
    );

    service = await start();
    const pid = service.proc.pid!;
    const http = api(service.url);
    const admin = await http.login('admin', ADMIN_PASSWORD);
    const atStart = memoryOf(pid);
    for (const format of ['xlsx', 'csv'] as const) {
      const t0 = process.hrtime.bigint();
      const res = await fetch(`${service.url}/api/exports/ledger?month=${month}&format=${format}`, {
        headers: { Authorization: `Bearer ${admin}` },
      });
      if (!res.ok) throw new Error(`export ${format}: ${res.status} ${await res.text()}`);
      let bytes = 0;
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        bytes += chunk.length;
      }
      const took = ms(t0);
      const mem = memoryOf(pid);
      results[`districtLedger_${format}`] = {
        ms: Math.round(took),
        megabytes: +(bytes / 2 ** 20).toFixed(1),
        rowsPerSecond: Math.round(ENTRIES / (took / 1000)),
        servicePeakRssMiB: mem && Math.round(mem.peakMiB),
        serviceRssAfterMiB: mem && Math.round(mem.rssMiB),
      };
    }
    results.serviceRssAtStartMiB = atStart && Math.round(atStart.rssMiB);

    // a village of its own for the roster and the bulk award
    const village = await http.json<{ id: number }>(admin, 'POST', '/api/villages', {
      code: `BENCH-SHEETS-${Date.now()}`,
      name: '导入村',
      town: '测试镇',
    });
    await http.json(admin, 'POST', '/api/users', {
      username: 'bench_sheets_cadre',
      password: 'Bench-Sheets-1',
      mustChangePassword: false,
      role: 'cadre',
      villageId: village.id,
    });
    const cadre = await http.login('bench_sheets_cadre', 'Bench-Sheets-1');
    const workbook = await rosterWorkbook();
    const upload = async (dryRun: boolean) => {
      const body = new FormData();
      body.append('file', new Blob([workbook]), 'roster.xlsx');
      const t0 = process.hrtime.bigint();
      const res = await fetch(
        `${service!.url}/api/villages/${village.id}/roster/import?dryRun=${dryRun}`,
        { method: 'POST', headers: { Authorization: `Bearer ${cadre}` }, body },
      );
      const report = (await res.json()) as Record<string, unknown>;
      if (!res.ok) throw new Error(`import: ${res.status} ${JSON.stringify(report).slice(0, 500)}`);
      return { ms: Math.round(ms(t0)), report };
    };
    const dry = await upload(true);
    const imported = await upload(false);
    const again = await upload(false);
    results.roster3000 = {
      bytes: workbook.length,
      dryRunMs: dry.ms,
      importMs: imported.ms,
      reimportMs: again.ms,
      imported: imported.report,
      reimported: again.report,
    };

    const rules = await http.json<{
      items: { id: number; points: number; maxPerMonth: number | null }[];
    }>(cadre, 'GET', '/api/rules?active=true&pageSize=200');
    const rule = rules.items.find((r) => r.points > 0 && r.maxPerMonth === null) ?? rules.items[0];
    const ids: number[] = [];
    for (let page = 1; ids.length < BULK; page++) {
      const list = await http.json<{ items: { id: number }[] }>(
        cadre,
        'GET',
        `/api/villagers?status=active&pageSize=200&page=${page}`,
      );
      ids.push(...list.items.map((v) => v.id));
    }
    const t0 = process.hrtime.bigint();
    const bulk = await http.json<{ results: { outcome: string }[] }>(
      cadre,
      'POST',
      '/api/deeds/bulk',
      {
        ruleId: rule.id,
        occurredOn: todayIn(TIME_ZONE),
        description: '义务劳动（测试）',
        villagerIds: ids.slice(0, BULK),
        batchKey: `bench-${Date.now()}`,
      },
    );
    results.bulkAward500 = {
      ms: Math.round(ms(t0)),
      awarded: bulk.results.filter((r) => r.outcome === 'awarded').length,
    };
    const mem = memoryOf(pid);
    results.servicePeakRssMiB = mem && Math.round(mem.peakMiB);
  } finally {
    await service?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  report(results);
}

function report(r: Record<string, unknown>) {
  const x = r.districtLedger_xlsx as Record<string, number>;
  const c = r.districtLedger_csv as Record<string, number>;
  const roster = r.roster3000 as Record<string, number>;
  const bulk = r.bulkAward500 as Record<string, number>;
  const row = (what: string, figure: string, target: string) =>
    console.log(`  ${what.padEnd(44)} ${figure.padStart(24)}   ${target}`);
  console.log('\nSpreadsheets (docs/product.md)');
  row(`district ledger export, XLSX (${fmt(ENTRIES)} rows)`, `${x.ms} ms, ${x.megabytes} MB`, '');
  row('  service peak RSS after it', `${x.servicePeakRssMiB} MiB`, 'target < 300 MB');
  row(`district ledger export, CSV`, `${c.ms} ms, ${c.megabytes} MB`, '');
  row('  service peak RSS after it', `${c.servicePeakRssMiB} MiB`, 'target < 300 MB');
  row(`roster dry run, ${ROSTER_ROWS} rows`, `${roster.dryRunMs} ms`, 'target < 5 s');
  row(`roster import, ${ROSTER_ROWS} rows`, `${roster.importMs} ms`, 'target < 5 s');
  row('the same roster again (nothing changes)', `${roster.reimportMs} ms`, '');
  row(`bulk award, ${BULK} villagers`, `${bulk.ms} ms`, 'target < 1 s');
  mkdirSync(RESULTS_DIR, { recursive: true });
  const out = resolve(RESULTS_DIR, `sheets-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(out, JSON.stringify(r, null, 2));
  console.log(`  (${out})`);
}

/** 150 villages of 2,700 villagers and a month of ledger entries, written in one transaction. */
function fillDistrict(file: string, month: string) {
  const db = new Database(file);
  const [y, m] = month.split('-').map(Number);
  const from = Date.UTC(y, m - 1, 1) - 8 * 3600_000 + 3600_000;
  const days = Math.max(1, Math.min(27, new Date().getUTCDate() - 1));
  db.exec('BEGIN');
  const village = db.prepare(
    `INSERT INTO villages (code, name, town, red_list_size, publicity_days, created_at) VALUES (?, ?, ?, 10, 3, datetime('now'))`,
  );
  const villager = db.prepare(
    `INSERT INTO villagers (village_id, household_id, name, id_number, phone, status, balance, created_at) VALUES (?, NULL, ?, NULL, NULL, 'active', 0, datetime('now'))`,
  );
  const entry = db.prepare(
    `INSERT INTO ledger_entries (villager_id, village_id, delta, kind, deed_id, redemption_id, balance_after, note, actor_id, created_at) VALUES (?, ?, ?, 'adjustment', NULL, NULL, ?, ?, 1, ?)`,
  );
  const villageIds: number[] = [];
  const firstVillager: number[] = [];
  for (let v = 0; v < VILLAGES; v++) {
    villageIds.push(Number(village.run(`BS-${v}`, `村${v}`, '测试镇').lastInsertRowid));
    for (let i = 0; i < PER_VILLAGE; i++) {
      const id = Number(villager.run(villageIds[v], `村民${v}-${i}`).lastInsertRowid);
      if (i === 0) firstVillager.push(id);
    }
  }
  for (let n = 0; n < ENTRIES; n++) {
    const v = n % VILLAGES;
    const at = new Date(from + Math.floor((n / ENTRIES) * days * 86_400_000));
    entry.run(
      firstVillager[v] + ((n * 7919) % PER_VILLAGE),
      villageIds[v],
      5,
      5,
      '清理河道、义务劳动',
      at.toISOString().replace('T', ' ').replace('Z', ''),
    );
  }
  db.exec('COMMIT');
  db.close();
}

/** A 3,000-row 花名册: 750 households of four, every villager with a valid ID number. */
async function rosterWorkbook(): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet('花名册');
  ws.addRow(['户号', '户主', '村民小组', '姓名', '身份证号', '电话', '状态']);
  ws.getColumn(5).numFmt = '@';
  for (let i = 0; i < ROSTER_ROWS; i++) {
    const h = Math.floor(i / 4);
    const day = String(1 + (i % 28)).padStart(2, '0');
    const seq = String(Math.floor(i / 28)).padStart(3, '0');
    ws.addRow([
      `H${String(h).padStart(4, '0')}`,
      `户主${h}`,
      `${1 + (h % 12)}组`,
      i % 4 === 0 ? `户主${h}` : `村民${i}`,
      withCheckChar(`43010219800${1 + (i % 9)}${day}${seq}`.slice(0, 17)),
      i % 3 === 0 ? `138${String(i).padStart(8, '0')}` : null,
      null,
    ]);
  }
  return Buffer.from(await wb.xlsx.writeBuffer());
}

function api(base: string) {
  const json = async <T = unknown>(token: string, method: string, path: string, body?: unknown) => {
    const res = await fetch(base + path, {
      method,
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const data = (await res.json()) as T;
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(data)}`);
    return data;
  };
  return {
    json,
    async login(username: string, password: string): Promise<string> {
      const res = await fetch(`${base}/api/auth/login`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ username, password }),
      });
      if (!res.ok) throw new Error(`login ${username}: ${res.status}`);
      return ((await res.json()) as { accessToken: string }).accessToken;
    },
  };
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
