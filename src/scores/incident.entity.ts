import { Column, Entity, ForeignKey, Index, PrimaryGeneratedColumn } from 'typeorm';
import { User } from '../auth/user.entity';
import { TIMESTAMP } from '../db/columns';
import { Village } from '../villages/village.entity';

/** The "zeros" a village keeps (六零); an incident names the one that was broken. */
export const INCIDENT_KINDS = ['零事故', '零上访', '零发案', '零火灾', '零违建', '零违纪'] as const;
export type IncidentKind = (typeof INCIDENT_KINDS)[number];

/**
 * One broken "zero" recorded by the town (docs/product.md, "Village scores (积分换项目)"): it lowers
 * the village's quarterly score, never anyone's points. Never deleted: a mistake is revoked with a
 * reason and stays listed.
 */
@Entity('incidents')
@Index(['villageId', 'occurredOn'])
export class Incident {
  @PrimaryGeneratedColumn() id!: number;
  @ForeignKey(() => Village) @Column({ type: 'integer' }) villageId!: number;
  @Column({ type: 'varchar', length: 10 }) kind!: IncidentKind;
  @Column({ type: 'date' }) occurredOn!: string;
  @Column({ type: 'varchar', length: 500 }) description!: string;
  @ForeignKey(() => User) @Column({ type: 'integer' }) recordedBy!: number;
  @Column({ type: TIMESTAMP }) recordedAt!: Date;
  @ForeignKey(() => User) @Column({ type: 'integer', nullable: true }) revokedBy!: number | null;
  @Column({ type: TIMESTAMP, nullable: true }) revokedAt!: Date | null;
  @Column({ type: 'varchar', length: 500, nullable: true }) revokeReason!: string | null;
}
