import { ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthGuard } from '@nestjs/passport';
import { Caller, IS_PUBLIC, ROLES_KEY } from '../common/auth.decorators';
import { forbidden } from '../common/errors';
import type { Role } from './user.entity';

/** The one global guard: a valid token on every route unless @Public(), then @Auth(...roles). */
@Injectable()
export class AppAuthGuard extends AuthGuard('jwt') {
  constructor(private readonly reflector: Reflector) {
    super();
  }

  override async canActivate(ctx: ExecutionContext): Promise<boolean> {
    const targets = [ctx.getHandler(), ctx.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, targets)) return true;
    await super.canActivate(ctx);
    const roles = this.reflector.getAllAndOverride<Role[] | undefined>(ROLES_KEY, targets);
    const caller: Caller = ctx.switchToHttp().getRequest().user;
    if (roles?.length && !roles.includes(caller.role)) throw forbidden();
    return true;
  }
}
