import { ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthGuard } from '@nestjs/passport';
import { Caller, IS_PUBLIC, OPTIONAL_AUTH, ROLES_KEY } from '../common/auth.decorators';
import { forbidden } from '../common/errors';
import { assertSameOrigin } from './session';
import type { Role } from './user.entity';

/**
 * The one global guard: a valid token (bearer or session cookie) on every route unless @Public(),
 * then @Auth(...roles). A state-changing request with the cookie from another origin is refused.
 */
@Injectable()
export class AppAuthGuard extends AuthGuard('jwt') {
  constructor(private readonly reflector: Reflector) {
    super();
  }

  override async canActivate(ctx: ExecutionContext): Promise<boolean> {
    const targets = [ctx.getHandler(), ctx.getClass()];
    assertSameOrigin(ctx.switchToHttp().getRequest());
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, targets)) return true;
    if (this.reflector.getAllAndOverride<boolean>(OPTIONAL_AUTH, targets)) {
      try {
        await super.canActivate(ctx);
      } catch {
        // anonymous: the handler sees no caller
      }
      return true;
    }
    await super.canActivate(ctx);
    const roles = this.reflector.getAllAndOverride<Role[] | undefined>(ROLES_KEY, targets);
    const caller: Caller = ctx.switchToHttp().getRequest().user;
    if (roles?.length && !roles.includes(caller.role)) throw forbidden();
    return true;
  }
}
