import { sha256Hex } from '../common/idempotency';
import { mergeLines, type RequestedLine } from './basket';

export interface RedemptionRequest {
  villagerId: number;
  storeId: number;
  items: readonly RequestedLine[];
}

/**
 * The request in a canonical form: fixed key order, repeated goods merged, lines sorted. Two
 * bodies that ask for the same thing (`[{a,1},{a,1}]` and `[{a,2}]`, lines in any order) hash
 * the same; any difference in villager, store, goods or quantity does not.
 */
export function canonicalRequest(req: RedemptionRequest): string {
  const lines = mergeLines(req.items).map((l) => [l.goodsId, l.quantity]);
  return JSON.stringify({ villagerId: req.villagerId, storeId: req.storeId, items: lines });
}

/** SHA-256 of the canonical request, hex (64 characters, the width of `request_hash`). */
export function requestHash(req: RedemptionRequest): string {
  return sha256Hex(canonicalRequest(req));
}
