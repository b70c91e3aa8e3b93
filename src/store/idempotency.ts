import { createHash } from 'node:crypto';
import { mergeLines, type RequestedLine } from './basket';

export interface RedemptionRequest {
  villagerId: number;
  storeId: number;
  items: readonly RequestedLine[];
}

/** Visible ASCII, 1-100 characters: a UUID, a ULID, a till's own receipt number… */
const KEY = /^[\x21-\x7e]{1,100}$/;

export function isValidIdempotencyKey(key: string): boolean {
  return KEY.test(key);
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
  return createHash('sha256').update(canonicalRequest(req)).digest('hex');
}

/**
 * What to do when a redemption with the same store and key already exists: return it (same
 * request, a retry) or refuse (the key was reused for another request).
 */
export function replayDecision(storedHash: string | null, hash: string): 'replay' | 'conflict' {
  return storedHash === hash ? 'replay' : 'conflict';
}

const UNIQUE_VIOLATION = new Set(['23505', 'SQLITE_CONSTRAINT_UNIQUE']);

/** A unique-constraint violation from either database, as TypeORM surfaces it. */
export function isUniqueViolation(err: unknown): boolean {
  const e = err as { code?: unknown; driverError?: { code?: unknown } } | null;
  const code = e?.driverError?.code ?? e?.code;
  return typeof code === 'string' && UNIQUE_VIOLATION.has(code);
}
