import { Controller, Get, Post } from '@nestjs/common';
import { matchRoute, routeTemplates } from './route-table';

@Controller('deeds')
class DeedsLike {
  @Get(':id') one() {}
  @Get('export') exportAll() {}
  @Post(':id/approve') approve() {}
}

@Controller('villages/:villageId/evaluations')
class EvaluationsLike {
  @Post(':month') compute() {}
}

@Controller()
class RootLike {
  @Get('health') health() {}
}

const routes = routeTemplates(
  [DeedsLike, EvaluationsLike, RootLike].map((c) => ({
    metatype: c,
    prototype: c.prototype as object,
    methods: Object.getOwnPropertyNames(c.prototype).filter((n) => n !== 'constructor'),
  })),
  'api',
);

describe('route templates from Nest metadata', () => {
  it.each([
    ['GET', '/api/deeds/42', '/api/deeds/:id'],
    ['GET', '/api/deeds/export', '/api/deeds/export'],
    ['GET', '/api/deeds/42/', '/api/deeds/:id'],
    ['POST', '/api/deeds/42/approve', '/api/deeds/:id/approve'],
    ['POST', '/api/villages/7/evaluations/2026-10', '/api/villages/:villageId/evaluations/:month'],
    ['GET', '/api/health', '/api/health'],
    // A known path with another method still names its route (the answer is a 404/405).
    ['DELETE', '/api/deeds/42', '/api/deeds/:id'],
    ['GET', '/api/deeds', null],
    ['GET', '/api/deeds/42/approve/x', null],
    ['GET', '/deeds/42', null],
    ['GET', '/api/health.json', null],
  ])('%s %s → %s', (method, path, template) => {
    expect(matchRoute(routes, method, path)).toBe(template);
  });
});
