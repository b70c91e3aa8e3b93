/**
 * The bookkeeping invariants of a whole database, as plain SQL that runs the same on SQLite and
 * PostgreSQL: every cached balance equals the sum of its ledger entries, every stock level the
 * sum of its movements. Restore checks a backup with them before it replaces anything; db:copy
 * checks the target after the copy.
 */
export type Query = (sql: string) => Promise<Record<string, unknown>[]>;

export interface InvariantReport {
  villagers: number;
  /** Villagers whose balance differs from the sum of their entries (a few ids, for the message). */
  balanceMismatches: number[];
  goods: number;
  stockMismatches: number[];
}

const SAMPLE = 10;

export async function checkInvariants(query: Query): Promise<InvariantReport> {
  const count = async (table: string) =>
    Number((await query(`SELECT COUNT(*) AS n FROM ${table}`))[0].n);
  const ids = (rows: Record<string, unknown>[]) => rows.map((r) => Number(r.id));
  const balanceMismatches = ids(
    await query(
      `SELECT v.id FROM villagers v
         LEFT JOIN (SELECT villager_id, SUM(delta) AS total FROM ledger_entries
                     GROUP BY villager_id) e ON e.villager_id = v.id
        WHERE v.balance <> COALESCE(e.total, 0)
        ORDER BY v.id LIMIT ${SAMPLE}`,
    ),
  );
  const stockMismatches = ids(
    await query(
      `SELECT g.id FROM goods g
         LEFT JOIN (SELECT goods_id, SUM(delta) AS total FROM stock_movements
                     GROUP BY goods_id) m ON m.goods_id = g.id
        WHERE g.stock <> COALESCE(m.total, 0)
        ORDER BY g.id LIMIT ${SAMPLE}`,
    ),
  );
  return {
    villagers: await count('villagers'),
    balanceMismatches,
    goods: await count('goods'),
    stockMismatches,
  };
}

/** Problems as lines for a person; empty when the invariants hold. */
export function describeInvariantProblems(r: InvariantReport): string[] {
  const problems: string[] = [];
  if (r.balanceMismatches.length) {
    problems.push(
      `villager balance differs from the sum of ledger entries (villager ids ${r.balanceMismatches.join(', ')})`,
    );
  }
  if (r.stockMismatches.length) {
    problems.push(
      `goods stock differs from the sum of stock movements (goods ids ${r.stockMismatches.join(', ')})`,
    );
  }
  return problems;
}

/** Names of the migrations this build knows, as TypeORM records them in the `migrations` table. */
export function knownMigrationNames(migrations: { name: string }[]): Set<string> {
  return new Set(migrations.map((m) => m.name));
}
