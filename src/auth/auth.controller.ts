import { Body, Controller, Get, HttpCode, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { Auth, Caller, CurrentUser, Public } from '../common/auth.decorators';
import { LoginDto, UserCreateDto, UserListQueryDto } from './auth.dto';
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
  login(@Body() dto: LoginDto) {
    return this.auth.login(dto);
  }

  @Get('me')
  me(@CurrentUser() caller: Caller) {
    return this.users.me(caller.id);
  }

  @Auth('admin')
  @Post('users')
  createUser(@Body() dto: UserCreateDto) {
    return this.users.create(dto);
  }

  @Auth('admin')
  @Get('users')
  listUsers(@Query() q: UserListQueryDto) {
    return this.users.list(q);
  }
}
