import { HttpException, HttpStatus, Injectable } from '@nestjs/common';
import { Column, Entity, PrimaryColumn } from 'typeorm';
import { Dialect } from './dialect';
import { Tx } from './transaction';

/** Hits per key and fixed window, in the database so that every instance counts the same. */
@Entity('rate_limits')
export class RateLimitWindow {
  @PrimaryColumn({ type: 'varchar', length: 100 }) key!: string;
  /** Start of the window, seconds since the epoch. */
  @PrimaryColumn({ type: 'bigint' }) windowStart!: string;
  @Column({ type: 'integer' }) hits!: number;
}

@Injectable()
export class RateLimiter {
  constructor(
    private readonly tx: Tx,
    private readonly dialect: Dialect,
  ) {}

  /**
   * Counts one hit for `key` in the current window of `windowSeconds` and refuses (429) past
   * `limit`. One upsert: concurrent hits on one or many instances are all counted.
   */
  async hit(key: string, limit: number, windowSeconds: number, message: string): Promise<void> {
    const now = Math.floor(Date.now() / 1000);
    const windowStart = now - (now % windowSeconds);
    const hits = await this.tx.run(async (em) => {
      await em.query(
        this.dialect.placeholders('DELETE FROM rate_limits WHERE key = $1 AND window_start < $2'),
        [key, windowStart],
      );
      const [row] = await this.dialect.returning<{ hits: number }>(
        em,
        `INSERT INTO rate_limits (key, window_start, hits) VALUES ($1, $2, 1)
         ON CONFLICT (key, window_start) DO UPDATE SET hits = rate_limits.hits + 1
         RETURNING hits`,
        [key, windowStart],
      );
      return Number(row.hits);
    });
    if (hits > limit) throw new HttpException(message, HttpStatus.TOO_MANY_REQUESTS);
  }
}
