import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { explain } from '../web/src/api/errors';

/** Every 409 code the API documents (the 409 answers of web/openapi.json name them). */
function documentedConflictCodes(): string[] {
  const doc = JSON.parse(readFileSync(join(__dirname, '../web/openapi.json'), 'utf8')) as {
    paths: Record<string, Record<string, { responses?: Record<string, { description: string }> }>>;
  };
  const codes = new Set<string>();
  for (const ops of Object.values(doc.paths)) {
    for (const op of Object.values(ops)) {
      const conflict = op.responses?.['409']?.description ?? '';
      for (const m of conflict.matchAll(/`([A-Z][A-Z_]+)`/g)) codes.add(m[1]);
    }
  }
  return [...codes];
}

describe("the web app's words for refusals (web/src/api/errors.ts)", () => {
  const fallback = explain(409, {});

  it('has a sentence of its own for every documented 409 code', () => {
    const codes = documentedConflictCodes();
    expect(codes).toEqual(expect.arrayContaining(['MONTHLY_CAP_REACHED', 'NOT_IN_PUBLICITY']));
    const missing = codes.filter((code) => explain(409, { code }) === fallback);
    expect(missing).toEqual([]);
  });

  it.each([
    [400, { message: ['occurredOn must not be in the future'] }, '「日期」不能晚于今天'],
    [400, { message: ['description should not be empty'] }, '「事情经过」不能为空'],
    [400, { message: ['reason must be longer than or equal to 1 characters'] }, '「理由」'],
    [
      400,
      {
        message:
          'evidence: 「乱倒垃圾」须附证据：照片 (photoIds) 或文字说明 (evidence) (this rule requires evidence)',
      },
      '需要照片',
    ],
    [401, {}, '重新登录'],
    [403, {}, '不能做这个操作'],
    [413, {}, '2 MB'],
    [429, {}, '稍等'],
    [429, { code: 'LOGIN_THROTTLED', retryAfterSeconds: 900 }, '15 分钟后'],
    [429, { code: 'LOGIN_THROTTLED', retryAfterSeconds: 30 }, '1 分钟后'],
    [429, { code: 'TOO_MANY_REPORTS' }, '一天最多申报 20 件'],
    [429, { code: 'TOO_MANY_OBJECTIONS' }, '3 件异议'],
    [0, undefined, '网络'],
    [503, {}, '稍后再试'],
  ])('%s %j → says %s', (status, body, words) => {
    expect(explain(status, body)).toContain(words);
  });
});
