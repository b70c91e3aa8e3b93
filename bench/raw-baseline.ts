/**
 * The raw baseline for `npm run bench`: the service's two write transactions (record a deed,
 * redeem goods) served by plain node:http and the bare driver — no framework, no ORM, no
 * validation library — so the benchmark can say what the framework costs.
 *
 * It does what the service does for these requests, statement for statement: verify an HS256
 * bearer token with node:crypto, parse and minimally validate the JSON body, then one transaction
 * (the same SELECTs, INSERTs and conditional UPDATEs, in the same order — a deed also writes its
 * audit event and the villager's notice, as the service does), on the same database
 * with the same durability settings (SQLite: WAL, synchronous=FULL, busy_timeout, foreign keys;
 * PostgreSQL: a pool of DB_POOL_SIZE connections, default commit settings). On SQLite
 * transactions run one after another, as the service's Tx helper runs them.
 *
 * Env: DATABASE_URL (sqlite:PATH or postgres://…), JWT_SECRET, PORT, TIME_ZONE.
 */
import { createHash, createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { Pool, type PoolClient } from 'pg';
import { todayIn } from '../src/common/time';
import { benchTarget, TIME_ZONE } from './common';
import { Database, type SqliteStatement } from './drivers';

// ── a tiny database layer over both drivers ────────────────────────────────────────────

interface Conn {
  all(sql: string, params: unknown[]): Promise<Record<string, unknown>[]>;
  /** Rows changed, and the id of an INSERT … RETURNING id. */
  run(sql: string, params: unknown[]): Promise<{ changes: number; id: number | null }>;
}

interface Db {
  pg: boolean;
  tx<T>(work: (c: Conn) => Promise<T>): Promise<T>;
  now(): unknown;
}

/** The service's pragmas (src/db/sqlite.ts prepareSqlite), set the same way here. */
function sqliteDb(file: string): Db {
  const db = new Database(file, { fileMustExist: true });
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('busy_timeout = 5000');
  db.pragma('foreign_keys = ON');
  const cache = new Map<string, SqliteStatement>();
  const prepare = (sql: string) => {
    let s = cache.get(sql);
    if (!s) cache.set(sql, (s = db.prepare(sql)));
    return s;
  };
  const conn: Conn = {
    all: (sql, params) => Promise.resolve(prepare(sql).all(...params) as Record<string, unknown>[]),
    run(sql, params) {
      if (/RETURNING id$/.test(sql)) {
        const row = prepare(sql).get(...params) as { id: number } | undefined;
        return Promise.resolve({ changes: row ? 1 : 0, id: row ? row.id : null });
      }
      return Promise.resolve({ changes: prepare(sql).run(...params).changes, id: null });
    },
  };
  // One connection: transactions queue, like the service's Tx helper on SQLite.
  let queue: Promise<unknown> = Promise.resolve();
  return {
    pg: false,
    now: () => new Date().toISOString().replace('T', ' ').replace('Z', ''),
    tx<T>(work: (c: Conn) => Promise<T>): Promise<T> {
      const once = async () => {
        db.exec('BEGIN');
        try {
          const result = await work(conn);
          db.exec('COMMIT');
          return result;
        } catch (err) {
          db.exec('ROLLBACK');
          throw err;
        }
      };
      const result = queue.then(once, once);
      queue = result.catch(() => undefined);
      return result;
    },
  };
}

function postgresDb(url: string): Db {
  const pool = new Pool({ connectionString: url, max: Number(process.env.DB_POOL_SIZE) || 10 });
  const numbered = new Map<string, string>();
  const text = (sql: string) => {
    let t = numbered.get(sql);
    if (!t) {
      let i = 0;
      numbered.set(sql, (t = sql.replace(/\?/g, () => `$${++i}`)));
    }
    return t;
  };
  const connOf = (client: PoolClient): Conn => ({
    all: async (sql, params) => (await client.query(text(sql), params)).rows,
    async run(sql, params) {
      const r = await client.query(text(sql), params);
      return { changes: r.rowCount ?? 0, id: r.rows[0]?.id ?? null };
    },
  });
  return {
    pg: true,
    now: () => new Date(),
    async tx<T>(work: (c: Conn) => Promise<T>): Promise<T> {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const result = await work(connOf(client));
        await client.query('COMMIT');
        return result;
      } catch (err) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw err;
      } finally {
        client.release();
      }
    },
  };
}

