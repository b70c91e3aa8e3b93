import { createReadStream, existsSync, readdirSync, statSync } from 'node:fs';
import { extname, join, relative, sep } from 'node:path';
import type { NextFunction, Request, Response } from 'express';

/**
 * Serves the built web app (dist/web, made by `npm run build:web`) from the service's own port:
 * `/` and any unknown path outside `/api` answer index.html (the app routes in the browser),
 * files are served precompressed (brotli, else gzip, as the browser accepts), hashed assets with
 * a year-long immutable cache, index.html revalidated every time. The file list is read once at
 * start, so a request never names a path on disk (no traversal). `/api/*` is never touched here:
 * an unknown API path stays Nest's JSON 404.
 */

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.json': 'application/json; charset=utf-8',
  '.webmanifest': 'application/manifest+json',
  '.txt': 'text/plain; charset=utf-8',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
};

interface WebFile {
  path: string;
  size: number;
  etag: string;
}

export interface WebAsset {
  path: string;
  status: 200 | 304;
  headers: Record<string, string>;
}

/** Whether an Accept-Encoding header accepts enc (q > 0). */
export function accepted(header: string, enc: string): boolean {
  for (const part of header.split(',')) {
    const [name, ...params] = part.split(';').map((x) => x.trim().toLowerCase());
    if (name !== enc && name !== '*') continue;
    const q = params.find((p) => p.startsWith('q='));
    return q === undefined || Number(q.slice(2)) > 0;
  }
  return false;
}

export class WebApp {
  private readonly files = new Map<string, WebFile>();

  constructor(readonly dir: string) {
    const walk = (d: string): string[] =>
      readdirSync(d).flatMap((name) => {
        const p = join(d, name);
        return statSync(p).isDirectory() ? walk(p) : [p];
      });
    for (const path of walk(dir)) {
      const st = statSync(path);
      const url = '/' + relative(dir, path).split(sep).join('/');
      this.files.set(url, {
        path,
        size: st.size,
        etag: `W/"${st.size.toString(16)}-${Math.floor(st.mtimeMs).toString(16)}"`,
      });
    }
    if (!this.files.has('/index.html')) throw new Error(`${dir} has no index.html`);
  }

  /** The built app under dir, or null when it has not been built. */
  static load(dir: string): WebApp | null {
    return existsSync(join(dir, 'index.html')) ? new WebApp(dir) : null;
  }

  /** What to send for a GET of urlPath (no query), or null: not ours (a 404). */
  resolve(urlPath: string, acceptEncoding = '', ifNoneMatch?: string): WebAsset | null {
    if (urlPath === '/api' || urlPath.startsWith('/api/')) return null;
    let name = urlPath === '/' ? '/index.html' : urlPath;
    if (/\.(gz|br)$/.test(name) || !this.files.has(name)) {
      // A missing file under /assets/ or with an extension is a 404, not the app's HTML.
      if (name.startsWith('/assets/') || /\.[a-z0-9]+$/i.test(name)) return null;
      name = '/index.html';
    }
    const file = this.files.get(name)!;
    const headers: Record<string, string> = {
      'Content-Type': TYPES[extname(name)] ?? 'application/octet-stream',
      'Cache-Control': name.startsWith('/assets/')
        ? 'public, max-age=31536000, immutable'
        : name === '/index.html'
          ? 'no-cache'
          : 'public, max-age=3600',
      ETag: file.etag,
    };
    const br = this.files.get(`${name}.br`);
    const gz = this.files.get(`${name}.gz`);
    if (br || gz) headers['Vary'] = 'Accept-Encoding';
    if (ifNoneMatch && ifNoneMatch === file.etag) return { path: file.path, status: 304, headers };
    const accepts = (enc: string) => accepted(acceptEncoding, enc);
    const chosen = br && accepts('br') ? ['br', br] : gz && accepts('gzip') ? ['gzip', gz] : null;
    if (chosen) {
      const [encoding, variant] = chosen as [string, WebFile];
      headers['Content-Encoding'] = encoding;
      headers['Content-Length'] = String(variant.size);
      return { path: variant.path, status: 200, headers };
    }
    headers['Content-Length'] = String(file.size);
    return { path: file.path, status: 200, headers };
  }
}

/** The Express middleware serving the app; everything under /api passes through. */
export function webAppMiddleware(web: WebApp) {
  return (req: Request, res: Response, next: NextFunction) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return next();
    const asset = web.resolve(
      req.path,
      String(req.headers['accept-encoding'] ?? ''),
      req.headers['if-none-match'],
    );
    if (!asset) return next();
    res.status(asset.status);
    for (const [k, v] of Object.entries(asset.headers)) res.setHeader(k, v);
    if (asset.status === 304 || req.method === 'HEAD') return void res.end();
    createReadStream(asset.path).on('error', next).pipe(res);
  };
}
