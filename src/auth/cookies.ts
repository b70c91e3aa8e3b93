import { randomBytes } from 'node:crypto';
import type { CookieSerializeOptions } from '@fastify/cookie';
import { ForbiddenException } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { isWriteMethod } from '../common/write-admission';

/** The browser's session: the access token in an httpOnly, SameSite=Strict cookie. */
export const SESSION_COOKIE = 'cp_session';

/** The minimum of a request this module reads (a Fastify request, cookies by @fastify/cookie). */
export interface RequestLike {
  /** Fastify's request id (src/common/request-context.ts). */
  id?: string;
  method: string;
  protocol?: string;
  headers: Record<string, string | string[] | undefined>;
  cookies?: Record<string, string | undefined>;
}

function header(req: RequestLike, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/**
 * A random id of the browser, set at its first login and kept 30 days: the account-wide login
 * ceiling does not hold back a device that logged the account in before (LoginThrottle).
 */
export const DEVICE_COOKIE = 'cp_device';
const DEVICE_ID = /^[A-Za-z0-9_-]{43}$/;
const DEVICE_MAX_AGE = 30 * 24 * 3600;

/** The device cookie's value, if the request carries a well-formed one. */
export function deviceCookie(req: RequestLike): string | null {
  const id = req.cookies?.[DEVICE_COOKIE];
  return id && DEVICE_ID.test(id) ? id : null;
}

export const newDeviceId = (): string => randomBytes(32).toString('base64url');

export function setDeviceCookie(req: RequestLike, reply: FastifyReply, id: string): void {
  reply.setCookie(DEVICE_COOKIE, id, {
    ...cookieOptions(req, DEVICE_MAX_AGE),
    path: '/api/auth',
  });
}

/** The session cookie's value, if the request carries one. */
export function sessionToken(req: RequestLike): string | null {
  return req.cookies?.[SESSION_COOKIE] || null;
}

function cookieOptions(req: RequestLike, maxAge: number): CookieSerializeOptions {
  return {
    path: '/api',
    httpOnly: true,
    sameSite: 'strict',
    // Secure when the service is reached over HTTPS; villages often use plain HTTP on their LAN.
    secure: req.protocol === 'https',
    maxAge,
  };
}

export function setSessionCookie(
  req: RequestLike,
  reply: FastifyReply,
  token: string,
  maxAgeSeconds: number,
): void {
  reply.setCookie(SESSION_COOKIE, token, cookieOptions(req, maxAgeSeconds));
}

export function clearSessionCookie(req: RequestLike, reply: FastifyReply): void {
  reply.clearCookie(SESSION_COOKIE, cookieOptions(req, 0));
}

/**
 * Refuses a state-changing request that carries the session cookie but comes from another
 * origin (CSRF). SameSite=Strict already keeps the cookie off cross-site requests; this also
 * covers same-site, other-origin pages and old browsers. Bearer-token clients are not affected.
 */
export function assertSameOrigin(req: RequestLike): void {
  if (!isWriteMethod(req.method) || !sessionToken(req)) return;
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
