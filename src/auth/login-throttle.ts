import { createHash } from 'node:crypto';
import { Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { In, IsNull, LessThan, MoreThan, Not, Repository } from 'typeorm';
import { tooMany } from '../common/errors';
import { repeat } from '../common/housekeeping';
import { Tx } from '../db/transaction';
import { KnownClient, LoginFailure } from './user.entity';

/**
 * How password guesses are limited (docs/security.md, "Logins"), for logins and for the current
 * password of a password change alike. Counted in the database, so every instance counts the same.
 */
export const THROTTLE = {
  /** Failures per account from one address in the window, then 429 for that address. */
  perAddress: 5,
  windowMs: 15 * 60_000,
  /** Failures from one address across accounts in a minute (a village office shares one). */
  perAddressPerMinute: 60,
  /**
   * Failures per account from every address in the window: past it, a client the account has
   * not logged in from is judged at most once per cool-down, so distributed guessing slows to a
   * crawl while the owner, on a device or address of the last 30 days, is not held up at all.
   */
  accountCeiling: 20,
  coolDownMs: 30_000,
  knownForMs: 30 * 24 * 3600_000,
  /** Password hashes (checks and new hashes) of one account at once, on this instance. */
  hashesPerAccount: 2,
};

/** Who is trying: the client's address and the device cookie its browser carries, if any. */
export interface LoginClient {
  ip: string | null;
  device: string | null;
  /** The request's id, for the access log. */
  requestId?: string | null;
}

const throttled = (message: string, retryAfterSeconds: number) =>
  tooMany('LOGIN_THROTTLED', message, retryAfterSeconds);

/** The client's address as a where-value (a request without one is counted as such). */
const ipWhere = (client: LoginClient) => (client.ip === null ? IsNull() : client.ip);

const clientKeys = (client: LoginClient) => [
  ...(client.ip === null ? [] : [`ip:${client.ip}`]),
  ...(client.device === null
    ? []
    : [`device:${createHash('sha256').update(client.device).digest('hex')}`]),
];

/** How often failures older than every window are deleted. */
const PRUNE_EVERY_MS = 10 * 60_000;

@Injectable()
export class LoginThrottle implements OnModuleInit, OnModuleDestroy {
  private readonly hashing = new Map<string, number>();
  private stopPruning?: () => void;

  constructor(
    @InjectRepository(LoginFailure) private readonly failures: Repository<LoginFailure>,
    @InjectRepository(KnownClient) private readonly known: Repository<KnownClient>,
    private readonly tx: Tx,
  ) {}

  onModuleInit(): void {
    this.stopPruning = repeat('pruning login failures', PRUNE_EVERY_MS, () => this.prune());
  }

  onModuleDestroy(): void {
    this.stopPruning?.();
  }

  /** Deletes the failures no limit counts any more (older than the longest window). */
  async prune(now = Date.now()): Promise<number> {
    const result = await this.tx.run((em) =>
      em.delete(LoginFailure, { failedAt: LessThan(new Date(now - THROTTLE.windowMs)) }),
    );
    return result.affected ?? 0;
  }

  /**
   * Judges one password attempt for `username` (lower-cased): reserve, count, then verify. The
   * attempt is written as a failure before the password is checked, so parallel guesses all see
   * each other and no more than the limits are ever judged; a refused attempt takes its
   * reservation back, a correct password clears this address's failures for the account.
   */
  async judge(
    username: string,
    client: LoginClient,
    verify: () => Promise<boolean>,
  ): Promise<boolean> {
    const now = Date.now();
    const reserved = await this.tx.run((em) =>
      em.insert(LoginFailure, { username, ip: client.ip, failedAt: new Date(now) }),
    );
    const id = reserved.identifiers[0].id as number;
    const release = () => this.tx.run((em) => em.delete(LoginFailure, { id }));
    let ok: boolean;
    try {
      await this.assertAllowed(id, username, client, now);
      ok = await this.hash(username, verify);
    } catch (err) {
      await release();
      throw err;
    }
    if (ok) await this.tx.run((em) => em.delete(LoginFailure, { username, ip: ipWhere(client) }));
    return ok;
  }

  private async assertAllowed(id: number, username: string, client: LoginClient, now: number) {
    const since = (ms: number) => MoreThan(new Date(now - ms));
    const ip = ipWhere(client);
    const [fromAddress, fromAddressAnyAccount, forAccount] = await Promise.all([
      this.failures.countBy({ username, ip, failedAt: since(THROTTLE.windowMs) }),
      client.ip === null ? 0 : this.failures.countBy({ ip, failedAt: since(60_000) }),
      this.failures.countBy({ username, failedAt: since(THROTTLE.windowMs) }),
    ]);
    if (fromAddressAnyAccount > THROTTLE.perAddressPerMinute) {
      throw throttled(
        '这个网络登录失败太多，请 1 分钟后再试 (too many failed logins from this address)',
        60,
      );
    }
    if (fromAddress > THROTTLE.perAddress) {
      throw throttled(
        '密码错误次数太多，请 15 分钟后再试 (too many failed logins for this account from this address)',
        THROTTLE.windowMs / 1000,
      );
    }
    if (forAccount > THROTTLE.accountCeiling && !(await this.isKnown(username, client, now))) {
      const recent = await this.failures.countBy({
        id: Not(id),
        username,
        failedAt: since(THROTTLE.coolDownMs),
      });
      if (recent > 0) {
        throw throttled(
          '这个账号近期登录失败太多，请 1 分钟后再试 (too many failed logins for this account; slowed down)',
          THROTTLE.coolDownMs / 1000,
        );
      }
    }
  }

  private async isKnown(username: string, client: LoginClient, now: number): Promise<boolean> {
    const keys = clientKeys(client);
    if (keys.length === 0) return false;
    return this.known.existsBy({
      username,
      clientKey: In(keys),
      lastLoginAt: MoreThan(new Date(now - THROTTLE.knownForMs)),
    });
  }

  /** After a successful login: this address and device are known to the account for 30 days. */
  async remember(username: string, client: LoginClient): Promise<void> {
    const now = new Date();
    await this.tx.run(async (em) => {
      for (const clientKey of clientKeys(client)) {
        await em.upsert(KnownClient, { username, clientKey, lastLoginAt: now }, [
          'username',
          'clientKey',
        ]);
      }
      await em.delete(KnownClient, {
        username,
        lastLoginAt: LessThan(new Date(now.getTime() - THROTTLE.knownForMs)),
      });
    });
  }

  /**
   * Runs one password hash of `username`'s (a check or a new hash) unless the account already has
   * THROTTLE.hashesPerAccount running: one account cannot fill the hashing threads that every
   * login shares.
   */
  async hash<T>(username: string, work: () => Promise<T>): Promise<T> {
    const running = this.hashing.get(username) ?? 0;
    if (running >= THROTTLE.hashesPerAccount) {
      throw throttled(
        '操作太频繁，请稍等再试 (password checks of this account already running)',
        1,
      );
    }
    this.hashing.set(username, running + 1);
    try {
      return await work();
    } finally {
      const left = (this.hashing.get(username) ?? 1) - 1;
      if (left === 0) this.hashing.delete(username);
      else this.hashing.set(username, left);
    }
  }
}
