import { Module } from '@nestjs/common';
import { JwtModule } from '@nestjs/jwt';
import { PassportModule } from '@nestjs/passport';
import { TypeOrmModule } from '@nestjs/typeorm';
import { APP_CONFIG, AppConfig } from '../config';
import { AuthController } from './auth.controller';
import { AuthService } from './auth.service';
import { JwtStrategy } from './jwt.strategy';
import { LoginThrottle } from './login-throttle';
import { SecondFactor } from './second-factor';
import { Sessions } from './sessions';
import { KnownClient, LoginFailure, RecoveryCode, Session, User } from './user.entity';
import { UsersService } from './users.service';

@Module({
  imports: [
    PassportModule,
    TypeOrmModule.forFeature([User, LoginFailure, KnownClient, Session, RecoveryCode]),
    JwtModule.registerAsync({
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => ({
        secret: config.jwtSecret,
        signOptions: { expiresIn: config.jwtExpiresIn as `${number}s`, algorithm: 'HS256' },
      }),
    }),
  ],
  controllers: [AuthController],
  providers: [AuthService, UsersService, JwtStrategy, LoginThrottle, Sessions, SecondFactor],
  exports: [Sessions, SecondFactor],
})
export class AuthModule {}
