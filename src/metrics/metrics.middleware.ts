import type { IncomingMessage, ServerResponse } from 'node:http';
import { Injectable, NestMiddleware } from '@nestjs/common';
import { MetricsService } from './metrics.service';

/**
 * Times every request on Node's own request and response objects (what Express's and Fastify's
 * wrap, and what Nest hands a middleware under Fastify), so it counts refusals by the guard, the
 * pipes and the error filter as well as successes, whichever adapter serves the app.
 */
@Injectable()
export class MetricsMiddleware implements NestMiddleware {
  constructor(private readonly metrics: MetricsService) {}

  use(req: IncomingMessage & { originalUrl?: string }, res: ServerResponse, next: () => void) {
    const start = process.hrtime.bigint();
    const url = req.originalUrl ?? req.url ?? '/';
    res.once('finish', () => {
      const seconds = Number(process.hrtime.bigint() - start) / 1e9;
      this.metrics.observe(req.method ?? 'GET', url.split('?')[0], res.statusCode, seconds);
    });
    next();
  }
}
