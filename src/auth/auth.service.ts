import { randomBytes } from 'node:crypto';
import {
  HttpException,
  HttpStatus,
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  UnauthorizedException,
} from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { InjectRepository } from '@nestjs/typeorm';
import * as bcrypt from 'bcryptjs';
import { MoreThan, Repository } from 'typeorm';
import { APP_CONFIG, AppConfig } from '../config';
import { Tx } from '../db/transaction';
import type { LoginDto, LoginResponseDto } from './auth.dto';
import { tokenPayload } from './jwt.strategy';
import { LoginFailure, User } from './user.entity';
import { toUserResponse } from './users.service';

/** Failed logins allowed per username in the window before answering 429. */
export const MAX_LOGIN_FAILURES = 5;
const FAILURE_WINDOW_MS = 15 * 60 * 1000;
const BCRYPT_COST = 10;
// Compared against when the username is unknown, so both paths take the same time.
const DUMMY_HASH = bcrypt.hashSync('not-a-real-password', BCRYPT_COST);

export const hashPassword = (password: string) => bcrypt.hash(password, BCRYPT_COST);

@Injectable()
export class AuthService implements OnApplicationBootstrap {
  private readonly logger = new Logger('Auth');

  constructor(
    @InjectRepository(User) private readonly users: Repository<User>,
    @InjectRepository(LoginFailure) private readonly failures: Repository<LoginFailure>,
    private readonly jwt: JwtService,
    private readonly tx: Tx,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async login(dto: LoginDto): Promise<LoginResponseDto> {
    const since = new Date(Date.now() - FAILURE_WINDOW_MS);
    const recentFailures = await this.failures.count({
      where: { username: dto.username, failedAt: MoreThan(since) },
    });
    if (recentFailures >= MAX_LOGIN_FAILURES) {
      throw new HttpException(
        {
          statusCode: 429,
          error: 'Too Many Requests',
          message: 'Too many failed logins; try again in 15 minutes',
        },
        HttpStatus.TOO_MANY_REQUESTS,
      );
    }
    const user = await this.users.findOne({ where: { username: dto.username } });
    const ok = await bcrypt.compare(dto.password, user?.passwordHash ?? DUMMY_HASH);
    if (!user || !ok) {
      await this.tx.run((em) =>
        em.insert(LoginFailure, { username: dto.username, failedAt: new Date() }),
      );
      throw new UnauthorizedException('Wrong username or password');
    }
    if (recentFailures > 0) {
      await this.tx.run((em) => em.delete(LoginFailure, { username: dto.username }));
    }
    return {
      accessToken: await this.jwt.signAsync(tokenPayload(user)),
      user: toUserResponse(user),
    };
  }

  /** First start on an empty database: create `admin`. */
  async onApplicationBootstrap(): Promise<void> {
    if ((await this.users.count()) > 0) return;
    const password = this.config.adminPassword ?? randomBytes(12).toString('base64url');
    const passwordHash = await hashPassword(password);
    // Several instances may start at once on an empty database: the first insert wins.
    await this.tx.run((em) =>
      em
        .createQueryBuilder()
        .insert()
        .into(User)
        .values({ username: 'admin', passwordHash, role: 'admin' })
        .orIgnore()
        .execute(),
    );
    const created =
      (await this.users.findOneBy({ username: 'admin' }))?.passwordHash === passwordHash;
    if (created && !this.config.adminPassword) {
      this.logger.warn(`Created user "admin" with generated password: ${password} (shown once)`);
    } else if (created) {
      this.logger.log('Created user "admin" with the password from ADMIN_PASSWORD');
    }
  }
}
