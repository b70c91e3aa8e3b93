import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { TIMESTAMP } from '../db/columns';

export const AUDIT_ENTITY_TYPES = [
  'deed',
  'villager',
  'household',
  'redemption',
  'evaluation',
  'objection',
  'user',
  'rule',
  'goods',
  'store',
  'village',
  'photo',
  'export',
  'settings',
  'incident',
  'town_score',
  'activity',
  'activity_signup',
] as const;
export type AuditEntityType = (typeof AUDIT_ENTITY_TYPES)[number];

/** Field → [before, after]; null before for a record created, null after for one removed. */
export type AuditChanges = Record<string, unknown>;

/**
 * One change to one record (docs/product.md), written in the transaction of the change itself.
 * Append-only: database triggers refuse UPDATE and DELETE.
 */
@Entity('audit_events')
@Index(['villageId', 'id'])
@Index(['entityType', 'entityId'])
@Index(['actorId', 'id'])
export class AuditEvent {
  @PrimaryGeneratedColumn() id!: number;
  @Column({ type: TIMESTAMP }) at!: Date;
  @Column({ type: 'integer', nullable: true }) actorId!: number | null;
  @Column({ type: 'varchar', length: 20, nullable: true }) role!: string | null;
  /** e.g. deed.record, deed.approve, redemption.cancel, evaluation.publish */
  @Column({ type: 'varchar', length: 40 }) action!: string;
  @Column({ type: 'varchar', length: 20 }) entityType!: AuditEntityType;
  @Column({ type: 'integer' }) entityId!: number;
  @Column({ type: 'integer', nullable: true }) villageId!: number | null;
  @Column({ type: 'simple-json' }) changes!: AuditChanges;
  @Column({ type: 'varchar', length: 500, nullable: true }) reason!: string | null;
  @Column({ type: 'varchar', length: 64, nullable: true }) requestId!: string | null;
}
