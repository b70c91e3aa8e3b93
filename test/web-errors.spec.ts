import { explain } from '../web/src/api/errors';

describe("the web app's words for refusals (web/src/api/errors.ts)", () => {
  // that every code has a sentence is checked by the compiler: errors.ts's tables are typed by
  // the generated ConflictCode and LimitCode
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
