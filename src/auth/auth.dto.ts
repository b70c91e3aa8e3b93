import { ApiProperty } from '@nestjs/swagger';
import { IsBoolean, IsIn, IsOptional, IsString, Matches } from 'class-validator';
import { IsId, IsIdQuery } from '../common/ids';
import { CodePointLength, NameText, Optional } from '../common/dto';
import { PageQueryDto } from '../common/pagination';
import { ROLES, type Role } from './user.entity';

export class LoginDto {
  @IsString() @CodePointLength(1, 50) username!: string;
  @IsString() @CodePointLength(1, 200) password!: string;
}

export class UserCreateDto {
  @IsString()
  @Matches(/^[A-Za-z0-9_.-]{3,50}$/, { message: 'username must be 3-50 letters, digits, _ . or -' })
  username!: string;

  /** At least 8 characters; staff need three kinds of character (docs/security.md). */
  @IsString() @CodePointLength(8, 200) password!: string;

  /** Whether the account must choose its own password at its first login (default true). */
  @Optional() @IsBoolean() mustChangePassword?: boolean;

  /** The person's name (姓名) shown instead of the username; a villager's account shows theirs. */
  @Optional() @NameText(1, 50) displayName?: string;

  @ApiProperty({ enum: ROLES })
  @IsIn(ROLES)
  role!: Role;

  /** Required for a cadre. */
  @Optional() @IsId() villageId?: number;
  /** Required for a shopkeeper. */
  @Optional() @IsId() storeId?: number;
  /** Required for a villager. */
  @Optional() @IsId() villagerId?: number;
  /** Required for a town account (镇干部): the town as the villages name it. */
  @Optional() @NameText(1, 50) town?: string;
}

/** What an admin may change on an account; a change of role names the new role's scope. */
export class UserUpdateDto {
  /** The person's name (姓名); changing it leaves the account's sessions alone. */
  @Optional() @NameText(1, 50) displayName?: string;
  /** true disables the account and ends its sessions; false re-enables it. */
  @Optional() @IsBoolean() disabled?: boolean;
  /** A new password set by an admin (reset); ends the account's sessions. */
  @Optional() @IsString() @CodePointLength(8, 200) password?: string;
  /** Must the owner choose a new password at the next login (default true with `password`). */
  @Optional() @IsBoolean() mustChangePassword?: boolean;
  /** true removes the account's second factor (lost phone); it enrols again at the next login. */
  @Optional() @IsBoolean() resetMfa?: boolean;
  @ApiProperty({ enum: ROLES, required: false })
  @Optional()
  @IsIn(ROLES)
  role?: Role;
  @Optional() @IsId() villageId?: number;
  @Optional() @IsId() storeId?: number;
  @Optional() @IsId() villagerId?: number;
  @Optional() @NameText(1, 50) town?: string;
}

export class PasswordChangeDto {
  @IsString() @CodePointLength(1, 200) currentPassword!: string;
  @IsString() @CodePointLength(8, 200) newPassword!: string;
}

/** What anyone may change on their own account. */
export class MeUpdateDto {
  /** 长辈版 (large type, big buttons) on or off for this account, on every device. */
  @Optional() @IsBoolean() elderMode?: boolean;
}

export class UserListQueryDto extends PageQueryDto {
  @IsOptional() @IsIn(ROLES) role?: Role;
  @IsOptional() @IsIdQuery() villageId?: number;
}

export class UserResponseDto {
  id!: number;
  username!: string;
  /** The name to show: the account's own, else its villager's, else the username. */
  displayName!: string;
  role!: Role;
  villageId!: number | null;
  storeId!: number | null;
  villagerId!: number | null;
  /** The town a town account reads; null for every other role. */
  town!: string | null;
  disabled!: boolean;
  /** Only a new password (POST /api/me/password) opens the account's other routes. */
  mustChangePassword!: boolean;
  /** The account has a second factor (TOTP). */
  mfaEnabled!: boolean;
  /** The account's role needs a second factor and it has none: only enrolling answers. */
  mfaSetupRequired!: boolean;
  /** 长辈版: the account's choice, else (a villager) the village's default, else false. */
  elderMode!: boolean;
  createdAt!: Date;
}

/** An access token and whose it is. */
export class TokenResponseDto {
  accessToken!: string;
  user!: UserResponseDto;
}

/**
 * A login: the token and the account, or, for an account with a second factor, `mfaRequired`
 * and the `mfaToken` for POST /api/auth/mfa (no token, no cookie yet).
 */
export class LoginResponseDto {
  accessToken?: string;
  user?: UserResponseDto;
  mfaRequired?: boolean;
  /** Works once, for 5 minutes. */
  mfaToken?: string;
}

export class MfaLoginDto {
  @IsString() @CodePointLength(1, 2000) mfaToken!: string;
  /** The 6 digits of the authenticator app, or one of the recovery codes. */
  @IsString() @CodePointLength(1, 40) code!: string;
}

export class MfaSetupResponseDto {
  /** For the authenticator app's QR code. */
  otpauthUrl!: string;
  /** The same secret in base32, to type in by hand. */
  secret!: string;
}

export class MfaCodeDto {
  /** The 6 digits the authenticator app shows now. */
  @IsString()
  @Matches(/^\s*\d{6}\s*$/, { message: 'code must be the 6 digits of the app' })
  code!: string;
}

export class MfaEnableResponseDto {
  /** Ten codes, each usable once instead of the app; shown only now. */
  recoveryCodes!: string[];
}

export class SessionItemDto {
  id!: number;
  /** The browser and system, e.g. "Chrome · Android". */
  device!: string | null;
  address!: string | null;
  createdAt!: Date;
  lastSeenAt!: Date;
  /** The session of this request. */
  current!: boolean;
}

export class SessionListDto {
  items!: SessionItemDto[];
}

export class SessionResponseDto {
  /** The signed-in account, or null without a valid session. */
  user!: UserResponseDto | null;
}
