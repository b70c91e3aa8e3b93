import {
  Column,
  CreateDateColumn,
  Entity,
  Index,
  PrimaryGeneratedColumn,
  ForeignKey,
} from 'typeorm';
import { Store } from '../store/store.entity';
import { Villager } from '../villagers/villager.entity';
import { Village } from '../villages/village.entity';
import { TIMESTAMP } from '../db/columns';

export const ROLES = ['admin', 'cadre', 'shopkeeper', 'villager'] as const;
export type Role = (typeof ROLES)[number];

@Entity('users')
export class User {
  @PrimaryGeneratedColumn() id!: number;
  @Index({ unique: true }) @Column({ type: 'varchar', length: 50 }) username!: string;
  @Column({ type: 'varchar', length: 100 }) passwordHash!: string;
  @Column({ type: 'varchar', length: 20 }) role!: Role;
  @ForeignKey(() => Village) @Column({ type: 'integer', nullable: true }) villageId!: number | null;
  @ForeignKey(() => Store) @Column({ type: 'integer', nullable: true }) storeId!: number | null;
  @ForeignKey(() => Villager) @Column({ type: 'integer', nullable: true }) villagerId!:
    number | null;
  @CreateDateColumn({ type: TIMESTAMP }) createdAt!: Date;
}

/** A failed login; counted per username over a window, shared by every instance. */
@Entity('login_failures')
@Index(['username', 'failedAt'])
export class LoginFailure {
  @PrimaryGeneratedColumn() id!: number;
  @Column({ type: 'varchar', length: 50 }) username!: string;
  @Column({ type: TIMESTAMP }) failedAt!: Date;
}
