import { createSecretKey } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { ExtractJwt, Strategy } from 'passport-jwt';
import { APP_CONFIG, AppConfig } from '../config';
import type { Caller } from '../common/auth.decorators';
import { sessionToken, type RequestLike } from './session';
import type { User } from './user.entity';

export interface TokenPayload extends Omit<Caller, 'id'> {
  sub: number;
}

/** What an access token carries: who, their role and their scope. */
export function tokenPayload(user: User): TokenPayload {
  return {
    sub: user.id,
    username: user.username,
    role: user.role,
    villageId: user.villageId,
    storeId: user.storeId,
    villagerId: user.villagerId,
  };
}

@Injectable()
export class JwtStrategy extends PassportStrategy(Strategy) {
  constructor(@Inject(APP_CONFIG) config: AppConfig) {
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

  validate(payload: TokenPayload): Caller {
    return {
      id: payload.sub,
      username: payload.username,
      role: payload.role,
      villageId: payload.villageId,
      storeId: payload.storeId,
      villagerId: payload.villagerId,
    };
  }
}
