/**
 * Column types that differ between the two databases. Entity decorators run at import time,
 * before Nest's config exists, so the choice reads DATABASE_URL directly; it only needs the
 * scheme, which never changes within a process.
 */
const isPostgres = /^postgres(ql)?:/.test(process.env.DATABASE_URL ?? '');

/** A point in time: timestamptz on PostgreSQL, ISO text (UTC) on SQLite. */
export const TIMESTAMP = isPostgres ? 'timestamptz' : 'datetime';
