import { Inject, Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { ExtractJwt, Strategy } from 'passport-jwt';
import { APP_CONFIG, AppConfig } from '../config';
import type { Caller } from '../common/auth.decorators';

export interface TokenPayload extends Omit<Caller, 'id'> {
  sub: number;
}

@Injectable()
export class JwtStrategy extends PassportStrategy(Strategy) {
  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    super({
      jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(),
      secretOrKey: config.jwtSecret,
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
