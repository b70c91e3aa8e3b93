import type { Schemas } from './client';

/**
 * Every refusal the API can give, as the Chinese sentence a cadre or villager reads: what went
 * wrong and what to do next. The one place that maps codes and statuses to words; pages call
 * `call()` and show `ApiError.message` (see components/ErrorNote.vue), keeping what was typed.
 */

/**
 * 409 business refusals (`code` in the answer), docs/product.md: one sentence for every code the
 * API documents (ConflictCode, generated from src/common/refusals.ts), checked by the compiler.
 */
const CONFLICTS: Record<Schemas['ConflictCode'], string> = {
  VILLAGER_NOT_ACTIVE: '这位村民已迁出或已故，不能记分。请先在花名册里核对他的状态。',
  RULE_INACTIVE: '这条积分细则已停用，请换一条细则再提交。',
  MONTHLY_CAP_REACHED:
    '这位村民本月按这条细则得分的次数已满，不能再记。可换一条细则，或下个月再记。',
  IDEMPOTENCY_KEY_REUSED: '这张表单已经提交过别的内容。请返回上一页，重新打开表单再填。',
  BALANCE_LIMIT: '积分超出系统上限，无法记入。请联系镇里的管理员。',
  INVALID_TRANSITION: '这条记录已被处理过（可能是别人刚处理的）。请刷新页面查看最新状态。',
  MONTH_PUBLISHED: '这个月的评比已经公布，不能再重新计算或公布。只有异议被支持后才能重新公布。',
  NOT_IN_PUBLICITY: '这个月的评比不在公示期内，现在不能提出异议。有疑问请直接找村干部。',
  ALREADY_RESOLVED: '这条异议已经处理过了。请刷新页面查看处理结果。',
  ID_NUMBER_TAKEN: '这个身份证号已经登记过了。请核对号码，或在花名册里找到这个人。',
  HOUSEHOLD_NO_TAKEN: '这个户号已经有了。请换一个户号，或在花名册里找到这一户。',
  USERNAME_TAKEN: '这个用户名已被使用，请换一个。',
  VILLAGE_CODE_TAKEN: '这个村代码已被使用，请换一个。',
  RULE_CODE_TAKEN: '这个细则编号已被使用，请换一个。',
  CANNOT_DISABLE_SELF: '不能停用自己的账号。',
  CANNOT_DEMOTE_SELF: '不能更改自己的角色。',
  MFA_ENABLED: '这个账号已经开启了手机验证码。如需重新设置，请管理员先重置。',
  INSUFFICIENT_POINTS: '积分余额不足，请减少兑换的商品。',
  OUT_OF_STOCK: '商品库存不足，请减少数量或换一件商品。',
  PRICE_CHANGED: '商品的积分价格刚改过，请刷新后按新价格再兑换。',
  STOCK_LIMIT: '库存超出上限，请减少入库数量。',
  GOODS_INACTIVE: '这件商品已下架，请换一件。',
  VILLAGE_NOT_SERVED: '这个积分超市不服务该村村民。',
  ALREADY_CANCELLED: '这笔兑换已经撤销过了，请刷新查看。',
  VILLAGER_ACTIVE: '只有已迁出或已故的村民才能匿名化。',
  NOT_IN_VILLAGE: '这位村民不在本村，请核对后再试。',
  SCORES_FINAL:
    '这个季度的村庄积分评比已过公示期，结果已定，不能再重新公布。有疑问请联系区里的管理员。',
  ACTIVITY_FULL: '活动报名人数已满，不能再加人了。可以问问组织活动的村干部。',
  CHECKIN_CLOSED: '现在不在签到时间内：活动开始前1小时到结束后1小时可以签到。',
  ACTIVITY_NOT_OPEN: '这个活动已经结束或取消了，不能再报名或签到。',
  DUPLICATE: '这条记录已经有了（可能是刚刚提交过）。请刷新页面查看。',
};

/** Field names in 400 messages, in the words on the forms. */
const FIELDS: Record<string, string> = {
  villagerId: '村民',
  ruleId: '积分细则',
  occurredOn: '日期',
  description: '事情经过',
  evidence: '证明材料',
  photoIds: '照片',
  file: '照片',
  reason: '理由',
  name: '姓名',
  phone: '电话',
  idNumber: '身份证号',
  householdId: '所属家庭',
  householdNo: '户号',
  headName: '户主',
  group: '村民小组',
  status: '状态',
  text: '异议内容',
  filedByName: '提出人',
  deedId: '事迹',
  outcome: '处理结果',
  month: '月份',
  password: '密码',
  newPassword: '新密码',
  code: '验证码',
  title: '名称',
  place: '集合地点',
  startsAt: '开始时间',
  endsAt: '结束时间',
  capacity: '人数上限',
  hoursPerPerson: '志愿时长',
  token: '签到码',
  url: 'Webhook 地址',
};

