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

  it('hashing leaves the event loop free (it runs on the thread pool)', async () => {
    await hashPassword('warm-up');
    // While four hashes are under way the loop goes round: a hash computed on the loop (bcryptjs's
    // hashSync, or any synchronous hash) would have finished before the loop could turn. Checked
    // by order, not by time, so a busy machine cannot fail it.
    let finished = 0;
    const hashes = Array.from({ length: 4 }, (_, i) =>
      hashPassword(`password-${i}`).then(() => finished++),
    );
    await new Promise((resolve) => setImmediate(resolve));
    expect(finished).toBeLessThan(4);
    await Promise.all(hashes);
    expect(finished).toBe(4);
  });
});
