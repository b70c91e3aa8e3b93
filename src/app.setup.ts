import type { INestApplication } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { SwaggerModule } from '@nestjs/swagger';
import helmet from 'helmet';
import { requestLogger } from './common/request-logger';
import { buildOpenApiDocument } from './openapi';

/**
 * The Content-Security-Policy of every answer: scripts and styles only from the service itself
 * (no inline script anywhere: the web app is built without one), data: only for images and
 * Vant's icon font, no framing, no plugins. No upgrade-insecure-requests: villages often reach
 * the service over plain HTTP on their own network.
 */
export const CSP = {
  'default-src': ["'self'"],
  'script-src': ["'self'"],
  'style-src': ["'self'"],
  'img-src': ["'self'", 'data:'],
  'font-src': ["'self'", 'data:'],
  'connect-src': ["'self'"],
  'object-src': ["'none'"],
  'base-uri': ["'self'"],
  'form-action': ["'self'"],
  'frame-ancestors': ["'none'"],
};

/** HTTP plumbing shared by main.ts and the tests: prefix, body limit, headers, docs. */
export function setupApp(
  app: INestApplication,
  opts: { logRequests?: boolean; docs?: boolean } = {},
): void {
  const express = app as NestExpressApplication;
  express.setGlobalPrefix('api');
  express.useBodyParser('json', { limit: '100kb' });
  express.disable('x-powered-by');
  express.set('query parser', 'simple');
  app.use(helmet({ contentSecurityPolicy: { useDefaults: false, directives: CSP } }));
  if (opts.logRequests) app.use(requestLogger());
  if (opts.docs === false) return;
  SwaggerModule.setup('api/docs', app, () => buildOpenApiDocument(app), {
    jsonDocumentUrl: 'api/docs-json',
  });
}
