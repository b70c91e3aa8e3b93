import cookie from '@fastify/cookie';
import helmet from 'helmet';
import multipart from '@fastify/multipart';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { SwaggerModule } from '@nestjs/swagger';
import { CSP, DOCS_CSP } from './common/csp';
import { requestIdOf } from './common/request-context';
import { requestLogger } from './common/request-logger';
import { isWriteMethod, WriteAdmission } from './common/write-admission';
import type { AppConfig } from './config';
import { Replica } from './db/replica';
import { buildOpenApiDocument } from './openapi';

/** Largest request body accepted; a larger one is 413. */
export const BODY_LIMIT = 100 * 1024;

/** Largest file any upload route accepts (a roster workbook); each route sets its own lower limit. */
export const UPLOAD_CEILING = 5 * 1024 * 1024;

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
    genReqId: requestIdOf,
    requestIdHeader: false,
  });
}

/** HTTP plumbing shared by main.ts and the tests: prefix, body parsing, headers, cookies, docs. */
export async function setupApp(
  app: NestFastifyApplication,
  opts: { logRequests?: boolean; docs?: boolean } = {},
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

  // File uploads (photos, rosters): each route reads its one file with its own size limit
  // (src/common/upload.ts); the ceiling here bounds every multipart body.
  await app.register(multipart, {
    limits: { fileSize: UPLOAD_CEILING, files: 1, fields: 10, parts: 11 },
  });
  // Write requests begin a few at a time, so that a burst of them does not hold up the reads
  // that arrive meanwhile (src/common/write-admission.ts); before our other hooks, so a write
  // that waits has not been worked on yet.
  const writes = new WriteAdmission();
  const reading = Symbol('reading');
  fastify.addHook('onRequest', (req, reply, done) => {
    if (isWriteMethod(req.method)) return writes.admit(done);
    writes.readBegun();
    (req as unknown as Record<symbol, boolean>)[reading] = true;
    done();
  });
  // a read is over when answered, or when its client went away before
  const readOver = (req: object) => {
    const r = req as Record<symbol, boolean>;
    if (!r[reading]) return;
    r[reading] = false;
    writes.readDone();
  };
  fastify.addHook('onResponse', (req, reply, done) => {
    readOver(req);
    done();
  });
  fastify.addHook('onRequestAbort', (req, done) => {
    readOver(req);
    done();
  });
  // The read replica's read-your-writes (src/db/replica.ts): a no-op without DATABASE_READ_URL.
  app.get(Replica).install(fastify);
  // helmet's middleware built once: @fastify/helmet built it anew for every request, a measured
  // part of every answer's CPU (docs/performance.md)
  const secureHeaders = helmet({ contentSecurityPolicy: { useDefaults: false, directives: CSP } });
  fastify.addHook('onRequest', (req, reply, done) => {
    reply.header('X-Request-Id', req.id);
    secureHeaders(req.raw, reply.raw, (err) => done(err as Error | undefined));
  });
  fastify.addHook('onSend', (req, reply, payload, done) => {
    if (req.url === '/api/docs' || req.url.startsWith('/api/docs/')) {
      reply.header('Content-Security-Policy', DOCS_CSP);
    }
    // An API answer is about someone's data, as it stood when asked: never kept by the browser
    // (a back button after logging out was answered the old session from its cache), unless a
    // route says otherwise (photos).
    if (req.url.startsWith('/api/') && !reply.hasHeader('Cache-Control')) {
      reply.header('Cache-Control', 'no-store');
    }
    done(null, payload);
  });
  // The browser's session cookie (src/auth/session.ts); unsigned: it holds a signed JWT.
  await app.register(cookie);
  if (opts.logRequests) requestLogger(fastify);
  if (opts.docs === false) return;
  SwaggerModule.setup('api/docs', app, () => buildOpenApiDocument(app), {
    jsonDocumentUrl: 'api/docs-json',
  });
}
