import {
  ConflictException,
  ForbiddenException,
  HttpException,
  HttpStatus,
  NotFoundException,
} from '@nestjs/common';
import type { ConflictCode, LimitCode } from './refusals';

/**
 * A business rule refused the request: 409 with a stable machine code and a message a cadre can
 * read, e.g. `{ statusCode: 409, code: 'INSUFFICIENT_POINTS', message: '积分不足…' }`.
 */
export function refuse(code: ConflictCode, message: string): ConflictException {
  return new ConflictException({ statusCode: 409, error: 'Conflict', code, message });
}

export function notFound(what: string): NotFoundException {
  return new NotFoundException(`${what} not found`);
}

export function forbidden(message = 'Not allowed for your account'): ForbiddenException {
  return new ForbiddenException(message);
}

/**
 * A limit on how often one account may do something: 429 with a stable code, a sentence for the
 * person, and, where known, how long to wait.
 */
export function tooMany(
  code: LimitCode,
  message: string,
  retryAfterSeconds?: number,
): HttpException {
  return new HttpException(
    { statusCode: 429, error: 'Too Many Requests', code, message, retryAfterSeconds },
    HttpStatus.TOO_MANY_REQUESTS,
  );
}
