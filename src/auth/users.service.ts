import { randomBytes } from 'node:crypto';
import { BadRequestException, Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, In, Repository } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import type { Caller } from '../common/auth.decorators';
import { ctxOf } from '../common/request-context';
import { forbidden, notFound, refuse } from '../common/errors';
import { pageOf, skipTake, type Page } from '../common/pagination';
import { defined } from '../common/scope';
import { APP_CONFIG, AppConfig } from '../config';
import { Tx } from '../db/transaction';
import { Store } from '../store/store.entity';
import { Village } from '../villages/village.entity';
import { Villager } from '../villagers/villager.entity';
import type {
  MeUpdateDto,
  PasswordChangeDto,
  TokenResponseDto,
  UserCreateDto,
  UserListQueryDto,
  UserResponseDto,
  UserUpdateDto,
} from './auth.dto';
import { LoginThrottle, type LoginClient } from './login-throttle';
import { displayNames } from './display-name';
import { assertPasswordAcceptable } from './password-policy';
import { hashPassword, verifyPassword } from './passwords';
import { SecondFactor } from './second-factor';
import { Sessions } from './sessions';
import { LoginFailure, User, type Role } from './user.entity';

/** Which scope fields each role may carry. */
const SCOPE_FIELDS: Record<Role, string[]> = {
  admin: [],
  cadre: ['villageId'],
  shopkeeper: ['storeId'],
  villager: ['villagerId', 'villageId'],
  auditor: [],
  town: ['town'],
};

type Scope = {
  villageId: number | null;
  storeId: number | null;
  villagerId: number | null;
  town: string | null;
};
type ScopeInput = { villageId?: number; storeId?: number; villagerId?: number; town?: string };
const SCOPE_KEYS = ['villageId', 'storeId', 'villagerId', 'town'] as const;

function toUserResponse(
  u: User,
  displayName: string,
  mfaRoles: Role[],
  elderDefault: boolean,
): UserResponseDto {
  return {
    id: u.id,
    username: u.username,
    displayName,
    role: u.role,
    villageId: u.villageId,
    storeId: u.storeId,
    villagerId: u.villagerId,
    town: u.town ?? null,
    disabled: u.disabled ?? false,
    mustChangePassword: u.mustChangePassword ?? false,
    mfaEnabled: Boolean(u.mfaSecret),
    mfaSetupRequired: mfaRoles.includes(u.role) && !u.mfaSecret,
    elderMode: u.elderMode ?? elderDefault,
    createdAt: u.createdAt,
  };
}

/**
 * The accounts of a villager who is anonymised: disabled, their sessions ended, their own name
 * cleared (they show the villager's, which is then the anonymous one). In the caller's
 * transaction; answers how many.
 */
export async function closeAccountsOf(em: EntityManager, villagerId: number): Promise<number> {
  const { affected } = await em
    .createQueryBuilder()
    .update(User)
    .set({ disabled: true, displayName: null, tokenVersion: () => 'token_version + 1' })
    .where('villager_id = :villagerId', { villagerId })
    .execute();
  return affected ?? 0;
}

/** An account as the trail shows it: whether it has a second factor, never the secret. */
const withFactor = (u: User) => ({ ...u, mfaEnabled: Boolean(u.mfaSecret) });

