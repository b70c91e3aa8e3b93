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
