import { ExecutionContext, ForbiddenException, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthGuard } from '@nestjs/passport';
import {
  ACCOUNT_SETUP,
  Caller,
  IS_PUBLIC,
  OPTIONAL_AUTH,
  OWN_ACCOUNT,
  ROLES_KEY,
  type SetupStep,
} from '../common/auth.decorators';
import { forbidden } from '../common/errors';
import { isWriteMethod } from '../common/write-admission';
import { assertSameOrigin } from './cookies';
import type { Role } from './user.entity';

const SETUP_MESSAGES: Record<SetupStep, string> = {
  PASSWORD_CHANGE_REQUIRED: 'Change your password first (POST /api/me/password)',
  MFA_SETUP_REQUIRED: 'Set up your second factor first (POST /api/me/mfa/setup)',
};

/**
 * The one global guard: a valid token (bearer or session cookie) on every route unless @Public(),
 * then, in this order: an account that must change its password or enrol a second factor reaches
 * only the routes of that step (@OwnAccount); the read-only auditor reads what an admin reads and
 * writes only its own account; @Auth(...roles). A state-changing request with the cookie from
 * another origin is refused.
 */
@Injectable()
export class AppAuthGuard extends AuthGuard('jwt') {
  constructor(private readonly reflector: Reflector) {
    super();
  }

  override async canActivate(ctx: ExecutionContext): Promise<boolean> {
    const targets = [ctx.getHandler(), ctx.getClass()];
    const req = ctx.switchToHttp().getRequest();
    assertSameOrigin(req);
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
    const caller: Caller = req.user;
    const step = caller.setupRequired;
    if (step) {
      const open = this.reflector.getAllAndOverride<SetupStep[] | undefined>(
        ACCOUNT_SETUP,
        targets,
      );
      if (!open?.includes(step)) {
        throw new ForbiddenException({
          statusCode: 403,
          error: 'Forbidden',
          code: step,
          message: SETUP_MESSAGES[step],
        });
      }
    }
    const roles = this.reflector.getAllAndOverride<Role[] | undefined>(ROLES_KEY, targets);
    if (caller.role === 'auditor') {
      if (isWriteMethod(req.method)) {
        if (!this.reflector.getAllAndOverride<boolean>(OWN_ACCOUNT, targets)) throw forbidden();
        return true;
      }
      // reads what an admin reads
      if (roles?.length && !roles.includes('admin') && !roles.includes('auditor'))
        throw forbidden();
      return true;
    }
    if (roles?.length && !roles.includes(caller.role)) throw forbidden();
    return true;
  }
}