/** The scope a role needs, checked against the database: 400 for a missing or stray field. */
async function resolveScope(em: EntityManager, role: Role, input: ScopeInput): Promise<Scope> {
  const scope: Scope = { villageId: null, storeId: null, villagerId: null, town: null };
  const need = <K extends keyof ScopeInput>(field: K): NonNullable<ScopeInput[K]> => {
    if (!input[field]) throw new BadRequestException(`${field} is required for role ${role}`);
    return input[field]!;
  };
  const given = SCOPE_KEYS.filter((f) => input[f] !== undefined);
  const stray = given.find((f) => !SCOPE_FIELDS[role].includes(f));
  if (stray) throw new BadRequestException(`${stray} does not apply to role ${role}`);

  if (role === 'cadre') {
    scope.villageId = need('villageId');
    if (!(await em.existsBy(Village, { id: scope.villageId }))) throw notFound('Village');
  } else if (role === 'shopkeeper') {
    scope.storeId = need('storeId');
    if (!(await em.existsBy(Store, { id: scope.storeId }))) throw notFound('Store');
  } else if (role === 'villager') {
    scope.villagerId = need('villagerId');
    const villager = await em.findOneBy(Villager, { id: scope.villagerId });
    if (!villager) throw notFound('Villager');
    if (input.villageId !== undefined && input.villageId !== villager.villageId) {
      throw new BadRequestException("villageId does not match the villager's village");
    }
    scope.villageId = villager.villageId;
  } else if (role === 'town') {
    scope.town = need('town');
    if (!(await em.existsBy(Village, { town: scope.town }))) {
      throw new BadRequestException('town: no village is in this town');
    }
  }
  return scope;
}

