import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { TIMESTAMP } from '../db/columns';

export const ROLES = ['admin', 'cadre', 'shopkeeper', 'villager'] as const;
export type Role = (typeof ROLES)[number];

@Entity('users')
export class User {
  @PrimaryGeneratedColumn() id!: number;
  @Index({ unique: true }) @Column({ type: 'varchar', length: 50 }) username!: string;
  @Column({ type: 'varchar', length: 100 }) passwordHash!: string;
  @Column({ type: 'varchar', length: 20 }) role!: Role;
  @Column({ type: 'integer', nullable: true }) villageId!: number | null;
  @Column({ type: 'integer', nullable: true }) storeId!: number | null;
  @Column({ type: 'integer', nullable: true }) villagerId!: number | null;
  /** A disabled account cannot log in, and its tokens are refused. */
  @Column({ type: 'boolean', default: false }) disabled!: boolean;
  /** Carried in every token; raised to end every session at once (disable, new password, role). */
  @Column({ type: 'integer', default: 0 }) tokenVersion!: number;
  @CreateDateColumn({ type: TIMESTAMP }) createdAt!: Date;
}

/**
 * A failed login (or one being checked: the row is written before the password is), counted per
 * lower-cased username and per client address over a window, shared by every instance.
 */
@Entity('login_failures')
@Index(['username', 'failedAt'])
export class LoginFailure {
  @PrimaryGeneratedColumn() id!: number;
  @Column({ type: 'varchar', length: 50 }) username!: string;
  @Column({ type: 'varchar', length: 45, nullable: true }) ip!: string | null;
  @Column({ type: TIMESTAMP }) failedAt!: Date;
}

/** One ID_NUMBER_TAKEN answer given to a user; at most a few a day (they reveal ID numbers). */
@Entity('id_number_conflicts')
export class IdNumberConflict {
  @PrimaryGeneratedColumn() id!: number;
  @Column({ type: 'integer' }) userId!: number;
  /** YYYY-MM-DD in the district's time zone. */
  @Column({ type: 'varchar', length: 10 }) day!: string;
  @Column({ type: TIMESTAMP }) at!: Date;
}
