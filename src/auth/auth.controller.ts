import { Body, Controller, Get, HttpCode, Ip, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { Auth, Caller, CurrentUser, Public } from '../common/auth.decorators';
import { ParseIdPipe } from '../common/ids';
import {
  LoginDto,
  PasswordChangeDto,
  UserCreateDto,
  UserListQueryDto,
  UserUpdateDto,
} from './auth.dto';
import { AuthService } from './auth.service';
import { UsersService } from './users.service';

@ApiTags('auth')
@ApiBearerAuth()
@Controller()
export class AuthController {
  constructor(
    private readonly auth: AuthService,
    private readonly users: UsersService,
  ) {}

  @Public()
  @Post('auth/login')
  @HttpCode(200)
  login(@Body() dto: LoginDto, @Ip() ip: string | undefined) {
    return this.auth.login(dto, ip ?? null);
  }

  @Get('me')
  me(@CurrentUser() caller: Caller) {
    return this.users.me(caller.id);
  }

  /** Own password: other sessions end, the answer carries a new token for this one. */
  @Post('me/password')
  @HttpCode(200)
  changePassword(@CurrentUser() caller: Caller, @Body() dto: PasswordChangeDto) {
    return this.users.changeOwnPassword(caller, dto);
  }

  @Auth('admin')
  @Post('users')
  createUser(@CurrentUser() caller: Caller, @Body() dto: UserCreateDto) {
    return this.users.create(caller, dto);
  }

  @Auth('admin')
  @Get('users')
  listUsers(@Query() q: UserListQueryDto) {
    return this.users.list(q);
  }

  /** Disable / re-enable, reset the password, change role or scope; ends the user's sessions. */
  @Auth('admin')
  @Patch('users/:id')
  updateUser(
    @CurrentUser() caller: Caller,
    @Param('id', ParseIdPipe) id: number,
    @Body() dto: UserUpdateDto,
  ) {
    return this.users.update(caller, id, dto);
  }
}