@Injectable()
export class UsersService {
  constructor(
    @InjectRepository(User) private readonly users: Repository<User>,
    private readonly tx: Tx,
    private readonly audit: AuditService,
    private readonly throttle: LoginThrottle,
    private readonly sessions: Sessions,
    private readonly factor: SecondFactor,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * Accounts as answered, each with the name it shows (display-name.ts) and its 长辈版: its own
   * choice, else for a villager the village's default.
   */
  async responses(em: EntityManager, users: User[]): Promise<UserResponseDto[]> {
    const names = await displayNames(em, users);
    const villageIds = [
      ...new Set(
        users
          .filter((u) => u.role === 'villager' && u.elderMode === null && u.villageId !== null)
          .map((u) => u.villageId!),
      ),
    ];
    const elderVillages = new Set(
      villageIds.length
        ? (
            await em.find(Village, {
              select: { id: true },
              where: { id: In(villageIds), elderModeDefault: true },
            })
          ).map((v) => v.id)
        : [],
    );
    return users.map((u, i) =>
      toUserResponse(
        u,
        names[i],
        this.config.mfaRequiredRoles,
        u.role === 'villager' && elderVillages.has(u.villageId ?? -1),
      ),
    );
  }

  /** The caller's own preferences (长辈版); answers the account as /api/me does. */
  async updateMe(caller: Caller, dto: MeUpdateDto): Promise<UserResponseDto> {
    if (dto.elderMode !== undefined) {
      await this.tx.run((em) => em.update(User, { id: caller.id }, { elderMode: dto.elderMode }));
    }
    return this.me(caller.id);
  }

  async me(id: number): Promise<UserResponseDto> {
    const user = await this.users.findOne({ where: { id } });
    if (!user) throw notFound('User');
    return (await this.responses(this.users.manager, [user]))[0];
  }

  async list(q: UserListQueryDto): Promise<Page<UserResponseDto>> {
    const [rows, total] = await this.users.findAndCount({
      where: defined({ role: q.role, villageId: q.villageId }),
      order: { id: 'ASC' },
      ...skipTake(q),
    });
    return pageOf(await this.responses(this.users.manager, rows), total, q);
  }

  /**
   * A new account; it chooses its own password at its first login unless `mustChangePassword`
   * is false.
   */
  async create(caller: Caller, dto: UserCreateDto): Promise<UserResponseDto> {
    assertPasswordAcceptable('password', dto.password, dto.username, dto.role);
    const passwordHash = await hashPassword(dto.password);
    const user = await this.tx.run(async (em) => {
      const scope = await resolveScope(em, dto.role, dto);
      // Unique regardless of case (the database has the same rule as an index on LOWER()).
      const taken = await em
        .createQueryBuilder(User, 'u')
        .where('LOWER(u.username) = :name', { name: dto.username.toLowerCase() })
        .getExists();
      if (taken) throw refuse('USERNAME_TAKEN', `Username "${dto.username}" is already taken`);
      const created = await em.save(
        em.create(User, {
          username: dto.username,
          displayName: dto.displayName ?? null,
          passwordHash,
          mustChangePassword: dto.mustChangePassword ?? true,
          role: dto.role,
          ...scope,
        }),
      );
      await this.audit.created(ctxOf(em, caller), 'user', created.id, created.villageId, created);
      return (await this.responses(em, [created]))[0];
    });
    return user;
  }

  /**
   * An admin disables or re-enables an account, resets its password or second factor, or
   * changes its role or scope. Each of these ends the account's sessions (tokenVersion + 1, and
   * their rows deleted). A reset password must be changed at the next login unless
   * `mustChangePassword` is false.
   */
  async update(caller: Caller, id: number, dto: UserUpdateDto): Promise<UserResponseDto> {
    const passwordHash = dto.password === undefined ? undefined : await hashPassword(dto.password);
    const user = await this.tx.run(async (em) => {
      const user = await em.findOneBy(User, { id });
      if (!user) throw notFound('User');
      const changes: Partial<User> = {};
      if (dto.disabled !== undefined && dto.disabled !== user.disabled) {
        if (dto.disabled && user.id === caller.id) {
          throw refuse('CANNOT_DISABLE_SELF', 'An administrator cannot disable their own account');
        }
        changes.disabled = dto.disabled;
      }
      if (dto.password !== undefined && passwordHash) {
        assertPasswordAcceptable('password', dto.password, user.username, dto.role ?? user.role);
        changes.passwordHash = passwordHash;
        changes.mustChangePassword = dto.mustChangePassword ?? true;
      } else if (
        dto.mustChangePassword !== undefined &&
        dto.mustChangePassword !== user.mustChangePassword
      ) {
        changes.mustChangePassword = dto.mustChangePassword;
      }
      if (dto.resetMfa && (user.mfaSecret || user.mfaPendingSecret)) {
        await this.factor.reset(em, id);
        changes.mfaSecret = null;
      }
      const scopeGiven = SCOPE_KEYS.some((f) => dto[f] !== undefined);
      if (dto.role !== undefined || scopeGiven) {
        const role = dto.role ?? user.role;
        if (role !== 'admin' && user.id === caller.id) {
          throw refuse('CANNOT_DEMOTE_SELF', 'An administrator cannot change their own role');
        }
        // A new role takes only the scope sent with it; the same role keeps what is not sent.
        const input: ScopeInput =
          role === user.role
            ? defined({
                villageId: dto.villageId ?? (role === 'cadre' ? user.villageId : null) ?? undefined,
                storeId: dto.storeId ?? user.storeId ?? undefined,
                villagerId: dto.villagerId ?? user.villagerId ?? undefined,
                town: dto.town ?? user.town ?? undefined,
              })
            : dto;
        const scope = await resolveScope(em, role, input);
        if (
          role !== user.role ||
          scope.villageId !== user.villageId ||
          scope.storeId !== user.storeId ||
          scope.villagerId !== user.villagerId ||
          scope.town !== user.town
        ) {
          Object.assign(changes, { role, ...scope });
        }
      }
      // A name is only shown: it leaves the account's sessions alone.
      const named = dto.displayName !== undefined && dto.displayName !== user.displayName;
      if (Object.keys(changes).length === 0 && !named) return user;
      // A changed flag alone needs no new session: it is read on every request.
      const ending = Object.keys(changes).some((k) => k !== 'mustChangePassword');
      if (ending) {
        changes.tokenVersion = user.tokenVersion + 1;
        await this.sessions.endAll(em, id);
      }
      if (named) changes.displayName = dto.displayName;
      if (changes.disabled === false || changes.passwordHash) {
        // Re-enabled or reset: the locked-out owner may log in at once.
        await em.delete(LoginFailure, { username: user.username.toLowerCase() });
      }
      await em.update(User, { id }, changes);
      const updated = await em.findOneByOrFail(User, { id });
      await this.audit.updated(
        ctxOf(em, caller),
        'user',
        id,
        updated.villageId,
        withFactor(user),
        withFactor(updated),
      );
      return updated;
    });
    return (await this.responses(this.users.manager, [user]))[0];
  }

  /**
   * From the server's shell (`npm run admin:reset -- <username>`), for an administrator locked
   * out: a new generated password (answered, to be shown once, and changed at the next login),
   * the second factor removed, the account enabled, its sessions and failed logins cleared. The
   * trail has it as a change of the account by itself, its reason naming the command.
   */
  async resetFromShell(username: string): Promise<string> {
    const password = randomBytes(12).toString('base64url');
    const passwordHash = await hashPassword(password);
    await this.tx.run(async (em) => {
      const user = await em
        .createQueryBuilder(User, 'u')
        .where('LOWER(u.username) = :name', { name: username.toLowerCase() })
        .getOne();
      if (!user) throw notFound(`User "${username}"`);
      await this.factor.reset(em, user.id);
      await em.update(
        User,
        { id: user.id },
        {
          passwordHash,
          mustChangePassword: true,
          disabled: false,
          tokenVersion: user.tokenVersion + 1,
        },
      );
      await this.sessions.endAll(em, user.id);
      await em.delete(LoginFailure, { username: user.username.toLowerCase() });
      const updated = await em.findOneByOrFail(User, { id: user.id });
      const self: Caller = { ...user, town: null, requestId: null };
      await this.audit.updated(
        ctxOf(em, self),
        'user',
        user.id,
        user.villageId,
        withFactor(user),
        withFactor(updated),
        'npm run admin:reset (server shell)',
      );
    });
    return password;
  }

  /**
   * Any user changes their own password; other sessions end, this one gets a new token. A wrong
   * current password counts as a failed login of the account.
   */
  async changeOwnPassword(
    caller: Caller,
    dto: PasswordChangeDto,
    client: LoginClient,
  ): Promise<TokenResponseDto> {
    const user = await this.users.findOneBy({ id: caller.id });
    if (!user) throw notFound('User');
    // the current password is guessed no faster than at the login
    const username = user.username.toLowerCase();
    const ok = await this.throttle.judge(
      username,
      client,
      async () => (await verifyPassword(dto.currentPassword, user.passwordHash)).ok,
    );
    if (!ok) {
      await this.tx.run((em) =>
        this.audit.access(em, {
          action: 'auth.login_failed',
          account: user,
          username,
          ip: client.ip,
          outcome: 'wrong_current_password',
          requestId: caller.requestId,
        }),
      );
      throw forbidden('currentPassword is wrong');
    }
    assertPasswordAcceptable('newPassword', dto.newPassword, user.username, user.role);
    const passwordHash = await this.throttle.hash(username, () => hashPassword(dto.newPassword));
    const { updated, sessionId } = await this.tx.run(async (em) => {
      const result = await em.update(
        User,
        { id: user.id, tokenVersion: user.tokenVersion },
        { passwordHash, mustChangePassword: false, tokenVersion: user.tokenVersion + 1 },
      );
      // Someone else changed the account meanwhile (disabled it, reset it): this session is over.
      if (!result.affected) throw forbidden('The account changed meanwhile; log in again');
      await this.sessions.endAll(em, user.id, caller.sessionId);
      const updated = await em.findOneByOrFail(User, { id: user.id });
      await this.audit.access(em, {
        action: 'auth.password_changed',
        account: user,
        username,
        ip: client.ip,
        outcome: 'ok',
        requestId: caller.requestId,
      });
      const sessionId =
        caller.sessionId ??
        (await this.sessions.open(em, updated, { ip: client.ip, userAgent: null }));
      return { updated, sessionId };
    });
    return {
      accessToken: await this.sessions.accessToken(updated, sessionId),
      user: (await this.responses(this.users.manager, [updated]))[0],
    };
  }
}
