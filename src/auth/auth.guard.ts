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
 * Roles that read what another reads and write almost nothing: the auditor reads what an admin
 * reads (the district), a town account what a cadre reads (for its town's villages: the services'
 * scope, src/common/scope.ts). Each writes its own account and the routes that name it.
 */
const READS_AS: Partial<Record<Role, Role>> = { auditor: 'admin', town: 'cadre' };

/**
 * The one global guard: a valid token (bearer or session cookie) on every route unless @Public(),
 * then, in this order: an account that must change its password or enrol a second factor reaches
 * only the routes of that step (@OwnAccount); the auditor and the town account (READS_AS);
 * @Auth(...roles). A state-changing request with the cookie from
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
    const readsAs = READS_AS[caller.role];
    if (readsAs) {
      if (isWriteMethod(req.method)) {
        // writes only its own account and the routes that name the role
        if (this.reflector.getAllAndOverride<boolean>(OWN_ACCOUNT, targets)) return true;
        if (!roles?.includes(caller.role)) throw forbidden();
        return true;
      }
      if (roles?.length && !roles.includes(readsAs) && !roles.includes(caller.role))
        throw forbidden();
      return true;
    }
    if (roles?.length && !roles.includes(caller.role)) throw forbidden();
    return true;
  }
}
