/** What an API refusal says, in words for the person at the screen (Chinese, what to do next). */
export interface ApiError {
  statusCode?: number;
  code?: string;
  message?: string | string[];
}

/** The Chinese half of a server message ("库存不足：毛巾 仅剩 2 (not enough stock…)"). */
export function chinesePart(message: ApiError['message']): string {
  const text = Array.isArray(message) ? message.join('；') : (message ?? '');
  return text.replace(/\s*\([^()]*\)\s*$/, '').trim();
}

/** A refusal any screen may meet; pages handle their own codes first. */
export function commonErrorText(status: number, error: ApiError | undefined): string {
  if (status === 401) return '登录已失效，请重新登录';
  if (status === 403) return '您的账号没有这项权限';
  if (status === 404) return '没有找到这条记录，可能已被删除，请刷新后再试';
  if (status === 429) return '操作太频繁，请稍等一分钟再试';
  if (status === 400) {
    const text = Array.isArray(error?.message) ? error.message.join('；') : error?.message;
    return `填写有误，请检查后再提交（${text ?? '格式不对'}）`;
  }
  if (status === 409) {
    const text = chinesePart(error?.message);
    return text ? `${text}。` : '操作被拒绝，请刷新后再试';
  }
  return '服务器暂时出错，请稍后重试';
}

export const NETWORK_ERROR = '网络异常，请检查网络后重试';

/**
 * An idempotency key, made once per form. crypto.randomUUID needs a secure context, and a village
 * often reaches the service over plain HTTP on its own network; getRandomValues works everywhere.
 */
export function newIdempotencyKey(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** 11月24日 14:05 in the district's zone. */
export function timeLabel(iso: string | Date): string {
  const d = new Date(iso);
  const parts = new Intl.DateTimeFormat('zh-CN', {
    timeZone: 'Asia/Shanghai',
    month: 'numeric',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(d);
  const get = (t: string) => parts.find((p) => p.type === t)?.value ?? '';
  return `${get('month')}月${get('day')}日 ${get('hour')}:${get('minute')}`;
}
