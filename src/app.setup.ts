import type { INestApplication } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import helmet from 'helmet';
import { requestLogger } from './common/request-logger';

/** HTTP plumbing shared by main.ts and the tests: prefix, body limit, headers, docs. */
export function setupApp(app: INestApplication, opts: { logRequests?: boolean } = {}): void {
  const express = app as NestExpressApplication;
  express.setGlobalPrefix('api');
  express.useBodyParser('json', { limit: '100kb' });
  express.disable('x-powered-by');
  express.set('query parser', 'simple');
  app.use(helmet({ contentSecurityPolicy: false }));
  if (opts.logRequests) app.use(requestLogger());
  const doc = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Civility Points · 文明积分')
      .setDescription('Rule catalogue, deeds, points ledger, monthly red/black lists, points store')
      .setVersion('1')
      .addBearerAuth()
      .build(),
  );
  SwaggerModule.setup('api/docs', app, doc, { jsonDocumentUrl: 'api/docs-json' });
}
