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

  @IsString() @CodePointLength(8, 200) password!: string;

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
}

/** What an admin may change on an account; a change of role names the new role's scope. */
export class UserUpdateDto {
  /** The person's name (姓名); changing it leaves the account's sessions alone. */
  @Optional() @NameText(1, 50) displayName?: string;
  /** true disables the account and ends its sessions; false re-enables it. */
  @Optional() @IsBoolean() disabled?: boolean;
  /** A new password set by an admin (reset); ends the account's sessions. */
  @Optional() @IsString() @CodePointLength(8, 200) password?: string;
  @ApiProperty({ enum: ROLES, required: false })
  @Optional()
  @IsIn(ROLES)
  role?: Role;
  @Optional() @IsId() villageId?: number;
  @Optional() @IsId() storeId?: number;
  @Optional() @IsId() villagerId?: number;
}

export class PasswordChangeDto {
  @IsString() @CodePointLength(1, 200) currentPassword!: string;
  @IsString() @CodePointLength(8, 200) newPassword!: string;
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
  disabled!: boolean;
  createdAt!: Date;
}

export class LoginResponseDto {
  accessToken!: string;
  user!: UserResponseDto;
}

export class SessionResponseDto {
  /** The signed-in account, or null without a valid session. */
  user!: UserResponseDto | null;
}