// ── HTTP plumbing ─────────────────────────────────────────────────────────────────────

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly code?: string,
  ) {
    super(message);
  }
}

interface Caller {
  id: number;
  role: string;
  villageId: number | null;
  storeId: number | null;
}

const secret = process.env.JWT_SECRET ?? '';
if (secret.length < 32) throw new Error('JWT_SECRET: at least 32 characters');

/** HS256 only, signature compared in constant time, expiry checked. */
function verifyToken(header: string | undefined): Caller {
  const m = /^Bearer ([\w-]+)\.([\w-]+)\.([\w-]+)$/.exec(header ?? '');
  if (!m) throw new HttpError(401, 'Unauthorized');
  const expected = createHmac('sha256', secret).update(`${m[1]}.${m[2]}`).digest();
  const given = Buffer.from(m[3], 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    throw new HttpError(401, 'Unauthorized');
  }
  const head = JSON.parse(Buffer.from(m[1], 'base64url').toString());
  const claims = JSON.parse(Buffer.from(m[2], 'base64url').toString());
  if (head.alg !== 'HS256' || typeof claims.exp !== 'number' || claims.exp * 1000 < Date.now()) {
    throw new HttpError(401, 'Unauthorized');
  }
  return {
    id: claims.sub,
    role: claims.role,
    villageId: claims.villageId,
    storeId: claims.storeId,
  };
}

function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > 100 * 1024) reject(new HttpError(413, 'Payload Too Large'));
      else chunks.push(c);
    });
    req.on('end', () => {
      try {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
        if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new Error();
        resolve(body);
      } catch {
        reject(new HttpError(400, 'body must be a JSON object'));
      }
    });
    req.on('error', reject);
  });
}

const isId = (v: unknown): v is number =>
  Number.isInteger(v) && (v as number) >= 1 && (v as number) <= 2147483647;

// ── POST /api/deeds (a cadre records a deed: approved at once, one ledger entry) ─────────

