import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Inject,
  Ip,
  Param,
  Patch,
  Post,
  Query,
  Req,
  Res,
} from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import {
  Auth,
  Caller,
  CurrentUser,
  OptionalAuth,
  OwnAccount,
  Public,
} from '../common/auth.decorators';
import { ParseIdPipe } from '../common/ids';
import { APP_CONFIG, AppConfig } from '../config';
import {
  LoginDto,
  LoginResponseDto,
  MeUpdateDto,
  MfaCodeDto,
  MfaEnableResponseDto,
  MfaLoginDto,
  MfaSetupResponseDto,
  PasswordChangeDto,
  SessionListDto,
  SessionResponseDto,
  TokenResponseDto,
  UserCreateDto,
  UserListQueryDto,
  UserUpdateDto,
} from './auth.dto';
import { AuthService, type Client } from './auth.service';
import { SecondFactor } from './second-factor';
import { Sessions } from './sessions';
import {
  clearSessionCookie,
  deviceCookie,
  durationSeconds,
  newDeviceId,
  setDeviceCookie,
  sessionToken,
  setSessionCookie,
  type RequestLike,
} from './cookies';
import { UsersService } from './users.service';
import { Endpoint, page } from '../common/api-docs';

@ApiTags('auth')
@ApiBearerAuth()
@Controller()
export class AuthController {
  constructor(
    private readonly auth: AuthService,
    private readonly users: UsersService,
    private readonly sessions: Sessions,
    private readonly factor: SecondFactor,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** The browser's session cookie, kept as long as the token lives. */
  private keepSession(req: RequestLike, res: FastifyReply, token: string): void {
    setSessionCookie(req, res, token, durationSeconds(this.config.jwtExpiresIn));
  }

  /** A login's client: address, device cookie (made now if missing), browser, request. */
  private clientOf(req: RequestLike, ip: string | undefined, device: string | null): Client {
    const agent = req.headers['user-agent'];
    return {
      ip: ip ?? null,
      device,
      userAgent: (Array.isArray(agent) ? agent[0] : agent) ?? null,
      requestId: req.id,
    };
  }

  /**
   * Answers the token (API clients) and sets the httpOnly session cookie (browsers); for an
   * account with a second factor, only `mfaRequired` and the `mfaToken` of the next step.
   */
  @Public()
  @Post('auth/login')
  @HttpCode(200)
  @Endpoint({
    summary: 'Log in: a bearer token and the session cookie, or the second step’s mfaToken',
    errors: {
      401: 'Wrong username or password (用户名或密码错误)',
      429: 'Too many failed logins (LOGIN_THROTTLED, with retryAfterSeconds): for this account from this address, from this address, or for this account from a client it has not logged in from',
    },
  })
  async login(
    @Body() dto: LoginDto,
    @Ip() ip: string | undefined,
    @Req() req: RequestLike,
    @Res({ passthrough: true }) res: FastifyReply,
  ): Promise<LoginResponseDto> {
    const device = deviceCookie(req) ?? newDeviceId();
    const answer = await this.auth.login(dto, this.clientOf(req, ip, device));
    if (answer.accessToken) {
      this.keepSession(req, res, answer.accessToken);
    }
    setDeviceCookie(req, res, device);
    return answer;
  }

  /** A login's second step: the token and the cookie, as a login without a factor answers. */
  @Public()
  @Post('auth/mfa')
  @HttpCode(200)
  @Endpoint({
    summary: 'The second step of a login: a TOTP code or a recovery code',
    errors: {
      401: 'Wrong or used code, or an mfaToken that is used, expired or not valid',
      429: 'Too many wrong codes, limited as logins are (LOGIN_THROTTLED)',
    },
  })
  async mfa(
    @Body() dto: MfaLoginDto,
    @Ip() ip: string | undefined,
    @Req() req: RequestLike,
    @Res({ passthrough: true }) res: FastifyReply,
  ): Promise<TokenResponseDto> {
    const answer = await this.auth.completeMfa(dto, this.clientOf(req, ip, deviceCookie(req)));
    this.keepSession(req, res, answer.accessToken);
    return answer;
  }

  @OptionalAuth()
  @Post('auth/logout')
  @HttpCode(204)
  @Endpoint({
    summary: 'Log out: ends this session (its token stops working) and clears the cookie',
    errors: { 403: 'A cross-origin request with the session cookie' },
  })
  async logout(
    @CurrentUser() caller: Caller | undefined,
    @Ip() ip: string | undefined,
    @Req() req: RequestLike,
    @Res({ passthrough: true }) res: FastifyReply,
  ): Promise<void> {
    clearSessionCookie(req, res);
    await this.auth.logout(caller, ip ?? null);
  }

  /** Who the session belongs to, or `user: null`: never a 401, so the app can ask at start. */
  @OptionalAuth()
  @Get('auth/session')
  @Endpoint({ summary: 'The account of the current session, or null (never 401)' })
  async session(@CurrentUser() caller: Caller | undefined): Promise<SessionResponseDto> {
    if (!caller) return { user: null };
    try {
      return { user: await this.users.me(caller.id) };
    } catch {
      return { user: null };
    }
  }

  @OwnAccount('PASSWORD_CHANGE_REQUIRED', 'MFA_SETUP_REQUIRED')
  @Get('me')
  @Endpoint({ summary: 'The caller’s own account' })
  me(@CurrentUser() caller: Caller) {
    return this.users.me(caller.id);
  }

  @OwnAccount('PASSWORD_CHANGE_REQUIRED', 'MFA_SETUP_REQUIRED')
  @Patch('me')
  @Endpoint({ summary: 'Change one’s own preferences: 长辈版 (elderMode)' })
  updateMe(@CurrentUser() caller: Caller, @Body() dto: MeUpdateDto) {
    return this.users.updateMe(caller, dto);
  }

  /** Own password: other sessions end, the answer carries a new token for this one. */
  @OwnAccount('PASSWORD_CHANGE_REQUIRED', 'MFA_SETUP_REQUIRED')
  @Post('me/password')
  @HttpCode(200)
  @Endpoint({
    summary: 'Change one’s own password (other sessions end; a new token for this one)',
    errors: {
      400: 'newPassword is too weak: under 8 characters, for staff fewer than three kinds of character, containing the username, or a common password',
      403: 'currentPassword is wrong',
      429: 'Too many wrong current passwords, limited as logins are (LOGIN_THROTTLED)',
    },
  })
  async changePassword(
    @CurrentUser() caller: Caller,
    @Body() dto: PasswordChangeDto,
    @Ip() ip: string | undefined,
    @Req() req: RequestLike,
    @Res({ passthrough: true }) res: FastifyReply,
  ): Promise<TokenResponseDto> {
    const answer = await this.users.changeOwnPassword(caller, dto, {
      ip: ip ?? null,
      device: deviceCookie(req),
    });
    // A browser keeps its session: the cookie gets the new token.
    if (sessionToken(req)) {
      this.keepSession(req, res, answer.accessToken);
    }
    return answer;
  }

  @Get('me/sessions')
  @Endpoint({ summary: 'The caller’s open sessions (devices), this one marked current' })
  async mySessions(@CurrentUser() caller: Caller): Promise<SessionListDto> {
    return { items: await this.sessions.list(caller) };
  }

  @OwnAccount()
  @Delete('me/sessions/:id')
  @HttpCode(204)
  @Endpoint({ summary: 'End one of the caller’s sessions (another account’s: 404)' })
  async endSession(
    @CurrentUser() caller: Caller,
    @Param('id', ParseIdPipe) id: number,
    @Ip() ip: string | undefined,
  ): Promise<void> {
    await this.sessions.remove(caller, id, ip ?? null);
  }

  @OwnAccount('MFA_SETUP_REQUIRED')
  @Post('me/mfa/setup')
  @HttpCode(200)
  @Endpoint({
    summary: 'Start setting up a second factor: a secret for the authenticator app',
    conflicts: ['MFA_ENABLED'],
  })
  mfaSetup(@CurrentUser() caller: Caller): Promise<MfaSetupResponseDto> {
    return this.factor.setup(caller);
  }

  @OwnAccount('MFA_SETUP_REQUIRED')
  @Post('me/mfa/enable')
  @HttpCode(200)
  @Endpoint({
    summary: 'Confirm the second factor with a code of the app: ten recovery codes, shown once',
    conflicts: ['MFA_ENABLED'],
  })
  mfaEnable(
    @CurrentUser() caller: Caller,
    @Body() dto: MfaCodeDto,
    @Ip() ip: string | undefined,
  ): Promise<MfaEnableResponseDto> {
    return this.factor.enable(caller, dto.code, ip ?? null);
  }

  @Auth('admin')
  @Post('users')
  @Endpoint({
    summary: 'Create an account (its owner changes the password at the first login)',
    conflicts: ['USERNAME_TAKEN'],
    errors: {
      400: 'password too weak: under 8 characters, for staff fewer than three kinds of character, containing the username, or a common password',
    },
  })
  createUser(@CurrentUser() caller: Caller, @Body() dto: UserCreateDto) {
    return this.users.create(caller, dto);
  }

  @Auth('admin')
  @Get('users')
  @Endpoint({ summary: 'List accounts', ok: page('UserResponseDto') })
  listUsers(@Query() q: UserListQueryDto) {
    return this.users.list(q);
  }

  /** Disable / re-enable, reset the password, change role or scope; ends the user's sessions. */
  @Auth('admin')
  @Patch('users/:id')
  @Endpoint({
    summary:
      'Disable, re-enable, reset the password or second factor of, or rescope an account (ends its sessions)',
    conflicts: ['USERNAME_TAKEN', 'CANNOT_DISABLE_SELF', 'CANNOT_DEMOTE_SELF'],
  })
  updateUser(
    @CurrentUser() caller: Caller,
    @Param('id', ParseIdPipe) id: number,
    @Body() dto: UserUpdateDto,
  ) {
    return this.users.update(caller, id, dto);
  }
}
