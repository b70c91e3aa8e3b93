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
import { MoreThan, Repository } from 'typeorm';
import { forbidden } from '../common/errors';
import { APP_CONFIG, AppConfig } from '../config';
import { Tx } from '../db/transaction';
import type { LoginDto, LoginResponseDto } from './auth.dto';
import { tokenPayload } from './jwt.strategy';
import { dummyHash, hashPassword, verifyPassword } from './passwords';
import { LoginFailure, User } from './user.entity';
import { toUserResponse } from './users.service';

export { hashPassword } from './passwords';

/** Failed logins allowed per username in the window before answering 429. */
export const MAX_LOGIN_FAILURES = 5;
const FAILURE_WINDOW_MS = 15 * 60 * 1000;
/**
 * Failed logins allowed per client address per minute, across usernames: generous enough for a
 * village office where everyone shares one address, small enough to stop spraying guesses.
 */
export const MAX_IP_FAILURES_PER_MINUTE = 60;
const IP_WINDOW_MS = 60 * 1000;

const tooMany = (message: string) =>
  new HttpException(
    { statusCode: 429, error: 'Too Many Requests', message },
    HttpStatus.TOO_MANY_REQUESTS,
  );

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

  /**
   * Reserve, then clear: the attempt is written as a failure before the password is checked, so
   * parallel guesses all see each other and no more than the limit are ever judged. A correct
   * password clears the username's failures; a refused attempt takes its reservation back.
   */
  async login(dto: LoginDto, ip: string | null): Promise<LoginResponseDto> {
    const username = dto.username.toLowerCase();
    const now = Date.now();
    const reserved = await this.tx.run((em) =>
      em.insert(LoginFailure, { username, ip, failedAt: new Date(now) }),
    );
    const reservationId = reserved.identifiers[0].id as number;
    const release = () => this.tx.run((em) => em.delete(LoginFailure, { id: reservationId }));

    const [byUser, byIp] = await Promise.all([
      this.failures.count({
        where: { username, failedAt: MoreThan(new Date(now - FAILURE_WINDOW_MS)) },
      }),
      ip === null
        ? 0
        : this.failures.count({ where: { ip, failedAt: MoreThan(new Date(now - IP_WINDOW_MS)) } }),
    ]);
    if (byUser > MAX_LOGIN_FAILURES) {
      await release();
      throw tooMany('Too many failed logins; try again in 15 minutes');
    }
    if (byIp > MAX_IP_FAILURES_PER_MINUTE) {
      await release();
      throw tooMany('Too many failed logins from this address; try again in a minute');
    }

    const user = await this.users
      .createQueryBuilder('u')
      .where('LOWER(u.username) = :username', { username })
      .getOne();
    const check = await verifyPassword(dto.password, user?.passwordHash ?? (await dummyHash()));
    if (!user || !check.ok) throw new UnauthorizedException('Wrong username or password');
    if (user.disabled) {
      await release();
      throw forbidden('This account is disabled; ask an administrator');
    }
    // An old bcrypt hash is replaced now that the password is known (argon2id).
    const upgraded = check.rehash ? await hashPassword(dto.password) : undefined;
    await this.tx.run(async (em) => {
      await em.delete(LoginFailure, { username });
      if (upgraded) {
        await em.update(
          User,
          { id: user.id, passwordHash: user.passwordHash },
          { passwordHash: upgraded },
        );
      }
    });
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