async function recordDeed(db: Db, caller: Caller, body: Record<string, unknown>) {
  if (caller.role !== 'cadre') throw new HttpError(403, 'Forbidden');
  const { villagerId, ruleId, occurredOn, description } = body;
  if (!isId(villagerId)) throw new HttpError(400, 'villagerId must be an id');
  if (!isId(ruleId)) throw new HttpError(400, 'ruleId must be an id');
  if (typeof occurredOn !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(occurredOn)) {
    throw new HttpError(400, 'occurredOn must be a date YYYY-MM-DD');
  }
  const d = new Date(`${occurredOn}T00:00:00Z`);
  if (Number.isNaN(d.getTime()) || d.toISOString().slice(0, 10) !== occurredOn) {
    throw new HttpError(400, 'occurredOn is not a real date');
  }
  if (occurredOn > todayIn(TIME_ZONE))
    throw new HttpError(400, 'occurredOn must not be in the future');
  const text = typeof description === 'string' ? description.trim() : '';
  if (text.length < 1 || text.length > 500)
    throw new HttpError(400, 'description: 1-500 characters');
  const evidence = typeof body.evidence === 'string' ? body.evidence.trim().slice(0, 1000) : null;

  return db.tx(async (c) => {
    const [villager] = await c.all(
      `SELECT * FROM villagers WHERE id = ?${db.pg ? ' FOR UPDATE' : ''}`,
      [villagerId],
    );
    if (!villager) throw new HttpError(404, 'Villager not found');
    if (villager.village_id !== caller.villageId) throw new HttpError(403, 'Forbidden');
    if (villager.status !== 'active') throw new HttpError(409, 'villager is not active');
    const [rule] = await c.all('SELECT * FROM rules WHERE id = ?', [ruleId]);
    if (!rule || (rule.village_id !== null && rule.village_id !== villager.village_id)) {
      throw new HttpError(400, 'ruleId: no such rule for this village');
    }
    if (!rule.active) throw new HttpError(409, 'rule is inactive', 'RULE_INACTIVE');
    const now = db.now();
    const month = occurredOn.slice(0, 7);
    const { id } = await c.run(
      `INSERT INTO deeds (village_id, villager_id, rule_id, rule_title, category, points,
         occurred_on, month, description, evidence, source, status, recorded_by, recorded_at,
         reviewed_by, reviewed_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'cadre', 'approved', ?, ?, ?, ?) RETURNING id`,
      [
        villager.village_id,
        villagerId,
        rule.id,
        rule.title,
        rule.category,
        rule.points,
        occurredOn,
        month,
        text,
        evidence,
        caller.id,
        now,
        caller.id,
        now,
      ],
    );
    if (rule.max_per_month !== null) {
      const [{ n }] = await c.all(
        `SELECT COUNT(*) AS n FROM deeds
          WHERE villager_id = ? AND rule_id = ? AND month = ? AND status = 'approved'`,
        [villagerId, rule.id, month],
      );
      if (Number(n) - 1 >= Number(rule.max_per_month)) {
        throw new HttpError(409, 'monthly limit reached', 'MONTHLY_CAP_REACHED');
      }
    }
    const deed = {
      id,
      villageId: villager.village_id,
      villagerId,
      ruleId: rule.id,
      ruleTitle: rule.title,
      category: rule.category,
      points: rule.points,
      occurredOn,
      month,
      description: text,
      evidence,
      source: 'cadre',
      status: 'approved',
      recordedBy: caller.id,
      recordedAt: now,
      reviewedBy: caller.id,
      reviewedAt: now,
    };
    // the service's audit event: every field of the new deed, from nothing
    const changes = Object.fromEntries(
      Object.entries(deed).map(([k, v]) => [k, [null, v instanceof Date ? v.toISOString() : v]]),
    );
    await c.run(
      `INSERT INTO audit_events (at, actor_id, role, action, entity_type, entity_id, village_id,
         changes, reason, request_id)
       VALUES (?, ?, 'cadre', 'deed.record', 'deed', ?, ?, ?, NULL, ?) RETURNING id`,
      [now, caller.id, id, villager.village_id, JSON.stringify(changes), randomUUID()],
    );
    const entry = await post(c, db, {
      villagerId,
      delta: Number(rule.points),
      kind: 'deed',
      deedId: id,
      actorId: caller.id,
    });
    // and the villager's notice
    await c.run(
      `INSERT INTO notices (at, kind, audience, villager_id, village_id, title, body, link, key)
       VALUES (?, 'deed.recorded', 'villager', ?, NULL, ?, ?, '/villager/history', NULL)
       RETURNING id`,
      [now, villagerId, `获得积分 +${rule.points} 分`, `「${rule.title}」：${text}`],
    );
    return { ...deed, balanceAfter: entry.balanceAfter };
  });
}

/** LedgerService.post: move the cached balance (conditionally for a debit), read it, append. */
async function post(
  c: Conn,
  db: Db,
  e: {
    villagerId: number;
    delta: number;
    kind: string;
    actorId: number;
    deedId?: number | null;
    redemptionId?: number | null;
  },
  requireFunds = false,
) {
  const { changes } = await c.run(
    `UPDATE villagers SET balance = balance + (${e.delta}) WHERE id = ?` +
      (requireFunds ? ' AND balance + (?) >= 0' : ''),
    requireFunds ? [e.villagerId, e.delta] : [e.villagerId],
  );
  if (changes !== 1) throw new HttpError(409, 'not enough points', 'INSUFFICIENT_POINTS');
  const [{ balance, village_id }] = await c.all(
    'SELECT balance, village_id FROM villagers WHERE id = ?',
    [e.villagerId],
  );
  const { id } = await c.run(
    `INSERT INTO ledger_entries (villager_id, village_id, delta, kind, deed_id, redemption_id,
       balance_after, note, actor_id, created_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, NULL, ?, ?) RETURNING id`,
    [
      e.villagerId,
      village_id,
      e.delta,
      e.kind,
      e.deedId ?? null,
      e.redemptionId ?? null,
      balance,
      e.actorId,
      db.now(),
    ],
  );
  return { id, balanceAfter: Number(balance) };
}

