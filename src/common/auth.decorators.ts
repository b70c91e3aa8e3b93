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
  /** The request the caller acts in (`X-Request-Id`), for the audit events it writes. */
  requestId?: string | null;
}

export const IS_PUBLIC = 'isPublic';
export const OPTIONAL_AUTH = 'optionalAuth';
export const ROLES_KEY = 'roles';

/** Opens a route to callers without a token. Everything else needs one (deny by default). */
export const Public = () =>
  applyDecorators(SetMetadata(IS_PUBLIC, true), ApiExtension('x-public', true));

/** Open to anyone; the caller is known (`@CurrentUser()` set) when a valid token is sent. */
export const OptionalAuth = () =>
  applyDecorators(SetMetadata(OPTIONAL_AUTH, true), ApiExtension('x-public', true));

/** Narrows a route to the given roles. */
export const Auth = (...roles: Role[]) => SetMetadata(ROLES_KEY, roles);

export const CurrentUser = createParamDecorator(
  (_: unknown, ctx: ExecutionContext): Caller => ctx.switchToHttp().getRequest().user,
);
