import {
  Inject,
  Injectable,
  UnauthorizedException,
  type OnModuleDestroy,
  type OnModuleInit,
} from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { EntityManager, LessThan, Not } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import type { Caller } from '../common/auth.decorators';
import { notFound } from '../common/errors';
import { repeat } from '../common/housekeeping';
import { APP_CONFIG, AppConfig } from '../config';
import { Tx } from '../db/transaction';
import type { SessionItemDto } from './auth.dto';
import { durationSeconds } from './cookies';
import { Session, type User } from './user.entity';

/** Where a login comes from: the client's address and what its browser says it is. */
export interface SessionClient {
  ip: string | null;
  userAgent: string | null;
}

export interface TokenPayload extends Omit<
  Caller,
  'id' | 'requestId' | 'sessionId' | 'setupRequired'
> {
  sub: number;
  /** The user's tokenVersion when the token was issued. */
  ver: number;
}

/** What an access token carries besides its session: who, their role and scope, the version. */
export function tokenPayload(user: User): TokenPayload {
  return {
    sub: user.id,
    username: user.username,
    role: user.role,
    villageId: user.villageId,
    storeId: user.storeId,
    villagerId: user.villagerId,
    ver: user.tokenVersion ?? 0,
  };
}

/** A token for the second step of a login (POST /api/auth/mfa): 5 minutes, not an access token. */
export interface MfaTokenPayload {
  sub: number;
  sid: number;
  typ: 'mfa';
}

export const MFA_TOKEN_SECONDS = 5 * 60;