// ── POST /api/redemptions (a shopkeeper redeems goods; Idempotency-Key) ──────────────────

async function redeem(db: Db, caller: Caller, body: Record<string, unknown>, key?: string) {
  if (caller.role !== 'shopkeeper') throw new HttpError(403, 'Forbidden');
  const { villagerId, storeId, items } = body;
  if (!isId(villagerId)) throw new HttpError(400, 'villagerId must be an id');
  if (!isId(storeId)) throw new HttpError(400, 'storeId must be an id');
  if (!Array.isArray(items) || items.length < 1 || items.length > 50) {
    throw new HttpError(400, 'items: 1-50 lines');
  }
  const merged = new Map<number, number>();
  for (const line of items as Record<string, unknown>[]) {
    const q = line?.quantity;
    if (
      !isId(line?.goodsId) ||
      !Number.isInteger(q) ||
      (q as number) < 1 ||
      (q as number) > 10000
    ) {
      throw new HttpError(400, 'items: goodsId and quantity 1-10000');
    }
    merged.set(line.goodsId, (merged.get(line.goodsId) ?? 0) + (q as number));
  }
  if (key !== undefined && !/^[\x21-\x7e]{1,100}$/.test(key)) {
    throw new HttpError(400, 'Idempotency-Key must be 1-100 visible ASCII characters');
  }
  if (caller.storeId !== storeId) throw new HttpError(403, 'Forbidden');
  const lines = [...merged.entries()].sort(([a], [b]) => a - b);
  const hash =
    key === undefined
      ? null
      : createHash('sha256')
          .update(JSON.stringify({ villagerId, storeId, items: lines }))
          .digest('hex');

  return db.tx(async (c) => {
    if (key !== undefined) {
      const [earlier] = await c.all(
        'SELECT * FROM redemptions WHERE store_id = ? AND idempotency_key = ?',
        [storeId, key],
      );
      if (earlier) {
        if (earlier.request_hash !== hash) throw new HttpError(409, 'key reused');
        return { ...earlier, replay: true };
      }
    }
    const [villager] = await c.all('SELECT * FROM villagers WHERE id = ?', [villagerId]);
    if (!villager) throw new HttpError(404, 'Villager not found');
    const served = await c.all(
      'SELECT 1 AS x FROM store_villages WHERE store_id = ? AND village_id = ? LIMIT 1',
      [storeId, villager.village_id],
    );
    if (!served.length) throw new HttpError(409, 'village not served');
    if (villager.status !== 'active') throw new HttpError(409, 'villager not active');
    const ids = lines.map(([g]) => g);
    const goods = await c.all(
      `SELECT * FROM goods WHERE id IN (${ids.map(() => '?').join(', ')}) AND store_id = ?`,
      [...ids, storeId],
    );
    const byId = new Map(goods.map((g) => [Number(g.id), g]));
    if (ids.some((g) => !byId.has(g))) throw new HttpError(404, 'Goods not found');
    if (goods.some((g) => !g.active)) throw new HttpError(409, 'goods inactive');
    const priced = lines.map(([goodsId, quantity]) => ({
      goodsId,
      quantity,
      goodsName: byId.get(goodsId)!.name as string,
      unitPrice: Number(byId.get(goodsId)!.points_price),
    }));
    const total = priced.reduce((s, l) => s + l.unitPrice * l.quantity, 0);
    if (total > 2147483647) throw new HttpError(409, 'not enough points');
    const now = db.now();
    const { id } = await c.run(
      `INSERT INTO redemptions (store_id, villager_id, village_id, total, status, idempotency_key,
         request_hash, operator_id, created_at, cancelled_by, cancelled_at, cancel_reason)
       VALUES (?, ?, ?, ?, 'completed', ?, ?, ?, ?, NULL, NULL, NULL)` +
        (db.pg && key !== undefined ? ' ON CONFLICT DO NOTHING' : '') +
        ' RETURNING id',
      [storeId, villagerId, villager.village_id, total, key ?? null, hash, caller.id, now],
    );
    if (id === null) throw new HttpError(409, 'concurrent request with this key');
    await c.run(
      `INSERT INTO redemption_items (redemption_id, goods_id, goods_name, quantity, unit_price)
       VALUES ${priced.map(() => '(?, ?, ?, ?, ?)').join(', ')}`,
      priced.flatMap((l) => [id, l.goodsId, l.goodsName, l.quantity, l.unitPrice]),
    );
    await post(
      c,
      db,
      { villagerId, delta: -total, kind: 'redemption', actorId: caller.id, redemptionId: id },
      true,
    );
    for (const l of priced) {
      const { changes } = await c.run(
        'UPDATE goods SET stock = stock + (?) WHERE id = ? AND stock >= ? AND stock <= ?',
        [-l.quantity, l.goodsId, l.quantity, 2147483647],
      );
      const [g] = await c.all('SELECT name, stock FROM goods WHERE id = ?', [l.goodsId]);
      if (changes !== 1) throw new HttpError(409, `not enough stock of ${g.name}`, 'OUT_OF_STOCK');
      await c.run(
        `INSERT INTO stock_movements (goods_id, delta, reason, redemption_id, note, actor_id, created_at)
         VALUES (?, ?, 'redemption', ?, NULL, ?, ?) RETURNING id`,
        [l.goodsId, -l.quantity, id, caller.id, db.now()],
      );
    }
    return {
      id,
      storeId,
      villagerId,
      villageId: villager.village_id,
      total,
      status: 'completed',
      items: priced.map((l) => ({ ...l, amount: l.unitPrice * l.quantity })),
      operatorId: caller.id,
      createdAt: now,
      idempotencyKey: key ?? null,
    };
  });
}

