import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { EntityManager } from 'typeorm';
import type { Caller } from './auth.decorators';

/** A request id a client may send us: short, visible ASCII. */
const CLIENT_ID = /^[\x21-\x7e]{1,64}$/;

/**
 * Every request's id (Fastify's `genReqId`, so `request.id`): the client's `X-Request-Id` if it
 * is sane, else a new UUID. It is echoed in the answer's header (app.setup.ts), carried by the
 * caller (`Caller.requestId`) into the audit events the request writes, and logged.
 */
export function requestIdOf(req: { headers: IncomingHttpHeaders }): string {
  const sent = req.headers['x-request-id'];
  return typeof sent === 'string' && CLIENT_ID.test(sent) ? sent : randomUUID();
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
  return { em, caller, requestId: caller.requestId ?? null };
}
