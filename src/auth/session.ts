import { ForbiddenException } from '@nestjs/common';

/** The browser's session: the access token in an httpOnly, SameSite=Strict cookie. */
export const SESSION_COOKIE = 'cp_session';

/** The minimum of a request this module reads; Express and Fastify requests both have it. */
export interface RequestLike {
  method: string;
  protocol?: string;
  headers: Record<string, string | string[] | undefined>;
}

/** The minimum of a response this module writes; Express and Fastify replies both have it. */
export interface ResponseLike {
  header(name: string, value: string): unknown;
}

function header(req: RequestLike, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** The session cookie's value, read from the Cookie header (no parser needed for one name). */
export function sessionToken(req: RequestLike): string | null {
  const cookie = header(req, 'cookie');
  if (!cookie) return null;
  for (const part of cookie.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === SESSION_COOKIE) {
      const value = part.slice(eq + 1).trim();
      return value ? decodeURIComponent(value) : null;
    }
  }
  return null;
}

function cookie(req: RequestLike, value: string, maxAgeSeconds: number): string {
  const secure = req.protocol === 'https' ? '; Secure' : '';
  return `${SESSION_COOKIE}=${encodeURIComponent(value)}; Path=/api; HttpOnly; SameSite=Strict; Max-Age=${maxAgeSeconds}${secure}`;
}

export function setSessionCookie(
  req: RequestLike,
  res: ResponseLike,
  token: string,
  maxAgeSeconds: number,
) {
  res.header('Set-Cookie', cookie(req, token, maxAgeSeconds));
}

export function clearSessionCookie(req: RequestLike, res: ResponseLike) {
  res.header('Set-Cookie', cookie(req, '', 0));
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Refuses a state-changing request that carries the session cookie but comes from another
 * origin (CSRF). SameSite=Strict already keeps the cookie off cross-site requests; this also
 * covers same-site, other-origin pages and old browsers. Bearer-token clients are not affected.
 */
export function assertSameOrigin(req: RequestLike): void {
  if (SAFE_METHODS.has(req.method.toUpperCase()) || !sessionToken(req)) return;
  const fetchSite = header(req, 'sec-fetch-site');
  if (fetchSite && fetchSite !== 'same-origin' && fetchSite !== 'none') {
    throw new ForbiddenException('Cross-origin request with the session cookie refused');
  }
  const origin = header(req, 'origin');
  if (origin !== undefined) {
    let host: string | null = null;
    try {
      host = new URL(origin).host;
    } catch {
      host = null;
    }
    if (host === null || host !== header(req, 'host')) {
      throw new ForbiddenException('Cross-origin request with the session cookie refused');
    }
  }
}

/** `12h`, `30m`, `3600` (seconds), as JWT_EXPIRES_IN allows → seconds. */
export function durationSeconds(text: string): number {
  const m = /^(\d+)\s*([smhd]?)$/.exec(text.trim());
  if (!m) return 12 * 3600;
  const n = Number(m[1]);
  return n * ({ s: 1, m: 60, h: 3600, d: 86400, '': 1 } as Record<string, number>)[m[2]];
}