// ── the server ───────────────────────────────────────────────────────────────────────────

function send(res: ServerResponse, status: number, body: unknown): void {
  const json = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(json),
  });
  res.end(json);
}

function main(): void {
  const target = benchTarget();
  const db = target.kind === 'sqlite' ? sqliteDb(target.file) : postgresDb(target.url);
  const server = createServer((req, res) => {
    const handle = async () => {
      if (req.method === 'GET' && req.url === '/api/health')
        return send(res, 200, { status: 'ok' });
      if (req.method !== 'POST' || (req.url !== '/api/deeds' && req.url !== '/api/redemptions')) {
        throw new HttpError(404, 'Not Found');
      }
      const caller = verifyToken(req.headers.authorization);
      const body = await readJson(req);
      if (req.url === '/api/deeds') return send(res, 201, await recordDeed(db, caller, body));
      const key = req.headers['idempotency-key'];
      return send(
        res,
        201,
        await redeem(db, caller, body, typeof key === 'string' ? key : undefined),
      );
    };
    handle().catch((err: unknown) => {
      if (err instanceof HttpError) {
        send(res, err.status, { statusCode: err.status, message: err.message, code: err.code });
      } else {
        console.error(err);
        send(res, 500, { statusCode: 500, message: 'Internal server error' });
      }
    });
  });
  const port = Number(process.env.PORT ?? 3100);
  server.listen(port, '127.0.0.1', () => console.log(`raw baseline listening on :${port}`));
  process.on('SIGTERM', () => server.close(() => process.exit(0)));
}

main();
