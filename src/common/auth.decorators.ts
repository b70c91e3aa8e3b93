import { createParamDecorator, ExecutionContext, SetMetadata } from '@nestjs/common';
import type { Role } from '../auth/user.entity';

/** Who is calling, as carried in the access token. */
export interface Caller {
  id: number;
  username: string;
  role: Role;
  villageId: number | null;
  storeId: number | null;
  villagerId: number | null;
}

export const IS_PUBLIC = 'isPublic';
export const ROLES_KEY = 'roles';

/** Opens a route to callers without a token. Everything else needs one (deny by default). */
export const Public = () => SetMetadata(IS_PUBLIC, true);

/** Narrows a route to the given roles. */
export const Auth = (...roles: Role[]) => SetMetadata(ROLES_KEY, roles);

export const CurrentUser = createParamDecorator(
  (_: unknown, ctx: ExecutionContext): Caller => ctx.switchToHttp().getRequest().user,
);
