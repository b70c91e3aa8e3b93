import { createSecretKey } from 'node:crypto';
import { Inject, Injectable, UnauthorizedException } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { ExtractJwt, Strategy } from 'passport-jwt';
import { APP_CONFIG, AppConfig } from '../config';
import { Dialect } from '../db/dialect';
import { Tx } from '../db/transaction';
import type { Caller } from '../common/auth.decorators';
import { sessionToken, type RequestLike } from './session';
import type { User } from './user.entity';

export interface TokenPayload extends Omit<Caller, 'id' | 'requestId'> {
  sub: number;
  /** The user's tokenVersion when the token was issued. */
  ver: number;
}

/** What an access token carries: who, their role and scope, and the account's token version. */
export function tokenPayload(user: User): TokenPayload {
  return {
    sub: user.id,
    username: user.username,
    role: user.role,
    villageId: user.villageId,
    storeId: user.storeId,
    villagerId: user.villagerId,
    ver: user.tokenVersion ?? 0,
  };
}

@Injectable()
export class JwtStrategy extends PassportStrategy(Strategy) {
  private readonly accountSql: string;

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly tx: Tx,
    dialect: Dialect,
  ) {
    super({
      // A bearer token (API clients) or the browser's httpOnly session cookie.
      jwtFromRequest: ExtractJwt.fromExtractors([
        ExtractJwt.fromAuthHeaderAsBearerToken(),
        (req) => sessionToken(req as unknown as RequestLike),
      ]),
      // A KeyObject, not the string: jsonwebtoken would otherwise build the key on every request.
      // jsonwebtoken accepts it; passport-jwt's types only list string and Buffer.
      secretOrKey: createSecretKey(Buffer.from(config.jwtSecret)) as unknown as Buffer,
      algorithms: ['HS256'],
      passReqToCallback: true,
    });
    this.accountSql = dialect.placeholders(
      `SELECT id, username, role, village_id, store_id, villager_id, disabled, token_version
         FROM users WHERE id = $1`,
    );
  }

  /**
   * One primary-key read per request: a token issued before the account was disabled, its
   * password changed or its role or scope changed (each raises tokenVersion) is refused at once,
   * on every instance. Role and scope come from the account as it is now.
   */
  async validate(req: { id: string }, payload: TokenPayload & { exp?: unknown }): Promise<Caller> {
    // every token we issue expires; one without `exp` was not made by this service's login
    if (typeof payload.exp !== 'number') {
      throw new UnauthorizedException('This token has no expiry; log in again');
    }
    // plain SQL on a reused statement: the find() query builder was a measured share of every
    // request's CPU (docs/performance.md)
    const [user] = await this.tx.query<{
      id: number;
      username: string;
      role: Caller['role'];
      village_id: number | null;
      store_id: number | null;
      villager_id: number | null;
      disabled: boolean | number;
      token_version: number;
    }>(this.accountSql, [payload.sub]);
    if (!user || Boolean(user.disabled) || Number(user.token_version) !== (payload.ver ?? 0)) {
      throw new UnauthorizedException('This session has ended; log in again');
    }
    const idOrNull = (v: number | null) => (v === null ? null : Number(v));
    return {
      id: Number(user.id),
      username: user.username,
      role: user.role,
      villageId: idOrNull(user.village_id),
      storeId: idOrNull(user.store_id),
      villagerId: idOrNull(user.villager_id),
      requestId: req.id,
    };
  }
}
