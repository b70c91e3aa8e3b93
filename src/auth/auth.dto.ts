import { ApiProperty } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, Length, Matches } from 'class-validator';
import { IsId, IsIdQuery } from '../common/ids';
import { Optional } from '../common/dto';
import { PageQueryDto } from '../common/pagination';
import { ROLES, type Role } from './user.entity';

export class LoginDto {
  @IsString() @Length(1, 50) username!: string;
  @IsString() @Length(1, 200) password!: string;
}

export class UserCreateDto {
  @IsString()
  @Matches(/^[A-Za-z0-9_.-]{3,50}$/, { message: 'username must be 3-50 letters, digits, _ . or -' })
  username!: string;

  @IsString() @Length(8, 200) password!: string;

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

export class UserListQueryDto extends PageQueryDto {
  @IsOptional() @IsIn(ROLES) role?: Role;
  @IsOptional() @IsIdQuery() villageId?: number;
}

export class UserResponseDto {
  id!: number;
  username!: string;
  role!: Role;
  villageId!: number | null;
  storeId!: number | null;
  villagerId!: number | null;
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
