import { randomBytes } from 'node:crypto';
import {
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  UnauthorizedException,
} from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import type { Caller } from '../common/auth.decorators';
import { forbidden } from '../common/errors';
import { APP_CONFIG, AppConfig } from '../config';
import { Tx } from '../db/transaction';
import type { LoginDto, LoginResponseDto } from './auth.dto';
import { tokenPayload } from './jwt.strategy';
import { dummyHash, hashPassword, verifyPassword } from './passwords';
import { LoginThrottle, type LoginClient } from './login-throttle';
import { User } from './user.entity';
import { toUserResponses } from './users.service';

export { hashPassword } from './passwords';

@Injectable()
export class AuthService implements OnApplicationBootstrap {
  private readonly logger = new Logger('Auth');

  constructor(
    @InjectRepository(User) private readonly users: Repository<User>,
    private readonly throttle: LoginThrottle,
    private readonly jwt: JwtService,
    private readonly tx: Tx,
    private readonly audit: AuditService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** Logout: the access log says who left, and from where. */
  async logout(caller: Caller | undefined, ip: string | null): Promise<void> {
    if (!caller) return;
    await this.tx.run((em) =>
      this.audit.access(em, {
        action: 'auth.logout',
        account: caller,
        username: caller.username,
        ip,
        outcome: 'ok',
        requestId: caller.requestId,
      }),
    );
  }

  /** Limited as LoginThrottle says; a successful login remembers the client (address, device). */
  async login(dto: LoginDto, client: LoginClient): Promise<LoginResponseDto> {
    const username = dto.username.toLowerCase();
    const user = await this.users
      .createQueryBuilder('u')
      .where('LOWER(u.username) = :username', { username })
      .getOne();
    let rehash = false;
    const logged = (action: 'auth.login' | 'auth.login_failed', outcome: string) =>
      this.tx.run((em) =>
        this.audit.access(em, {
          action,
          account: user,
          username,
          ip: client.ip,
          outcome,
          requestId: client.requestId,
        }),
      );
    let ok: boolean;
    try {
      ok = await this.throttle.judge(username, client, async () => {
        const check = await verifyPassword(dto.password, user?.passwordHash ?? (await dummyHash()));
        rehash = check.rehash;
        return user !== null && check.ok;
      });
    } catch (err) {
      await logged('auth.login_failed', 'throttled');
      throw err;
    }
    if (!ok || !user) {
      await logged('auth.login_failed', user ? 'wrong_password' : 'unknown_username');
      throw new UnauthorizedException('Wrong username or password');
    }
    if (user.disabled) {
      await logged('auth.login_failed', 'disabled');
      throw forbidden('This account is disabled; ask an administrator');
    }
    // An old bcrypt hash is replaced now that the password is known (argon2id).
    if (rehash) {
      const upgraded = await this.throttle.hash(username, () => hashPassword(dto.password));
      await this.tx.run((em) =>
        em.update(
          User,
          { id: user.id, passwordHash: user.passwordHash },
          { passwordHash: upgraded },
        ),
      );
    }
    await this.throttle.remember(username, client);
    await logged('auth.login', 'ok');
    return {
      accessToken: await this.jwt.signAsync(tokenPayload(user)),
      user: (await toUserResponses(this.users.manager, [user]))[0],
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
