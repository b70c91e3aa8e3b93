import helmet from '@fastify/helmet';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { requestLogger } from './common/request-logger';
import type { AppConfig } from './config';

/** Largest request body accepted; a larger one is 413. */
export const BODY_LIMIT = 100 * 1024;

/**
 * The HTTP adapter for main.ts and the tests. Fastify's query-string parser gives flat
 * `{ key: value | value[] }` objects, never nested ones (like Express's 'simple' parser). A path
 * parameter may be longer than Fastify's default 100 characters (then 414), so that an over-long
 * village code is the same 404 as any unknown one.
 */
export function httpAdapter(trustProxy: AppConfig['trustProxy'] = false): FastifyAdapter {
  return new FastifyAdapter({
    bodyLimit: BODY_LIMIT,
    routerOptions: { maxParamLength: 1000 },
    // Behind a reverse proxy every client would otherwise share the proxy's address (and its
    // per-address login limit); X-Forwarded-For is believed only from the proxies named here.
    trustProxy,
  });
}

/** HTTP plumbing shared by main.ts and the tests: prefix, body parsing, headers, docs. */
export async function setupApp(
  app: NestFastifyApplication,
  opts: { logRequests?: boolean } = {},
): Promise<void> {
  const fastify = app.getHttpAdapter().getInstance();
  app.setGlobalPrefix('api');

  // JSON only (no text/plain): an empty JSON body is no body, as it was under Express.
  fastify.removeAllContentTypeParsers();
  const parseJson = fastify.getDefaultJsonParser('error', 'error');
  fastify.addContentTypeParser(
    'application/json',
    { parseAs: 'string', bodyLimit: BODY_LIMIT },
    (req, body, done) => {
      const text = body.toString();
      if (text === '') done(null, undefined);
      else parseJson(req, text, done);
    },
  );

  await app.register(helmet, { contentSecurityPolicy: false });
  if (opts.logRequests) requestLogger(fastify);
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
