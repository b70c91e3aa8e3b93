import { ApiProperty } from '@nestjs/swagger';
import { IsIn, IsISO8601, IsOptional } from 'class-validator';
import { IsIdQuery } from '../common/ids';
import { PageQueryDto } from '../common/pagination';
import { AUDIT_ENTITY_TYPES, AuditEvent, type AuditEntityType } from './audit-event.entity';

export class AuditListQueryDto extends PageQueryDto {
  @ApiProperty({ enum: AUDIT_ENTITY_TYPES, required: false })
  @IsOptional()
  @IsIn(AUDIT_ENTITY_TYPES)
  entityType?: AuditEntityType;
  @IsOptional() @IsIdQuery() entityId?: number;
  @IsOptional() @IsIdQuery() villageId?: number;
  @IsOptional() @IsIdQuery() actorId?: number;
  /** From this instant (ISO 8601), inclusive. */
  @IsOptional() @IsISO8601({ strict: true }) from?: string;
  /** Up to this instant (ISO 8601), exclusive. */
  @IsOptional() @IsISO8601({ strict: true }) to?: string;
}

/** An event as the trail lists it, with who acted by name (docs/product.md, "Accounts"). */
export class AuditEventItemDto extends AuditEvent {
  /** The acting account's name; null for the system. */
  actorName!: string | null;
}
