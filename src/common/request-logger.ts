import { Logger } from '@nestjs/common';
import type { FastifyInstance } from 'fastify';

/** A route parameter that is a secret (a card's token): such a path is logged as its template. */
const SECRET_PARAM = /:token\b/;

/**
 * One structured line per request: method, path, status, milliseconds and the request id. A path
 * holding a secret is written as its route (`/api/cards/:token`), so that logs, which operators
 * copy around, never hold a household's card.
 */
export function requestLogger(fastify: FastifyInstance): void {
  const logger = new Logger('HTTP');
  fastify.addHook('onResponse', (req, reply, done) => {
    const route = req.routeOptions.url;
    logger.log({
      method: req.method,
      path: route && SECRET_PARAM.test(route) ? route : req.url.split('?')[0],
      status: reply.statusCode,
      ms: Math.round(reply.elapsedTime * 10) / 10,
      requestId: req.id,
    });
    done();
  });
}
