import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import { Observable } from 'rxjs';
import type { EntityManager } from 'typeorm';
import type { Caller } from './auth.decorators';

const requests = new AsyncLocalStorage<{ requestId: string }>();

/** The id of the request being served, or null outside one (scripts, start-up). */
export function currentRequestId(): string | null {
  return requests.getStore()?.requestId ?? null;
}

/** A request id a client may send us: short, visible ASCII. */
const CLIENT_ID = /^[\x21-\x7e]{1,64}$/;

/**
 * Gives every request an id (the client's `X-Request-Id` if it is sane, else a new UUID), echoes
 * it in the response header and keeps it for the code that serves the request.
 */
@Injectable()
export class RequestIdInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const http = context.switchToHttp();
    const sent: unknown = http.getRequest<{ headers: Record<string, unknown> }>().headers[
      'x-request-id'
    ];
    const requestId = typeof sent === 'string' && CLIENT_ID.test(sent) ? sent : randomUUID();
    http
      .getResponse<{ header(name: string, value: string): unknown }>()
      .header('X-Request-Id', requestId);
    return new Observable((subscriber) =>
      requests.run({ requestId }, () => next.handle().subscribe(subscriber)),
    );
  }
}

/**
 * What the inner half of every write takes: the transaction, who is acting and the request it
 * serves. Operations that take a Ctx compose: several run in one transaction.
 */
export interface Ctx {
  em: EntityManager;
  caller: Caller;
  requestId: string | null;
}

export function ctxOf(em: EntityManager, caller: Caller): Ctx {
  return { em, caller, requestId: currentRequestId() };
}
