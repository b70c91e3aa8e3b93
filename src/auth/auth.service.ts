import { createHash, randomBytes } from 'node:crypto';
import {
  HttpException,
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  UnauthorizedException,
} from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, Repository } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import type { Caller } from '../common/auth.decorators';
import { forbidden } from '../common/errors';
import { APP_CONFIG, AppConfig } from '../config';
import { Tx } from '../db/transaction';
import type { LoginDto, LoginResponseDto, MfaLoginDto, TokenResponseDto } from './auth.dto';
import { dummyHash, hashPassword, verifyPassword } from './passwords';
import { LoginThrottle, type LoginClient } from './login-throttle';
import { SecondFactor } from './second-factor';
import { sessionEnded, Sessions, type SessionClient } from './sessions';
import { User } from './user.entity';
import { UsersService } from './users.service';

export { hashPassword } from './passwords';

/** The key wrong second-factor codes of an account are counted under (LoginThrottle). */
const secondFactorKey = (username: string) =>
  `mfa:${createHash('sha256').update(username).digest('hex').slice(0, 40)}`;

/** Who is logging in: the address, the device cookie, what the browser says it is. */
export type Client = LoginClient & SessionClient;

@Injectable()
export class AuthService implements OnApplicationBootstrap {
  private readonly logger = new Logger('Auth');

  constructor(
    @InjectRepository(User) private readonly users: Repository<User>,
    private readonly accounts: UsersService,
    private readonly throttle: LoginThrottle,
    private readonly sessions: Sessions,
    private readonly factor: SecondFactor,
    private readonly tx: Tx,
    private readonly audit: AuditService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** Logout: this session ends, and the access log says who left, and from where. */
  async logout(caller: Caller | undefined, ip: string | null): Promise<void> {
    if (!caller) return;
    await this.tx.run(async (em) => {
      if (caller.sessionId !== undefined) await this.sessions.end(em, caller.sessionId);
      await this.audit.access(em, {
        action: 'auth.logout',
        account: caller,
        username: caller.username,
        ip,
        outcome: 'ok',
        requestId: caller.requestId,
      });
    });
  }

  /** The access log's line for a login of `user` (null: an unknown username), in `em`. */
  private line(
    em: EntityManager,
    action: 'auth.login' | 'auth.login_failed',
    outcome: string,
    user: User | null,
    username: string,
    client: Client,
  ) {
    return this.audit.access(em, {
      action,
      account: user,
      username,
      ip: client.ip,
      outcome,
      requestId: client.requestId,
    });
  }

  /** The same line in a transaction of its own (a refused login changes nothing else). */
  private logged(
    action: 'auth.login' | 'auth.login_failed',
    outcome: string,
    user: User | null,
    username: string,
    client: Client,
  ) {
    return this.tx.run((em) => this.line(em, action, outcome, user, username, client));
  }

  /** A login's answer: the session's access token and the account. */
  private async signedIn(user: User, sessionId: number): Promise<TokenResponseDto> {
    return {
      accessToken: await this.sessions.accessToken(user, sessionId),
      user: (await this.accounts.responses(this.users.manager, [user]))[0],
    };
  }

  /**
   * Limited as LoginThrottle says. A right password opens a session; for an account with a
   * second factor the session waits for it (POST /api/auth/mfa) and the answer carries only the
   * `mfaToken`. A successful login remembers the client (address, device).
   */
  async login(dto: LoginDto, client: Client): Promise<LoginResponseDto> {
    const username = dto.username.toLowerCase();
    const user = await this.users
      .createQueryBuilder('u')
      .where('LOWER(u.username) = :username', { username })
      .getOne();
    let rehash = false;
    let ok: boolean;
    try {
      ok = await this.throttle.judge(username, client, async () => {
        const check = await verifyPassword(dto.password, user?.passwordHash ?? (await dummyHash()));
        rehash = check.rehash;
        return user !== null && check.ok;
      });
    } catch (err) {
      await this.logged('auth.login_failed', 'throttled', user, username, client);
      throw err;
    }
    if (!ok || !user) {
      const outcome = user ? 'wrong_password' : 'unknown_username';
      await this.logged('auth.login_failed', outcome, user, username, client);
      throw new UnauthorizedException('Wrong username or password');
    }
    if (user.disabled) {
      await this.logged('auth.login_failed', 'disabled', user, username, client);
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
    if (user.mfaSecret) {
      const pending = await this.tx.run((em) => this.sessions.open(em, user, client, true));
      return { mfaRequired: true, mfaToken: await this.sessions.mfaToken(user, pending) };
    }
    await this.throttle.remember(username, client);
    const sessionId = await this.tx.run(async (em) => {
      const id = await this.sessions.open(em, user, client);
      await this.line(em, 'auth.login', 'ok', user, username, client);
      return id;
    });
    return this.signedIn(user, sessionId);
  }

  /**
   * A login's second step: the code of the authenticator app or a recovery code. Wrong codes
   * count as failed logins of the account (429 past the limits); the token works once.
   */
  async completeMfa(dto: MfaLoginDto, client: Client): Promise<TokenResponseDto> {
    const { sub, sid } = await this.sessions.readMfaToken(dto.mfaToken);
    const user = await this.users.findOneBy({ id: sub });
    if (!user || user.disabled) throw sessionEnded();
    const username = user.username.toLowerCase();
    let ok: boolean;
    try {
      // counted apart from password failures, which a right password clears: each login would
      // otherwise give a thief of the password five more guesses of the code
      ok = await this.throttle.judge(secondFactorKey(username), client, () =>
        this.tx.run(async (em) => {
          if (!(await this.factor.use(em, user, dto.code))) return false;
          if (!(await this.sessions.completeMfa(em, sid, user.id))) {
            throw new UnauthorizedException('mfaToken was used already; log in again');
          }
          await this.line(em, 'auth.login', 'ok', user, username, client);
          return true;
        }),
      );
    } catch (err) {
      if (err instanceof HttpException && err.getStatus() === 429) {
        await this.logged('auth.login_failed', 'throttled', user, username, client);
      }
      throw err;
    }
    if (!ok) {
      await this.logged('auth.login_failed', 'wrong_mfa_code', user, username, client);
      throw new UnauthorizedException('code: wrong or already used');
    }
    await this.throttle.remember(username, client);
    return this.signedIn(user, sid);
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
