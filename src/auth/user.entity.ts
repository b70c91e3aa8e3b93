import {
  Column,
  CreateDateColumn,
  Entity,
  Index,
  PrimaryColumn,
  PrimaryGeneratedColumn,
  ForeignKey,
} from 'typeorm';
import { Store } from '../store/store.entity';
import { Villager } from '../villagers/villager.entity';
import { Village } from '../villages/village.entity';
import { TIMESTAMP } from '../db/columns';

import type { Role } from './roles';

export { ROLES, type Role } from './roles';

@Entity('users')
// LOWER(username): an expression index the migration creates and the schema builder leaves alone
@Index('users_username_lower', { synchronize: false })
export class User {
  @PrimaryGeneratedColumn() id!: number;
  @Index({ unique: true }) @Column({ type: 'varchar', length: 50 }) username!: string;
  /** The person's name (姓名) shown instead of the login; null shows the villager's or the login. */
  @Column({ type: 'varchar', length: 50, nullable: true }) displayName!: string | null;
  @Column({ type: 'varchar', length: 100 }) passwordHash!: string;
  @Column({ type: 'varchar', length: 20 }) role!: Role;
  @ForeignKey(() => Village) @Column({ type: 'integer', nullable: true }) villageId!: number | null;
  @ForeignKey(() => Store) @Column({ type: 'integer', nullable: true }) storeId!: number | null;
  @ForeignKey(() => Villager) @Column({ type: 'integer', nullable: true }) villagerId!:
    number | null;
  /** A town account's town (镇), as `villages.town` spells it; null for every other role. */
  @Column({ type: 'varchar', length: 50, nullable: true }) town!: string | null;
  /** A disabled account cannot log in, and its tokens are refused. */
  @Column({ type: 'boolean', default: false }) disabled!: boolean;
  /** Carried in every token; raised to end every session at once (disable, new password, role). */
  @Column({ type: 'integer', default: 0 }) tokenVersion!: number;
  /** 长辈版 as the account chose it; null: not chosen (a villager's village default applies). */
  @Column({ type: 'boolean', nullable: true }) elderMode!: boolean | null;
  /** Set when an admin creates the account or resets its password: only a new password opens it. */
  @Column({ type: 'boolean', default: false }) mustChangePassword!: boolean;
  /** The TOTP secret (base32) once the second factor is enabled; null without one. */
  @Column({ type: 'varchar', length: 64, nullable: true }) mfaSecret!: string | null;
  /** A secret offered by setup and not yet confirmed by a code. */
  @Column({ type: 'varchar', length: 64, nullable: true }) mfaPendingSecret!: string | null;
  /** The 30-second step of the last TOTP code accepted: a code is never accepted twice. */
  @Column({ type: 'integer', nullable: true }) mfaLastStep!: number | null;
  @CreateDateColumn({ type: TIMESTAMP }) createdAt!: Date;
}

/**
 * A failed login (or one being checked: the row is written before the password is), counted per
 * lower-cased username and per client address over a window, shared by every instance.
 */
@Entity('login_failures')
@Index(['username', 'failedAt'])
@Index('login_failures_ip_failed_at', ['ip', 'failedAt'])
export class LoginFailure {
  @PrimaryGeneratedColumn() id!: number;
  @Column({ type: 'varchar', length: 50 }) username!: string;
  @Column({ type: 'varchar', length: 45, nullable: true }) ip!: string | null;
  @Column({ type: TIMESTAMP }) failedAt!: Date;
}

/**
 * A client that logged an account in: its address (`ip:…`) or its device cookie (`device:` and the
 * cookie's SHA-256). Recognised for 30 days, it is exempt from the account-wide login ceiling.
 */
@Entity('known_clients')
export class KnownClient {
  /** Lower-cased, as in login_failures. */
  @PrimaryColumn({ type: 'varchar', length: 50 }) username!: string;
  @PrimaryColumn({ type: 'varchar', length: 80 }) clientKey!: string;
  @Column({ type: TIMESTAMP }) lastLoginAt!: Date;
}

/** One ID_NUMBER_TAKEN answer given to a user; at most a few a day (they reveal ID numbers). */
@Entity('id_number_conflicts')
@Index('id_number_conflicts_user_day', ['userId', 'day'])
export class IdNumberConflict {
  @PrimaryGeneratedColumn() id!: number;
  @ForeignKey(() => User) @Column({ type: 'integer' }) userId!: number;
  /** YYYY-MM-DD in the district's time zone. */
  @Column({ type: 'varchar', length: 10 }) day!: string;
  @Column({ type: TIMESTAMP }) at!: Date;
}

/**
 * A login's session (docs/security.md, "Sessions"): the access token carries its id, and every
 * request reads it with its account in one primary-key join. Logout deletes it; a session idle
 * longer than SESSION_IDLE_MINUTES is refused and deleted. `mfaPending`: the password was right
 * and the second factor is still to come (the session is not usable until it is).
 */
@Entity('sessions')
@Index('sessions_user', ['userId'])
export class Session {
  @PrimaryGeneratedColumn() id!: number;
  @ForeignKey(() => User) @Column({ type: 'integer' }) userId!: number;
  /** What the browser says it is, shortened (e.g. "Chrome · Android"). */
  @Column({ type: 'varchar', length: 80, nullable: true }) device!: string | null;
  @Column({ type: 'varchar', length: 45, nullable: true }) address!: string | null;
  @Column({ type: TIMESTAMP }) createdAt!: Date;
  /** Written at most once a minute (less often than the idle timeout can notice). */
  @Column({ type: TIMESTAMP }) lastSeenAt!: Date;
  @Column({ type: 'boolean', default: false }) mfaPending!: boolean;
}

/** One of an account's ten recovery codes, stored as a SHA-256; each works once. */
@Entity('mfa_recovery_codes')
@Index('mfa_recovery_codes_user', ['userId'])
export class RecoveryCode {
  @PrimaryGeneratedColumn() id!: number;
  @ForeignKey(() => User) @Column({ type: 'integer' }) userId!: number;
  @Column({ type: 'varchar', length: 64 }) codeHash!: string;
  @Column({ type: TIMESTAMP, nullable: true }) usedAt!: Date | null;
}
