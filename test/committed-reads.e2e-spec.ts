import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ctxOf } from '../src/common/request-context';
import { Tx } from '../src/db/transaction';
import { LedgerEntry } from '../src/ledger/ledger-entry.entity';
import { LedgerService } from '../src/ledger/ledger.service';
import { Villager } from '../src/villagers/villager.entity';
import { bearer, createTestApp, isPostgres, TestApp } from './app';
import { ADMIN_CALLER } from './factories';

/**
 * A read outside a transaction sees committed data only, never the rows of a transaction that is
 * still open (and may roll back). On SQLite the service's reads share the process with the
 * writer's connection: a file database reads on a second connection (WAL keeps it at the last
 * commit), an in-memory one waits its turn between transactions. PostgreSQL reads committed data
 * by itself; the same proofs run there.
 */
const modes: { name: string; env: () => Record<string, string>; readsQueue: boolean }[] = isPostgres
  ? [{ name: 'PostgreSQL', env: () => ({}), readsQueue: false }]
  : [
      {
        name: 'SQLite file',
        env: () => ({ DATABASE_URL: `sqlite:${join(dir, 'reads.sqlite')}` }),
        readsQueue: false,
      },
      // no second connection can see an in-memory database: reads wait between transactions
      { name: 'SQLite in memory', env: () => ({}), readsQueue: true },
    ];
let dir: string;
beforeAll(() => (dir = mkdtempSync(join(tmpdir(), 'cp-reads-'))));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.each(modes)('$name', ({ env, readsQueue }) => {
  let t: TestApp;
  let tx: Tx;
  let ledger: LedgerService;
  let admin: string;
  beforeAll(async () => {
    t = await createTestApp(env());
    tx = t.app.get(Tx);
    ledger = t.app.get(LedgerService);
    admin = await t.adminToken();
  });
  afterAll(() => t.close());

  /** A transaction that writes one entry, waits at the gate, writes another, then ends. */
  function heldTransaction(villagerId: number, end: 'commit' | 'rollback') {
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    let firstWritten!: () => void;
    const midway = new Promise<void>((resolve) => (firstWritten = resolve));
    const done = tx.run(async (em) => {
      const ctx = ctxOf(em, ADMIN_CALLER);
      await ledger.credit(ctx, { villagerId, kind: 'adjustment' }, 7);
      firstWritten();
      await gate;
      await ledger.credit(ctx, { villagerId, kind: 'adjustment' }, 5);
      if (end === 'rollback') throw new Error('rolled back on purpose');
    });
    return {
      midway,
      open,
      done: done.then(
        () => 'committed',
        () => 'rolled back',
      ),
    };
  }

  const pointsOf = (villagerId: number) =>
    t
      .http()
      .get(`/api/villagers/${villagerId}/points`)
      .set(bearer(admin))
      .expect(200)
      .then((r) => ({ balance: r.body.balance, entries: r.body.entries.total }));

  it.each(['commit', 'rollback'] as const)(
    'a read while a transaction is open between two writes sees neither (then %s)',
    async (end) => {
      const village = await t.newVillage();
      const v = await t.newVillager(village.id);
      const held = heldTransaction(v.id, end);
      await held.midway;
      const reads = Promise.all([
        pointsOf(v.id),
        t.ds.getRepository(Villager).findOneByOrFail({ id: v.id }),
        t.ds.getRepository(LedgerEntry).countBy({ villagerId: v.id }),
      ]);
      held.open();
      expect(await held.done).toBe(end === 'commit' ? 'committed' : 'rolled back');
      const [points, villager, entries] = await reads;
      // Before the transaction, or (a read that waited its turn) after it: never half of it.
      const after = end === 'commit' ? { balance: 12, entries: 2 } : { balance: 0, entries: 0 };
      expect([{ balance: 0, entries: 0 }, after]).toContainEqual(points);
      expect([0, after.balance]).toContain(villager.balance);
      expect([0, after.entries]).toContain(entries);
      expect(await pointsOf(v.id)).toEqual(after);
    },
  );

  // In memory a write waits for an open snapshot, so there is no commit to race it with.
  (readsQueue ? it.skip : it)(
    'while a snapshot is open, other reads still see the latest commit (own writes included)',
    async () => {
      const village = await t.newVillage();
      const v = await t.newVillager(village.id);
      let open!: () => void;
      const gate = new Promise<void>((resolve) => (open = resolve));
      let started!: () => void;
      const midway = new Promise<void>((resolve) => (started = resolve));
      const snapshot = tx.read(async (em) => {
        await em.countBy(LedgerEntry, { villagerId: v.id });
        started();
        await gate;
      });
      await midway;
      await tx.run((em) =>
        ledger.credit(ctxOf(em, ADMIN_CALLER), { villagerId: v.id, kind: 'adjustment' }, 4),
      );
      expect(await t.ds.getRepository(LedgerEntry).countBy({ villagerId: v.id })).toBe(1);
      expect((await t.ds.getRepository(Villager).findOneByOrFail({ id: v.id })).balance).toBe(4);
      open();
      await snapshot;
    },
  );

  it('several reads in tx.read see one snapshot, whatever commits meanwhile', async () => {
    const village = await t.newVillage();
    const v = await t.newVillager(village.id);
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    let firstRead!: () => void;
    const midway = new Promise<void>((resolve) => (firstRead = resolve));
    const snapshot = tx.read(async (em) => {
      const before = await em.countBy(LedgerEntry, { villagerId: v.id });
      firstRead();
      await gate;
      return [before, await em.countBy(LedgerEntry, { villagerId: v.id })];
    });
    await midway;
    const write = tx.run((em) =>
      ledger.credit(ctxOf(em, ADMIN_CALLER), { villagerId: v.id, kind: 'adjustment' }, 3),
    );
    // The write commits while the snapshot is open, unless it has to wait for it.
    if (!readsQueue) await write;
    open();
    expect(await snapshot).toEqual([0, 0]);
    await write;
    expect(await pointsOf(v.id)).toEqual({ balance: 3, entries: 1 });
  });
});
