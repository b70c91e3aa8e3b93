import { MAX_ID } from '../common/ids';

/** One line of a redemption request as the client sent it. */
export interface RequestedLine {
  goodsId: number;
  quantity: number;
}

/** A line with the price copied from the goods at redemption time. */
export interface PricedLine extends RequestedLine {
  goodsName: string;
  unitPrice: number;
  amount: number;
}

/** Largest value an integer column holds on both databases (points, stock, totals). */
export const MAX_INT = MAX_ID;

/**
 * Merges repeated goods into one line and sorts by goodsId. The order matters on PostgreSQL:
 * every transaction that touches several goods rows locks them in the same (ascending) order,
 * so two redemptions cannot deadlock on each other's stock.
 */
export function mergeLines(items: readonly RequestedLine[]): RequestedLine[] {
  const byGoods = new Map<number, number>();
  for (const { goodsId, quantity } of items) {
    byGoods.set(goodsId, (byGoods.get(goodsId) ?? 0) + quantity);
  }
  return [...byGoods.entries()]
    .sort(([a], [b]) => a - b)
    .map(([goodsId, quantity]) => ({ goodsId, quantity }));
}

/**
 * Prices merged lines with the goods' current prices. `total` may exceed what an integer column
 * holds (a price times a large quantity); the caller refuses such a basket before writing it.
 */
export function priceLines(
  lines: readonly RequestedLine[],
  goods: ReadonlyMap<number, { name: string; pointsPrice: number }>,
): { lines: PricedLine[]; total: number } {
  const priced = lines.map(({ goodsId, quantity }) => {
    const g = goods.get(goodsId);
    if (!g) throw new Error(`goods ${goodsId} was not loaded`);
    return {
      goodsId,
      quantity,
      goodsName: g.name,
      unitPrice: g.pointsPrice,
      amount: g.pointsPrice * quantity,
    };
  });
  return { lines: priced, total: priced.reduce((sum, l) => sum + l.amount, 0) };
}

/**
 * The bounds the current stock must lie within for `stock + delta` to stay in 0…MAX_INT. They
 * go into the conditional UPDATE's WHERE as plain numbers, so the database never computes an
 * overflowing `stock + delta` (PostgreSQL would raise an error there instead of refusing).
 */
export function stockBounds(delta: number): { min: number; max: number } {
  return { min: Math.max(0, -delta), max: Math.min(MAX_INT, MAX_INT - delta) };
}
