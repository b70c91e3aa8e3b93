import type { INestApplication } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { SwaggerModule } from '@nestjs/swagger';
import helmet from 'helmet';
import { requestLogger } from './common/request-logger';
import { buildOpenApiDocument } from './openapi';

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
  app.use(helmet({ contentSecurityPolicy: false }));
  if (opts.logRequests) app.use(requestLogger());
  if (opts.docs === false) return;
  SwaggerModule.setup('api/docs', app, () => buildOpenApiDocument(app), {
    jsonDocumentUrl: 'api/docs-json',
  });
}
