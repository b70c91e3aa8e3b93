import { createHash, randomInt } from 'node:crypto';
import { BadRequestException, Injectable } from '@nestjs/common';
import { Secret, TOTP } from 'otpauth';
import { EntityManager, IsNull } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import type { Caller } from '../common/auth.decorators';
import { notFound, refuse } from '../common/errors';
import { Tx } from '../db/transaction';
import type { MfaEnableResponseDto, MfaSetupResponseDto } from './auth.dto';
import { RecoveryCode, User } from './user.entity';

const ISSUER = '文明积分';
const PERIOD = 30;
/** A code of the step before or after is accepted too (a phone's clock a little off). */
const WINDOW = 1;
const RECOVERY_CODES = 10;
/** Recovery codes: 10 characters without look-alikes (0/O, 1/I/L), about 50 bits each. */
const RECOVERY_ALPHABET = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789';

const totpOf = (secret: string, label = '') =>
  new TOTP({ issuer: ISSUER, label, secret: Secret.fromBase32(secret), period: PERIOD });

const hashCode = (code: string) => createHash('sha256').update(code).digest('hex');

/** A recovery code as typed: case, spaces and dashes do not matter. */
const normalRecoveryCode = (code: string) => code.toUpperCase().replace(/[\s-]/g, '');

function newRecoveryCode(): string {
  let code = '';
  for (let i = 0; i < 10; i++) code += RECOVERY_ALPHABET[randomInt(RECOVERY_ALPHABET.length)];
  return `${code.slice(0, 5)}-${code.slice(5)}`;
}

/** The caller's account, refused (409) when it has a second factor already. */
async function withoutFactor(em: EntityManager, caller: Caller): Promise<User> {
  const user = await em.findOneBy(User, { id: caller.id });
  if (!user) throw notFound('User');
  if (user.mfaSecret) {
    throw refuse('MFA_ENABLED', 'A second factor is set up already; an admin can reset it');
  }
  return user;
}

/**
 * The second factor (docs/security.md, "Second factor"): TOTP (RFC 6238, 6 digits, 30 s, SHA-1,
 * as every authenticator app reads it) by the otpauth library, and ten recovery codes stored as
 * SHA-256, each usable once. A TOTP code is accepted at most once: the step of the last one
 * accepted is kept, and only a later step passes (a conditional update, so two racing logins
 * cannot both use one code).
 */
@Injectable()
export class SecondFactor {
  constructor(
    private readonly tx: Tx,
    private readonly audit: AuditService,
  ) {}

  /** A new secret for the caller's authenticator app; it counts once a code confirms it. */
  async setup(caller: Caller): Promise<MfaSetupResponseDto> {
    const secret = new Secret({ size: 20 }).base32;
    await this.tx.run(async (em) => {
      const user = await withoutFactor(em, caller);
      await em.update(User, { id: user.id }, { mfaPendingSecret: secret });
    });
    return { otpauthUrl: totpOf(secret, caller.username).toString(), secret };
  }

  /** Confirms the pending secret with a code of the app: the factor is on, ten recovery codes. */
  async enable(caller: Caller, code: string, ip: string | null): Promise<MfaEnableResponseDto> {
    const recoveryCodes = Array.from({ length: RECOVERY_CODES }, newRecoveryCode);
    await this.tx.run(async (em) => {
      const user = await withoutFactor(em, caller);
      if (!user.mfaPendingSecret) {
        throw new BadRequestException(['code: call POST /api/me/mfa/setup first']);
      }
      const step = this.stepOf(user.mfaPendingSecret, code);
      if (step === null) {
        throw new BadRequestException(['code does not match the app; check the phone’s time']);
      }
      const { affected } = await em.update(
        User,
        { id: user.id, mfaPendingSecret: user.mfaPendingSecret, mfaSecret: IsNull() },
        { mfaSecret: user.mfaPendingSecret, mfaPendingSecret: null, mfaLastStep: step },
      );
      if (!affected) throw refuse('MFA_ENABLED', 'The second factor changed meanwhile');
      await em.delete(RecoveryCode, { userId: user.id });
      await em.insert(
        RecoveryCode,
        recoveryCodes.map((c) => ({
          userId: user.id,
          codeHash: hashCode(normalRecoveryCode(c)),
          usedAt: null,
        })),
      );
      await this.audit.access(em, {
        action: 'auth.mfa_enabled',
        account: user,
        username: user.username,
        ip,
        outcome: 'ok',
        requestId: caller.requestId,
      });
    });
    return { recoveryCodes };
  }

  /**
   * Uses `code` (a TOTP of the account's app, or a recovery code) in the caller's transaction:
   * true when it was right and not used before, and it is now used.
   */
  async use(em: EntityManager, user: User, code: string): Promise<boolean> {
    if (!user.mfaSecret) return false;
    const digits = code.replace(/\s/g, '');
    if (/^\d{6}$/.test(digits)) {
      const step = this.stepOf(user.mfaSecret, digits);
      if (step === null || (user.mfaLastStep !== null && step <= user.mfaLastStep)) return false;
      const { affected } = await em
        .createQueryBuilder()
        .update(User)
        .set({ mfaLastStep: step })
        .where('id = :id AND (mfa_last_step IS NULL OR mfa_last_step < :step)', {
          id: user.id,
          step,
        })
        .execute();
      return (affected ?? 0) > 0;
    }
    const { affected } = await em.update(
      RecoveryCode,
      { userId: user.id, codeHash: hashCode(normalRecoveryCode(code)), usedAt: IsNull() },
      { usedAt: new Date() },
    );
    return (affected ?? 0) > 0;
  }

  /** Removes an account's second factor (an admin's reset, or admin:reset from the shell). */
  async reset(em: EntityManager, userId: number): Promise<void> {
    await em.update(
      User,
      { id: userId },
      { mfaSecret: null, mfaPendingSecret: null, mfaLastStep: null },
    );
    await em.delete(RecoveryCode, { userId });
  }

  /** The 30-second step a code belongs to, or null when it matches none near now. */
  private stepOf(secret: string, code: string): number | null {
    const delta = totpOf(secret).validate({ token: code.trim(), window: WINDOW });
    return delta === null ? null : Math.floor(Date.now() / 1000 / PERIOD) + delta;
  }
}
