import {
  Body,
  Controller,
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
import { Auth, Caller, CurrentUser, OptionalAuth, Public } from '../common/auth.decorators';
import { ParseIdPipe } from '../common/ids';
import { APP_CONFIG, AppConfig } from '../config';
import {
  LoginDto,
  PasswordChangeDto,
  SessionResponseDto,
  UserCreateDto,
  UserListQueryDto,
  UserUpdateDto,
} from './auth.dto';
import { AuthService } from './auth.service';
import {
  clearSessionCookie,
  deviceCookie,
  durationSeconds,
  newDeviceId,
  setDeviceCookie,
  sessionToken,
  setSessionCookie,
  type RequestLike,
} from './session';
import { UsersService } from './users.service';
import { Endpoint, page } from '../common/api-docs';

@ApiTags('auth')
@ApiBearerAuth()
@Controller()
export class AuthController {
  constructor(
    private readonly auth: AuthService,
    private readonly users: UsersService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** Answers the token (API clients) and sets the httpOnly session cookie (browsers). */
  @Public()
  @Post('auth/login')
  @HttpCode(200)
  @Endpoint({
    summary: 'Log in: a bearer token, and the session cookie for browsers',
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
  ) {
    const device = deviceCookie(req) ?? newDeviceId();
    const answer = await this.auth.login(dto, { ip: ip ?? null, device, requestId: req.id });
    setSessionCookie(req, res, answer.accessToken, durationSeconds(this.config.jwtExpiresIn));
    setDeviceCookie(req, res, device);
    return answer;
  }

  @OptionalAuth()
  @Post('auth/logout')
  @HttpCode(204)
  @Endpoint({
    summary: 'Log out: clears the session cookie',
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

  @Get('me')
  @Endpoint({ summary: 'The caller’s own account' })
  me(@CurrentUser() caller: Caller) {
    return this.users.me(caller.id);
  }

  /** Own password: other sessions end, the answer carries a new token for this one. */
  @Post('me/password')
  @HttpCode(200)
  @Endpoint({
    summary: 'Change one’s own password (other sessions end; a new token for this one)',
    errors: {
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
  ) {
    const answer = await this.users.changeOwnPassword(caller, dto, {
      ip: ip ?? null,
      device: deviceCookie(req),
    });
    // A browser keeps its session: the cookie gets the new token.
    if (sessionToken(req)) {
      setSessionCookie(req, res, answer.accessToken, durationSeconds(this.config.jwtExpiresIn));
    }
    return answer;
  }

  @Auth('admin')
  @Post('users')
  @Endpoint({ summary: 'Create an account', conflicts: ['USERNAME_TAKEN'] })
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
    summary: 'Disable, re-enable, reset the password of, or rescope an account (ends its sessions)',
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