/** What a 400's English reason means, most specific first. */
const REASONS: [RegExp, string][] = [
  [/evidence/i, '这条细则需要照片或证明材料，请补上再提交'],
  [/check-in code/i, '不对：这不是本次活动的签到码，请重新扫现场的二维码'],
  [/after startsAt/i, '要晚于开始时间，活动最长 7 天'],
  [/30 days back/i, '只能是 30 天内到一年内'],
  [/three of/i, '要包含大写字母、小写字母、数字、符号中的至少三种'],
  [/common passwords/i, '太常见，容易被猜到，请换一个'],
  [/contain the username/i, '不能包含用户名'],
  [/at least 8/i, '至少要 8 位'],
  [
    /does not match the app|6 digits/i,
    '不对，请输入手机上验证器显示的 6 位数字（注意手机时间要准）',
  ],
  [/future/i, '不能晚于今天'],
  [/empty|required|should not be null|must be a string/i, '不能为空'],
  [/longer|shorter|length|at most|at least/i, '长度不对'],
  [/digits|phone/i, '应为 5–20 位数字'],
  [/check character|resident ID/i, '不是有效的 18 位身份证号'],
  [/no such household/i, '本村没有这一户'],
  [/no such/i, '不存在'],
  [/date|YYYY/i, '日期格式不对'],
];

export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly code?: string,
  ) {
    super(message);
  }
}

export interface ErrorBody {
  code?: string;
  message?: string | string[];
  /** 429: how long to wait. */
  retryAfterSeconds?: number;
}

function badRequest(body: ErrorBody | undefined): string {
  const messages = ([] as string[]).concat(body?.message ?? []);
  for (const m of messages) {
    const field = Object.keys(FIELDS).find((f) => new RegExp(`^${f}\\b|\\b${f}:`).test(m));
    const reason = REASONS.find(([re]) => re.test(m))?.[1];
    if (reason?.startsWith('这条细则')) return `${reason}。`;
    if (field) return `「${FIELDS[field]}」${reason ?? '填写有误'}，请改正后再提交。`;
  }
  return '填写的内容有误，请检查后再提交。';
}

/** 401 and 403 about the session (AccessCode), by code. */
const ACCESS: Record<Schemas['AccessCode'], string> = {
  SESSION_EXPIRED: '太久没有操作，登录已过期。请重新登录，填写的内容不会丢失。',
  PASSWORD_CHANGE_REQUIRED: '请先修改密码，再做其他操作。',
  MFA_SETUP_REQUIRED: '请先开启手机验证码（账号安全），再做其他操作。',
};
const isAccess = (code: string): code is Schemas['AccessCode'] => code in ACCESS;

/**
 * 429s of a limit (LimitCode), by code: a login's says how long to wait when the answer tells
 * (retryAfterSeconds), the others what to do instead.
 */
const LIMITS: Record<Schemas['LimitCode'], string> = {
  LOGIN_THROTTLED: '尝试次数太多，请稍等几分钟再试。',
  TOO_MANY_REPORTS: '一天最多申报 20 件，请明天再报；急事请直接找村干部。',
  TOO_MANY_OBJECTIONS: '这个月你已有 3 件异议在处理中，请等村委会处理后再提。',
};

const isConflict = (code: string): code is Schemas['ConflictCode'] => code in CONFLICTS;
const isLimit = (code: string): code is Schemas['LimitCode'] => code in LIMITS;

/** No answer at all (no signal, server unreachable). */
export const NETWORK_ERROR = '网络连接不上。请检查手机信号或 WiFi 后再点一次，填写的内容都还在。';

/** The sentence for an answer that is not a success. */
export function explain(status: number, body?: unknown): string {
  const b = (body ?? {}) as ErrorBody;
  if (status === 0) return NETWORK_ERROR;
  if (status === 409) {
    return b.code && isConflict(b.code)
      ? CONFLICTS[b.code]
      : '操作未完成，记录的状态已变化。请刷新页面后再试。';
  }
  if (status === 400) return badRequest(b);
  if ((status === 401 || status === 403) && b.code && isAccess(b.code)) return ACCESS[b.code];
  if (status === 401) return '登录已过期。请重新登录后再提交，填写的内容不会丢失。';
  if (status === 403) return '您的账号不能做这个操作。如确需办理，请联系村干部或镇里的管理员。';
  if (status === 404) return '没有找到这条记录，可能已被删除。请返回上一页刷新后再试。';
  if (status === 413) return '照片太大（每张不超过 2 MB），请换一张或重新拍摄。';
  if (status === 429) {
    const minutes = Math.ceil((b.retryAfterSeconds ?? 0) / 60);
    if (minutes > 0) return `尝试次数太多，请 ${minutes} 分钟后再试。`;
    return b.code && isLimit(b.code) ? LIMITS[b.code] : '操作太频繁，请稍等几分钟再试。';
  }
  return '系统暂时出了问题，请稍后再试。填写的内容都还在。';
}

/**
 * Awaits an openapi-fetch call: the data, or an ApiError carrying the Chinese sentence. A
 * network failure (no signal) becomes status 0.
 */
export async function call<T>(
  request: Promise<{ data?: T; error?: unknown; response: Response }>,
): Promise<T> {
  let result: { data?: T; error?: unknown; response: Response };
  try {
    result = await request;
  } catch {
    throw new ApiError(explain(0), 0);
  }
  if (result.response.ok) return result.data as T;
  const code = (result.error as ErrorBody | undefined)?.code;
  throw new ApiError(explain(result.response.status, result.error), result.response.status, code);
}

/**
 * The message to show for anything a call threw: a TypeError is the browser failing to fetch (a
 * request, or the next page's code on a weak signal), so it reads as the network sentence.
 */
export const messageOf = (err: unknown): string =>
  err instanceof ApiError ? err.message : explain(err instanceof TypeError ? 0 : 500);

/**
 * One Idempotency-Key per form, made when the form opens and sent with every try of it, so a
 * double tap or a retry records once. getRandomValues works outside secure contexts too.
 */
export function newFormKey(): string {
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
