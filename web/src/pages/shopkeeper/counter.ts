import { explain, type ErrorBody } from '../../api/errors';

/** Who is at the counter: a member of a carded household, or a villager found by name. */
export interface Customer {
  villagerId: number;
  name: string;
  balance: number;
  villageName: string;
  householdNo: string | null;
  /** Points that will expire, soonest first (积分清零). */
  expiring: { on: string; points: number }[];
}

export interface BasketLine {
  goodsId: number;
  name: string;
  unitPrice: number;
  quantity: number;
}

export const basketTotal = (lines: BasketLine[]) =>
  lines.reduce((sum, l) => sum + l.unitPrice * l.quantity, 0);

/** The Chinese half of a server message ("库存不足：毛巾 仅剩 2 (not enough stock…)"). */
function chinesePart(message: ErrorBody['message']): string {
  const text = Array.isArray(message) ? message.join('；') : (message ?? '');
  return text.replace(/\s*\([^()]*\)\s*$/, '').trim();
}

/**
 * A refused redemption in words for the shopkeeper and the villager in front of them: what is
 * wrong, with the numbers, and what to do next.
 */
export function redeemErrorText(
  status: number,
  error: ErrorBody | undefined,
  ctx: { customer: Customer; total: number },
): string {
  const said = chinesePart(error?.message);
  switch (error?.code) {
    case 'INSUFFICIENT_POINTS':
      return `积分不足：这次要 ${ctx.total} 积分，${ctx.customer.name} 只有 ${ctx.customer.balance} 积分。请减少商品后再兑换。`;
    case 'OUT_OF_STOCK':
      return `${said}件，不够这次兑换。请减少数量后再兑换。`;
    case 'PRICE_CHANGED':
      return `${said}。价格已更新，请核对合计后再点兑换。`;
    case 'GOODS_INACTIVE':
      return `${said}，请从购物篮里去掉它再兑换。`;
    case 'VILLAGE_NOT_SERVED':
      return `本超市不服务${ctx.customer.villageName}，不能在这里兑换。请到该村的积分超市兑换。`;
    case 'VILLAGER_NOT_ACTIVE':
      return `${ctx.customer.name}已迁出或已故，不能兑换。如有疑问请联系村干部。`;
    case 'IDEMPOTENCY_KEY_REUSED':
      return '这笔兑换已经变了，请重新点一次兑换。';
  }
  if (status === 404) return '商品或村民已不存在，请刷新页面后重新兑换。';
  return explain(status, error);
}

/**
 * A card that was not found: unknown, revoked, or (at the counter) of a village the store does not
 * serve; or looked up too often.
 */
export function cardErrorText(
  status: number,
  error: ErrorBody | undefined,
  at: 'counter' | 'activity' = 'counter',
): string {
  if (status === 404) {
    return at === 'counter'
      ? '没有找到这张积分卡：卡可能已作废、不属于本超市服务的村，或扫错了。请用姓名查找，或请村干部补办新卡。'
      : '没有找到这张积分卡：卡可能已作废或扫错了。请用姓名查找。';
  }
  if (status === 429) return '查卡太频繁，请稍等一分钟再扫。';
  return explain(status, error);
}

/** The token a scanned QR code or a scanner typed: the bare token, or a URL ending in it. */
export function tokenOf(scanned: string): string {
  const text = scanned.trim();
  const match = /([A-Za-z0-9_-]{16,64})$/.exec(text);
  return match ? match[1] : text;
}
