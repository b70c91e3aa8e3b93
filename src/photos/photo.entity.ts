import { Column, Entity, ForeignKey, Index, PrimaryGeneratedColumn } from 'typeorm';
import { User } from '../auth/user.entity';
import { BINARY, TIMESTAMP } from '../db/columns';
import { Deed } from '../deeds/deed.entity';
import { Village } from '../villages/village.entity';
import type { ImageType } from './image';

/**
 * A photo offered as evidence: uploaded first, then attached to one deed by the deed's
 * recorder. Kept in the database, so several instances on PostgreSQL share it without a shared
 * disk; `data` is read only when the photo itself is asked for.
 */
@Entity('photos')
export class Photo {
  @PrimaryGeneratedColumn() id!: number;
  @Index() @ForeignKey(() => Village) @Column({ type: 'integer' }) villageId!: number;
  @ForeignKey(() => User) @Column({ type: 'integer' }) uploadedBy!: number;
  /** The deed it is evidence for; null until a deed is recorded with it. */
  @Index() @ForeignKey(() => Deed) @Column({ type: 'integer', nullable: true }) deedId!:
    number | null;
  @Column({ type: 'varchar', length: 20 }) contentType!: ImageType;
  @Column({ type: 'integer' }) width!: number;
  @Column({ type: 'integer' }) height!: number;
  @Column({ type: 'integer' }) size!: number;
  @Column({ type: BINARY, select: false }) data!: Buffer;
  @Column({ type: TIMESTAMP }) createdAt!: Date;
}
