import { performance } from 'node:perf_hooks';
import * as bcrypt from 'bcryptjs';
import { hashPassword, verifyPassword } from './passwords';

describe('passwords', () => {
  it('hashes with argon2id and verifies; bcrypt hashes verify and ask to be replaced', async () => {
    const hash = await hashPassword('a-long-password');
    expect(hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(hash.length).toBeLessThanOrEqual(100); // users.password_hash is varchar(100)
    expect(await verifyPassword('a-long-password', hash)).toEqual({ ok: true, rehash: false });
    expect(await verifyPassword('wrong', hash)).toEqual({ ok: false, rehash: false });
    const old = bcrypt.hashSync('a-long-password', 4);
    expect(await verifyPassword('a-long-password', old)).toEqual({ ok: true, rehash: true });
    expect(await verifyPassword('wrong', old)).toEqual({ ok: false, rehash: true });
    expect(await verifyPassword('x', 'not-a-hash')).toEqual({ ok: false, rehash: false });
  });

  it('hashing leaves the event loop idle (it runs on the thread pool)', async () => {
    await hashPassword('warm-up');
    // The least busy of up to three tries: one try can be slowed by other processes (CI runs test
    // files in parallel on two cores; once 0.58), while hashing on the loop is busy in every try.
    let least = 1;
    for (let tries = 0; tries < 3 && least >= 0.5; tries++) {
      const before = performance.eventLoopUtilization();
      await Promise.all(Array.from({ length: 4 }, (_, i) => hashPassword(`password-${i}`)));
      least = Math.min(least, performance.eventLoopUtilization(before).utilization);
    }
    // bcryptjs, pure JavaScript, kept the loop busy nearly all the time (utilization ≈ 1).
    expect(least).toBeLessThan(0.5);
  });
});
