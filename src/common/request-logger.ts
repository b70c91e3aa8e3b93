import { Logger } from '@nestjs/common';
import type { FastifyInstance } from 'fastify';

/** One structured line per request: method, path, status, milliseconds and the request id. */
export function requestLogger(fastify: FastifyInstance): void {
  const logger = new Logger('HTTP');
  fastify.addHook('onResponse', (req, reply, done) => {
    logger.log({
      method: req.method,
      path: req.url.split('?')[0],
      status: reply.statusCode,
      ms: Math.round(reply.elapsedTime * 10) / 10,
      requestId: req.id,
    });
    done();
  });
}
