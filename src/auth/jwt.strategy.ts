import { createSecretKey } from 'node:crypto';
import { Inject, Injectable, UnauthorizedException } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { ExtractJwt, Strategy } from 'passport-jwt';
import { APP_CONFIG, AppConfig } from '../config';
import { millis } from '../db/columns';
import { Dialect } from '../db/dialect';
import { Tx } from '../db/transaction';
import type { Caller } from '../common/auth.decorators';
import { sessionToken, type RequestLike } from './cookies';
import { sessionEnded, Sessions, type TokenPayload } from './sessions';

@Injectable()
export class JwtStrategy extends PassportStrategy(Strategy) {
  private readonly accountSql: string;
  private readonly townSql: string;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly tx: Tx,
    private readonly sessions: Sessions,
    dialect: Dialect,
  ) {
    super({
      // A bearer token (API clients) or the browser's httpOnly session cookie.
      jwtFromRequest: ExtractJwt.fromExtractors([
        ExtractJwt.fromAuthHeaderAsBearerToken(),
        (req) => sessionToken(req as unknown as RequestLike),
      ]),
      // A KeyObject, not the string: jsonwebtoken would otherwise build the key on every request.
      // jsonwebtoken accepts it; passport-jwt's types only list string and Buffer.
      secretOrKey: createSecretKey(Buffer.from(config.jwtSecret)) as unknown as Buffer,
      algorithms: ['HS256'],
      passReqToCallback: true,
    });
    this.accountSql = dialect.placeholders(
      `SELECT u.id, u.username, u.role, u.village_id, u.store_id, u.villager_id, u.disabled,
              u.token_version, u.must_change_password, u.town, u.mfa_secret IS NOT NULL AS mfa,
              s.last_seen_at, s.mfa_pending
         FROM sessions s JOIN users u ON u.id = s.user_id
        WHERE s.id = $1`,
    );
    this.townSql = dialect.placeholders('SELECT id FROM villages WHERE town = $1 ORDER BY id');
  }

  /**
   * One primary-key read per request, of the token's session joined with its account: a token
   * whose session was ended (logout, a new password, an admin's change, idle too long) is refused
   * at once, on every instance, and so is one issued before the account was disabled or changed
   * (tokenVersion). Role and scope come from the account as it is now.
   */
  async validate(
    req: { id: string },
    payload: TokenPayload & { exp?: unknown; sid?: unknown; typ?: unknown },
  ): Promise<Caller> {
    // every token we issue expires; one without `exp` was not made by this service's login
    if (typeof payload.exp !== 'number') {
      throw new UnauthorizedException('This token has no expiry; log in again');
    }
    // a second-step token (typ: mfa) or one from before sessions is not an access token
    if (payload.typ !== undefined || typeof payload.sid !== 'number') throw sessionEnded();
    const sid = payload.sid;
    // plain SQL on a reused statement: the find() query builder was a measured share of every
    // request's CPU (docs/performance.md)
    const [row] = await this.tx.query<{
      id: number;
      username: string;
      role: Caller['role'];
      village_id: number | null;
      store_id: number | null;
      villager_id: number | null;
      town: string | null;
      disabled: boolean | number;
      token_version: number;
      must_change_password: boolean | number;
      mfa: boolean | number;
      last_seen_at: Date | string;
      mfa_pending: boolean | number;
    }>(this.accountSql, [sid]);
    if (
      !row ||
      Number(row.id) !== payload.sub ||
      Boolean(row.disabled) ||
      Boolean(row.mfa_pending) ||
      Number(row.token_version) !== (payload.ver ?? 0)
    ) {
      throw sessionEnded();
    }
    const idleMs = Date.now() - millis(row.last_seen_at);
    if (idleMs > this.config.sessionIdleMs) {
      await this.tx.run((em) => this.sessions.end(em, sid));
      throw sessionEnded(true);
    }
    if (idleMs > this.sessions.touchAfterMs) await this.sessions.touch(sid);
    const idOrNull = (v: number | null) => (v === null ? null : Number(v));
    const role = row.role;
    // a town account reads its town's villages as they are now: one more read, for town roles only
    const town =
      role === 'town' && row.town !== null
        ? {
            name: row.town,
            villageIds: (await this.tx.query<{ id: number }>(this.townSql, [row.town])).map((v) =>
              Number(v.id),
            ),
          }
        : null;
    return {
      id: Number(row.id),
      username: row.username,
      role,
      villageId: idOrNull(row.village_id),
      storeId: idOrNull(row.store_id),
      villagerId: idOrNull(row.villager_id),
      town,
      sessionId: sid,
      setupRequired: row.must_change_password
        ? 'PASSWORD_CHANGE_REQUIRED'
        : this.config.mfaRequiredRoles.includes(role) && !row.mfa
          ? 'MFA_SETUP_REQUIRED'
          : null,
      requestId: req.id,
    };
  }
}
