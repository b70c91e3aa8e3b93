import { timingSafeEqual } from 'node:crypto';
import { ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { AuthGuard } from '@nestjs/passport';
import type { Caller } from '../common/auth.decorators';
import { forbidden } from '../common/errors';
import { readsDistrict } from '../common/scope';
import { APP_CONFIG, AppConfig } from '../config';

/**
 * GET /api/metrics: the configured scrape token (METRICS_TOKEN), or an admin's or auditor's
 * access token.
 */
@Injectable()
export class MetricsGuard extends AuthGuard('jwt') {
  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {
    super();
  }

  override async canActivate(ctx: ExecutionContext): Promise<boolean> {
    const req = ctx.switchToHttp().getRequest<{ headers: Record<string, unknown> }>();
    const header = req.headers.authorization;
    const token = typeof header === 'string' ? /^Bearer (.+)$/i.exec(header)?.[1] : undefined;
    const expected = this.config.ops.metricsToken;
    if (token && expected && sameSecret(token, expected)) return true;
    await super.canActivate(ctx); // 401 without a valid access token
    const caller = ctx.switchToHttp().getRequest<{ user: Caller }>().user;
    if (!readsDistrict(caller) || caller.setupRequired) throw forbidden();
    return true;
  }
}

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
