import { Test } from 'supertest';

// Runs before each test file's imports, so entity column types match the database under test.
if (process.env.TEST_DATABASE === 'postgres') {
  process.env.DATABASE_URL =
    process.env.TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
} else {
  delete process.env.DATABASE_URL;
}
process.env.LOG_REQUESTS = '0';

// A status other than the one expected says what came instead: the answer's body names the field
// or the reason (an intermittent 400 in CI could not be told from the others without it).
type StatusCheck = (status: number, res: { text?: string }) => Error | undefined;
const withStatus = Test.prototype as unknown as { _assertStatus: StatusCheck };
const assertStatus = withStatus._assertStatus;
withStatus._assertStatus = function (this: unknown, status, res) {
  const err = assertStatus.call(this, status, res);
  if (err && res.text) err.message += `: ${res.text.slice(0, 500)}`;
  return err;
};