/** "Chrome · Android", "微信 · iPhone": enough for a person to recognise their own device. */
export function deviceOf(userAgent: string | null): string | null {
  if (!userAgent) return null;
  const browser = (
    [
      [/MicroMessenger/, '微信'],
      [/Edg\//, 'Edge'],
      [/Firefox\//, 'Firefox'],
      [/Chrome\//, 'Chrome'],
      [/Safari\//, 'Safari'],
      [/curl|node|undici|axios|okhttp|python/i, '程序'],
    ] as const
  ).find(([re]) => re.test(userAgent))?.[1];
  const system = (
    [
      [/iPhone|iPad/, 'iPhone'],
      [/Android/, 'Android'],
      [/HarmonyOS/, '鸿蒙'],
      [/Windows/, 'Windows'],
      [/Mac OS X/, 'Mac'],
      [/Linux/, 'Linux'],
    ] as const
  ).find(([re]) => re.test(userAgent))?.[1];
  const label = [browser, system].filter(Boolean).join(' · ');
  return label || userAgent.slice(0, 80);
}

/** 401 for a session that has ended: `SESSION_EXPIRED` when it went idle. */
export const sessionEnded = (idle = false) =>
  new UnauthorizedException(
    idle
      ? {
          statusCode: 401,
          error: 'Unauthorized',
          code: 'SESSION_EXPIRED',
          message: 'This session was idle too long; log in again',
        }
      : 'This session has ended; log in again',
  );

/** How often deleted-by-time sessions are swept. */
const PRUNE_EVERY_MS = 10 * 60_000;

/**
 * Server-side sessions (docs/security.md, "Sessions"): a login opens one, its access token names
 * it (`sid`), logout or the idle timeout ends it, and its owner sees and ends their own. Ending
 * every session of an account stays `tokenVersion + 1` (jwt.strategy.ts); the rows of those
 * sessions are deleted with it (`endAll`).
 */
@Injectable()
export class Sessions implements OnModuleInit, OnModuleDestroy {
  private stopPruning?: () => void;
  private readonly lifetimeMs: number;
  /** When this instance last wrote each session's `lastSeenAt` (pruned with the sessions). */
  private readonly touched = new Map<number, number>();

  constructor(
    private readonly jwt: JwtService,
    private readonly tx: Tx,
    private readonly audit: AuditService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.lifetimeMs = durationSeconds(config.jwtExpiresIn) * 1000;
  }

  onModuleInit(): void {
    this.stopPruning = repeat('pruning sessions', PRUNE_EVERY_MS, () => this.prune());
  }

  onModuleDestroy(): void {
    this.stopPruning?.();
  }

  /** How stale `lastSeenAt` may get before a request writes it: a minute, less for short idles. */
  get touchAfterMs(): number {
    return Math.min(60_000, this.config.sessionIdleMs / 4);
  }

  /** Opens a session for the account (pending its second factor, if `mfaPending`). */
  async open(
    em: EntityManager,
    user: User,
    client: SessionClient,
    mfaPending = false,
  ): Promise<number> {
    const now = new Date();
    const session = await em.save(
      em.create(Session, {
        userId: user.id,
        device: deviceOf(client.userAgent),
        address: client.ip,
        createdAt: now,
        lastSeenAt: now,
        mfaPending,
      }),
    );
    return session.id;
  }

  /** The access token of an open session. */
  accessToken(user: User, sessionId: number): Promise<string> {
    return this.jwt.signAsync({ ...tokenPayload(user), sid: sessionId });
  }

  /** The token of a login's second step, for a session opened with `mfaPending`. */
  mfaToken(user: User, sessionId: number): Promise<string> {
    const payload: MfaTokenPayload = { sub: user.id, sid: sessionId, typ: 'mfa' };
    return this.jwt.signAsync(payload, { expiresIn: MFA_TOKEN_SECONDS });
  }

  /** The payload of a valid, unexpired second-step token, or 401. */
  async readMfaToken(token: string): Promise<MfaTokenPayload> {
    const payload = await this.jwt
      .verifyAsync<MfaTokenPayload>(token, { algorithms: ['HS256'] })
      .catch(() => null);
    if (!payload || payload.typ !== 'mfa' || !Number.isInteger(payload.sid)) {
      throw new UnauthorizedException('mfaToken is not valid or has expired; log in again');
    }
    return payload;
  }

  /**
   * The second factor was right: the pending session opens. One conditional update, so a token
   * works once even when two tries race; false when it was used (or ended) already.
   */
  async completeMfa(em: EntityManager, sessionId: number, userId: number): Promise<boolean> {
    const { affected } = await em.update(
      Session,
      { id: sessionId, userId, mfaPending: true },
      { mfaPending: false, lastSeenAt: new Date() },
    );
    return (affected ?? 0) > 0;
  }

  /** Ends one session (logout). */
  async end(em: EntityManager, sessionId: number): Promise<void> {
    await em.delete(Session, { id: sessionId });
  }

  /** Ends every session of an account, but `except` (the caller's own, after a new password). */
  async endAll(em: EntityManager, userId: number, except?: number): Promise<void> {
    await em.delete(Session, except === undefined ? { userId } : { userId, id: Not(except) });
  }

  /**
   * Notes that the session was used now. The concurrent requests that all read the stale
   * `lastSeenAt` write it once on this instance, not once each.
   */
  async touch(sessionId: number): Promise<void> {
    const now = Date.now();
    if (now - (this.touched.get(sessionId) ?? 0) < this.touchAfterMs) return;
    this.touched.set(sessionId, now);
    await this.tx.run((em) => em.update(Session, { id: sessionId }, { lastSeenAt: new Date(now) }));
  }

  /** The caller's open sessions, the newest first. */
  async list(caller: Caller): Promise<SessionItemDto[]> {
    const rows = await this.tx.read((em) =>
      em.find(Session, {
        where: { userId: caller.id, mfaPending: false },
        order: { lastSeenAt: 'DESC', id: 'DESC' },
      }),
    );
    const idleSince = Date.now() - this.config.sessionIdleMs;
    return rows
      .filter((s) => s.lastSeenAt.getTime() >= idleSince)
      .map((s) => ({
        id: s.id,
        device: s.device,
        address: s.address,
        createdAt: s.createdAt,
        lastSeenAt: s.lastSeenAt,
        current: s.id === caller.sessionId,
      }));
  }

  /**
   * Ends one of the caller's sessions (a phone left somewhere); another account's → 404. The
   * access log has it as a logout of that session, done from this one.
   */
  async remove(caller: Caller, id: number, ip: string | null): Promise<void> {
    await this.tx.run(async (em) => {
      const { affected } = await em.delete(Session, { id, userId: caller.id });
      if (!affected) throw notFound('Session');
      await this.audit.access(em, {
        action: 'auth.logout',
        account: caller,
        username: caller.username,
        ip,
        outcome: id === caller.sessionId ? 'ok' : 'ended_from_another_session',
        requestId: caller.requestId,
        details: { sessionId: id },
      });
    });
  }

  /** Deletes sessions gone idle, past the token's lifetime, or left at the second step. */
  async prune(now = Date.now()): Promise<number> {
    const idle = new Date(now - this.config.sessionIdleMs);
    const old = new Date(now - this.lifetimeMs);
    for (const [id, at] of this.touched) if (now - at > this.touchAfterMs) this.touched.delete(id);
    return this.tx.run(async (em) => {
      const a = await em.delete(Session, { lastSeenAt: LessThan(idle) });
      const b = await em.delete(Session, { createdAt: LessThan(old) });
      return (a.affected ?? 0) + (b.affected ?? 0);
    });
  }
}
