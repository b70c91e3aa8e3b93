import { createHash } from 'node:crypto';
import { BadRequestException, createParamDecorator, ExecutionContext } from '@nestjs/common';
import { refuse } from './errors';

/**
 * Idempotency keys, shared by deeds and redemptions: a client sends the same `Idempotency-Key`
 * with every retry of one request; the database keeps the key with a hash of the request, so a
 * retry returns the first result and a reuse of the key for another request is refused.
 */

/** Visible ASCII, 1-100 characters: a UUID, a ULID, a till's own receipt number… */
const KEY = /^[\x21-\x7e]{1,100}$/;

export function isValidIdempotencyKey(key: string): boolean {
  return KEY.test(key);
}

/** SHA-256, hex: 64 characters, the width of the `request_hash` columns. */
export function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/**
 * What to do when a record with the same key already exists: return it (same request, a retry)
 * or refuse (the key was reused for another request).
 */
export function replayDecision(storedHash: string | null, hash: string): 'replay' | 'conflict' {
  return storedHash === hash ? 'replay' : 'conflict';
}

/**
 * Thrown by a keyed request's work when its insert found the key taken: a concurrent request with
 * the same key committed first, and its record is the answer. Only `once` catches it.
 */
export class KeyTaken extends Error {
  constructor() {
    super('idempotency key taken by a concurrent request');
  }
}

/** A request sent with an idempotency key, and the hash of its canonical form. */
export interface Keyed {
  key: string;
  hash: string;
}

/** The keyed form of a request: null without a key, and then nothing is hashed. */
export const keyOf = (key: string | undefined, canonical: () => string): Keyed | null =>
  key === undefined ? null : { key, hash: sha256Hex(canonical()) };

/**
 * The one way a request with an idempotency key happens once, in the caller's transaction: the
 * record already made with the key is answered again (or 409 when the key meant another request);
 * else the work runs, and if its insert finds the key taken meanwhile (`KeyTaken`), the winner's
 * record is the answer. The key's uniqueness is the database's (a unique index), so this holds
 * across instances. Without a key the work simply runs.
 */
export async function once<R extends { requestHash: string | null }, T>(
  request: Keyed | null,
  record: { find: (key: string) => Promise<R | null>; replay: (r: R) => T | Promise<T> },
  work: () => Promise<T>,
): Promise<T> {
  if (request === null) return work();
  const answer = (r: R) => {
    if (replayDecision(r.requestHash, request.hash) === 'conflict') throw keyReused();
    return record.replay(r);
  };
  const earlier = await record.find(request.key);
  if (earlier) return answer(earlier);
  try {
    return await work();
  } catch (err) {
    if (!(err instanceof KeyTaken)) throw err;
  }
  const winner = await record.find(request.key);
  if (!winner) throw new Error(`key ${request.key} was taken, but its record is not there`);
  return answer(winner);
}

export const keyReused = () =>
  refuse(
    'IDEMPOTENCY_KEY_REUSED',
    '该 Idempotency-Key 已用于另一个请求 (this Idempotency-Key was used for a different request)',
  );

/**
 * The optional `Idempotency-Key` header as a handler parameter: undefined when absent, 400 when
 * it is not 1-100 visible ASCII characters.
 */
export const IdempotencyKey = createParamDecorator(
  (_: unknown, ctx: ExecutionContext): string | undefined => {
    const value: unknown = ctx.switchToHttp().getRequest<{ headers: Record<string, unknown> }>()
      .headers['idempotency-key'];
    if (value === undefined) return undefined;
    if (typeof value !== 'string' || !isValidIdempotencyKey(value)) {
      throw new BadRequestException(
        'Idempotency-Key must be 1-100 visible ASCII characters (e.g. a UUID)',
      );
    }
    return value;
  },
);
