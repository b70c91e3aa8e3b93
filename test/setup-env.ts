// Runs before each test file's imports, so entity column types match the database under test.
if (process.env.TEST_DATABASE === 'postgres') {
  process.env.DATABASE_URL =
    process.env.TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
} else {
  delete process.env.DATABASE_URL;
}
process.env.LOG_REQUESTS = '0';
