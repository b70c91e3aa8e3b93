/**
 * `npm run db:copy -- --to postgres://user@host:5432/db`: copies the SQLite installation
 * (DATABASE_URL, or --from sqlite:PATH) into an empty PostgreSQL database, then verifies it.
 * Stop the service first: the SQLite file is locked for the copy.
 */
import { ConfigError, parseDatabaseUrl } from '../src/config';
import { copySqliteToPostgres, type CopyProgress } from '../src/db/copy';

function arg(name: string): string | undefined {
  const args = process.argv.slice(2);
  const i = args.indexOf(name);
  if (i >= 0) return args[i + 1];
  return args.find((a) => a.startsWith(`${name}=`))?.slice(name.length + 1);
}

function redact(url: string): string {
  const u = new URL(url);
  if (u.password) u.password = '***';
  return u.toString();
}

/** One line per table on stderr, redrawn in place. */
function progressBar(): (p: CopyProgress) => void {
  let last = 0;
  return ({ table, done, total }) => {
    const now = Date.now();
    if (now - last < 200 && done > 0 && done < total) return;
    last = now;
    const frac = total ? done / total : 1;
    const bar = '#'.repeat(Math.round(frac * 30)).padEnd(30, '.');
    const line = `${table.padEnd(18)} [${bar}] ${done}/${total}`;
    process.stderr.write(`\r${line}\x1b[K${done === total ? '\n' : ''}`);
  };
}

async function main(): Promise<void> {
  const to = arg('--to');
  if (!to) throw new ConfigError('usage: npm run db:copy -- --to postgres://user@host:5432/db');
  const target = parseDatabaseUrl(to);
  if (target.type !== 'postgres') throw new ConfigError('--to: expected a postgres:// URL');
  const source = parseDatabaseUrl(arg('--from') ?? process.env.DATABASE_URL);
  if (source.type !== 'sqlite' || source.path === ':memory:') {
    throw new ConfigError('--from / DATABASE_URL: expected the SQLite file, sqlite:PATH');
  }
  console.log(`Copying ${source.path} into ${redact(target.url)}`);
  const report = await copySqliteToPostgres(source.path, target.url, {
    onProgress: progressBar(),
  });
  console.log(
    `Copied and verified ${report.rows} rows in ${report.tables.length} tables in ` +
      `${(report.ms / 1000).toFixed(1)} s: row counts, balances = ledger sums, stock = ` +
      'movements, id sequences. Start the service with DATABASE_URL set to the new database.',
  );
}

main().catch((err) => {
  console.error(`db:copy failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
