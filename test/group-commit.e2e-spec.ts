import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource, EntityManager } from 'typeorm';
import { dataSourceOptions } from '../src/db/data-source';
import { GROUP_SLICE_MS, SqliteConnections } from '../src/db/sqlite';
import { Tx } from '../src/db/transaction';
import { isPostgres } from './app';

/**
 * Group commit in the SQLite writer (`src/db/sqlite.ts`): transactions that queue up while the
 * writer is busy run in one BEGIN IMMEDIATE … COMMIT, a savepoint each. Every proof holds the
 * first job of a group at a gate so that the others are sure to join the same group.
 */
(isPostgres ? describe.skip : describe)('SQLite group commit', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cp-group-'));
  let ds: DataSource;
  let connections: SqliteConnections;
  let tx: Tx;
  const batches: number[] = [];

  beforeAll(async () => {
    ds = await new DataSource(
      dataSourceOptions({ type: 'sqlite', path: join(dir, 'group.sqlite') }),
    ).initialize();
    await ds.runMigrations({ transaction: 'all' });
    connections = SqliteConnections.install(ds);
    tx = new Tx(ds);
    tx.observeBatches((size) => batches.push(size));
  });
  afterAll(async () => {
    await ds.destroy();
    rmSync(dir, { recursive: true, force: true });
  });
  beforeEach(async () => {
    batches.length = 0;
    await ds.query('DELETE FROM rate_limits');
  });

  const put = (em: EntityManager, key: string) =>
    em.query('INSERT INTO rate_limits (key, window_start, hits) VALUES (?, 0, 1)', [key]);
  /** Keys committed, read on the read-only connection (it sees the last COMMIT only). */
  const committed = async (): Promise<string[]> =>
    (await ds.query<{ key: string }[]>('SELECT key FROM rate_limits ORDER BY key')).map(
      (r) => r.key,
    );

  /** A first job that writes `key` and then waits at a gate, holding the group open. */
  function held(key: string) {
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    let inside!: () => void;
    const started = new Promise<void>((resolve) => (inside = resolve));
    const done = tx.run(async (em) => {
      await put(em, key);
      inside();
      await gate;
      return key;
    });
    return { started, open, done };
  }

  /** Lets queued promise callbacks run (the writer's queue is promise-driven). */
  const settle = () => new Promise((resolve) => setImmediate(resolve));

  it('a refused job in a group leaves nothing; the others of the group commit', async () => {
    const first = held('a');
    await first.started;
    const jobs = [
      tx.run(async (em) => {
        await put(em, 'b');
        return 'b';
      }),
      tx.run(async (em) => {
        await put(em, 'refused');
        throw new Error('refused on purpose');
      }),
      tx.run(async (em) => {
        await put(em, 'c');
        return 'c';
      }),
    ];
    first.open();
    const answers = await Promise.allSettled([first.done, ...jobs]);
    expect(answers.map((a) => (a.status === 'fulfilled' ? a.value : String(a.reason)))).toEqual([
      'a',
      'b',
      'Error: refused on purpose',
      'c',
    ]);
    expect(batches).toEqual([4]);
    expect(await committed()).toEqual(['a', 'b', 'c']);
  });

  it('a statement that fails mid-group rolls back only its job, savepoints nested inside a job included', async () => {
    const first = held('a');
    await first.started;
    const duplicate = tx.run(async (em) => {
      await put(em, 'dup-first-half');
      await put(em, 'a'); // the key the first job wrote in this group: a UNIQUE violation
    });
    const nested = tx.run(async (em) => {
      await put(em, 'outer');
      // one refused item of a bulk write: only the inner savepoint is undone
      await tx
        .savepoint(em, async (inner) => {
          await put(inner, 'inner-refused');
          throw new Error('inner refusal');
        })
        .catch(() => undefined);
      await tx.savepoint(em, (inner) => put(inner, 'inner-kept'));
      return 'nested';
    });
    first.open();
    const [a, dup, n] = await Promise.allSettled([first.done, duplicate, nested]);
    expect(a).toEqual({ status: 'fulfilled', value: 'a' });
    expect(dup.status === 'rejected' && String(dup.reason)).toMatch(/UNIQUE constraint failed/);
    expect(n).toEqual({ status: 'fulfilled', value: 'nested' });
    expect(batches).toEqual([3]);
    expect(await committed()).toEqual(['a', 'inner-kept', 'outer']);
  });

  it('answers no caller before the group commits; once answered, other connections see the write', async () => {
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    let secondStarted!: () => void;
    const secondInside = new Promise<void>((resolve) => (secondStarted = resolve));
    let firstAnswered = false;
    let seenWhenAnswered: string[] = [];
    const first = tx
      .run((em) => put(em, 'first'))
      .then(async () => {
        firstAnswered = true;
        seenWhenAnswered = await committed();
      });
    const second = tx.run(async (em) => {
      await put(em, 'second');
      secondStarted();
      await gate;
    });
    await secondInside;
    // the first job's transaction is done (its savepoint released) but the group is not
    await settle();
    expect(firstAnswered).toBe(false);
    expect(await committed()).toEqual([]);
    expect(
      await tx.read((em) => em.query<{ n: number }[]>('SELECT count(*) AS n FROM rate_limits')),
    ).toEqual([{ n: 0 }]);
    open();
    await Promise.all([first, second]);
    expect(seenWhenAnswered).toEqual(['first', 'second']);
    expect(batches).toEqual([2]);
  });

  it('a COMMIT that fails fails every job of the group and keeps nothing', async () => {
    const first = held('a');
    await first.started;
    const ok = tx.run((em) => put(em, 'b'));
    // a foreign key checked at COMMIT only: the group's COMMIT is refused
    const poison = tx.run(async (em) => {
      await em.query('PRAGMA defer_foreign_keys = ON');
      await em.query(
        "INSERT INTO id_number_conflicts (user_id, day, at) VALUES (999999, '2026-11-24', '2026-11-24')",
      );
    });
    first.open();
    const answers = await Promise.allSettled([first.done, ok, poison]);
    for (const answer of answers) {
      expect(answer.status === 'rejected' && String(answer.reason)).toMatch(
        /FOREIGN KEY constraint failed/,
      );
    }
    expect(await committed()).toEqual([]);
    // the writer is usable again, outside a transaction
    await expect(tx.run((em) => put(em, 'after'))).resolves.toBeDefined();
    expect(await committed()).toEqual(['after']);
    expect(connections.queue.depth).toBe(0);
  });

  it('bounds a group at MAX_BATCH jobs and keeps arrival order', async () => {
    const first = held('000');
    await first.started;
    const keys = Array.from({ length: 40 }, (_, i) => String(i + 1).padStart(3, '0'));
    const order: string[] = [];
    const jobs = keys.map((key) =>
      tx.run(async (em) => {
        order.push(key);
        await put(em, key);
      }),
    );
    first.open();
    await Promise.all([first.done, ...jobs]);
    expect(order).toEqual(keys);
    expect(batches).toEqual([32, 9]);
    expect(await committed()).toHaveLength(41);
  });

  it('groups transactions that arrive on separate turns of the event loop, as requests do', async () => {
    // each in a callback of its own, as each request's handler runs after its own socket read
    const jobs = await new Promise<Promise<unknown>[]>((resolve) => {
      const started: Promise<unknown>[] = [];
      for (let i = 0; i < 10; i++) {
        setImmediate(() => {
          started.push(tx.run((em) => put(em, `turn-${i}`)));
          if (started.length === 10) resolve(started);
        });
      }
    });
    await Promise.all(jobs);
    expect(batches).toEqual([10]);
    expect(await committed()).toHaveLength(10);
  });

  it('a long group lets the event loop turn, its transaction open: a timer fires, a late job joins', async () => {
    expect(GROUP_SLICE_MS).toBeLessThan(10);
    const busy = (ms: number) => {
      const end = performance.now() + ms;
      while (performance.now() < end);
    };
    const first = tx.run(async (em) => {
      await put(em, 'slow');
      busy(10); // longer than GROUP_SLICE_MS; SQLite blocks the thread like this
    });
    const second = tx.run((em) => put(em, 'next'));
    // A timer only fires when the loop turns: before the COMMIT only if the group yields.
    const turned = new Promise<{ seen: string[]; late: Promise<unknown> }>((resolve) =>
      setTimeout(
        () =>
          void committed().then((seen) => resolve({ seen, late: tx.run((em) => put(em, 'late')) })),
        0,
      ),
    );
    const { seen, late } = await turned;
    expect(seen).toEqual([]); // the group was still open
    await Promise.all([first, second, late]);
    expect(batches).toEqual([3]);
    expect(await committed()).toEqual(['late', 'next', 'slow']);
  });

  it('a write outside Tx waits for the group and runs alone', async () => {
    const first = held('a');
    await first.started;
    const outside = ds.query('INSERT INTO rate_limits (key, window_start, hits) VALUES (?, 0, 1)', [
      'outside',
    ]);
    const later = tx.run((em) => put(em, 'later'));
    await settle();
    expect(await committed()).toEqual([]);
    first.open();
    await Promise.all([first.done, outside, later]);
    expect(batches).toEqual([1, 1]);
    expect(await committed()).toEqual(['a', 'later', 'outside']);
  });
});
