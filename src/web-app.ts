import { existsSync } from 'node:fs';
import { join } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';

/** Where `npm run build:web` puts the app: dist/web, next to dist/src. */
export const WEB_DIR = join(__dirname, '..', 'web');

const YEAR = 'public, max-age=31536000, immutable';

/**
 * Serves the built web app from the service's own port. Every built file is a route (listed once
 * at start, so no request names a path on disk), sent precompressed (brotli or gzip, as the
 * browser accepts); hashed files under /assets/ are cached for a year, index.html is revalidated
 * every time. `/` is the app, and so is any other unknown GET outside /api (the app routes in the
 * browser), except a missing file under /assets/ or with an extension: a 404. Unknown /api paths
 * stay Nest's JSON 404. Returns false when the app has not been built.
 */
export async function serveWebApp(
  app: NestFastifyApplication,
  root: string = WEB_DIR,
): Promise<boolean> {
  if (!existsSync(join(root, 'index.html'))) return false;
  await app.register(fastifyStatic, {
    root,
    prefix: '/',
    wildcard: false,
    globIgnore: ['**/*.gz', '**/*.br'],
    preCompressed: true,
    cacheControl: false,
    setHeaders: (reply, path) => {
      reply.header(
        'Cache-Control',
        /[\\/]assets[\\/]/.test(path)
          ? YEAR
          : /index\.html(\.(br|gz))?$/.test(path)
            ? 'no-cache'
            : 'public, max-age=3600',
      );
    },
  });
  const fastify = app.getHttpAdapter().getInstance();
  fastify.get('/*', (req, reply) => {
    const path = req.url.split('?')[0];
    if (path === '/api' || path.startsWith('/api/')) {
      return reply
        .code(404)
        .send({ message: `Cannot GET ${path}`, error: 'Not Found', statusCode: 404 });
    }
    if (path.startsWith('/assets/') || /\.[a-z0-9]+$/i.test(path)) return reply.callNotFound();
    return reply.sendFile('index.html');
  });
  return true;
}
