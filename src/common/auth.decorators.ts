import {
  applyDecorators,
  createParamDecorator,
  ExecutionContext,
  SetMetadata,
} from '@nestjs/common';
import { ApiExtension } from '@nestjs/swagger';
import type { Role } from '../auth/user.entity';

/** Who is calling, as carried in the access token. */
export interface Caller {
  id: number;
  username: string;
  role: Role;
  villageId: number | null;
  storeId: number | null;
  villagerId: number | null;
  /** A town account's town, and the villages it has now (read with the account). */
  town?: { name: string; villageIds: readonly number[] } | null;
  /** The session the token belongs to (src/auth/sessions.ts). */
  sessionId?: number;
  /**
   * What the account must do before anything else: a new password, or enrolling a second
   * factor. Only routes marked @AccountSetup() answer meanwhile.
   */
  setupRequired?: SetupStep | null;
  /** The request the caller acts in (`X-Request-Id`), for the audit events it writes. */
  requestId?: string | null;
}

export const SETUP_STEPS = ['PASSWORD_CHANGE_REQUIRED', 'MFA_SETUP_REQUIRED'] as const;
export type SetupStep = (typeof SETUP_STEPS)[number];

export const IS_PUBLIC = 'isPublic';
export const ACCOUNT_SETUP = 'accountSetup';
/** The caller's own account, open to the read-only auditor too (logout, password, factor). */
export const OWN_ACCOUNT = 'ownAccount';
export const OPTIONAL_AUTH = 'optionalAuth';
export const ROLES_KEY = 'roles';

/** Opens a route to callers without a token. Everything else needs one (deny by default). */
export const Public = () =>
  applyDecorators(SetMetadata(IS_PUBLIC, true), ApiExtension('x-public', true));

/** Open to anyone; the caller is known (`@CurrentUser()` set) when a valid token is sent. */
export const OptionalAuth = () =>
  applyDecorators(SetMetadata(OPTIONAL_AUTH, true), ApiExtension('x-public', true));

/**
 * A route of the caller's own account, which an auditor may call though it writes, and which
 * answers during the given setup steps (a route not marked answers 403 with the step's code).
 */
export const OwnAccount = (...duringSetup: SetupStep[]) =>
  applyDecorators(SetMetadata(OWN_ACCOUNT, true), SetMetadata(ACCOUNT_SETUP, duringSetup));

/** Narrows a route to the given roles. */
export const Auth = (...roles: Role[]) => SetMetadata(ROLES_KEY, roles);

export const CurrentUser = createParamDecorator(
  (_: unknown, ctx: ExecutionContext): Caller => ctx.switchToHttp().getRequest().user,
);
