import { createSecretKey } from 'node:crypto';
import { Inject, Injectable, UnauthorizedException } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { InjectRepository } from '@nestjs/typeorm';
import { ExtractJwt, Strategy } from 'passport-jwt';
import { Repository } from 'typeorm';
import { APP_CONFIG, AppConfig } from '../config';
import type { Caller } from '../common/auth.decorators';
import { sessionToken, type RequestLike } from './session';
import { User } from './user.entity';

export interface TokenPayload extends Omit<Caller, 'id'> {
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
  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    @InjectRepository(User) private readonly users: Repository<User>,
  ) {
    super({
      // A bearer token (API clients) or the browser's httpOnly session cookie.
      jwtFromRequest: ExtractJwt.fromExtractors([
        ExtractJwt.fromAuthHeaderAsBearerToken(),
        (req) => sessionToken(req as unknown as RequestLike),
      ]),
      // A KeyObject, not the string: jsonwebtoken would otherwise build the key on every request
      // (~0.3 ms). jsonwebtoken accepts it; passport-jwt's types only list string and Buffer.
      secretOrKey: createSecretKey(Buffer.from(config.jwtSecret)) as unknown as Buffer,
      algorithms: ['HS256'],
    });
  }

  /**
   * One primary-key read per request: a token issued before the account was disabled, its
   * password changed or its role or scope changed (each raises tokenVersion) is refused at once,
   * on every instance. Role and scope come from the account as it is now.
   */
  async validate(payload: TokenPayload): Promise<Caller> {
    const user = await this.users.findOne({
      where: { id: payload.sub },
      select: {
        id: true,
        username: true,
        role: true,
        villageId: true,
        storeId: true,
        villagerId: true,
        disabled: true,
        tokenVersion: true,
      },
    });
    if (!user || user.disabled || user.tokenVersion !== (payload.ver ?? 0)) {
      throw new UnauthorizedException('This session has ended; log in again');
    }
    return {
      id: user.id,
      username: user.username,
      role: user.role,
      villageId: user.villageId,
      storeId: user.storeId,
      villagerId: user.villagerId,
    };
  }
}
