import { RequestMethod } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';

/**
 * Route templates (`/api/villagers/:id/points`) read from the controllers' Nest metadata, so
 * request metrics carry the template, never the ids or codes of a real path, whichever HTTP
 * adapter serves them and whether or not the request reached its handler (a 401 from the guard
 * is still labelled with its route).
 */
export interface RouteTemplate {
  method: string;
  template: string;
  pattern: RegExp;
}

const asList = (p: unknown): string[] => (Array.isArray(p) ? p : [p ?? '']).map(String);
const trimSlashes = (s: string) => s.replace(/^\/+|\/+$/g, '');

export function routeTemplates(
  controllers: { metatype: object; prototype: object; methods: string[] }[],
  prefix: string,
): RouteTemplate[] {
  const routes: RouteTemplate[] = [];
  for (const c of controllers) {
    for (const base of asList(Reflect.getMetadata(PATH_METADATA, c.metatype))) {
      for (const name of c.methods) {
        const handler = (c.prototype as Record<string, unknown>)[name] as object;
        const path = Reflect.getMetadata(PATH_METADATA, handler) as unknown;
        const method = Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod | undefined;
        if (path === undefined || method === undefined) continue;
        for (const p of asList(path)) {
          const template =
            '/' + [prefix, base, p].map(trimSlashes).filter(Boolean).join('/').replace(/\/+/g, '/');
          routes.push({ method: RequestMethod[method], template, pattern: toPattern(template) });
        }
      }
    }
  }
  // Literal segments win over parameters (/deeds/export before /deeds/:id).
  const params = (r: RouteTemplate) => (r.template.match(/:/g) ?? []).length;
  return routes.sort((a, b) => params(a) - params(b));
}

function toPattern(template: string): RegExp {
  const body = template
    .split('/')
    .map((seg) => (seg.startsWith(':') ? '[^/]+' : seg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
    .join('/');
  return new RegExp(`^${body}/?$`);
}

/** The template a request path matches, or null (unknown path: a 404 or a non-API page). */
export function matchRoute(routes: RouteTemplate[], method: string, path: string): string | null {
  let anyMethod: string | null = null;
  for (const r of routes) {
    if (!r.pattern.test(path)) continue;
    if (r.method === method || r.method === 'ALL') return r.template;
    anyMethod ??= r.template;
  }
  return anyMethod;
}
