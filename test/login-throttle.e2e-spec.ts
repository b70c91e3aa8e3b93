import { THROTTLE, LoginThrottle } from '../src/auth/login-throttle';
import { KnownClient, LoginFailure } from '../src/auth/user.entity';
import { bearer, createTestApp, type TestApp } from './app';

/**
 * Guessing is limited per account and address, so a stranger cannot lock an owner out
 * (docs/security.md, "Logins"). Addresses are told apart through a trusted proxy's
 * X-Forwarded-For.
 */
let t: TestApp;
let admin: string;
beforeAll(async () => {
  t = await createTestApp({ TRUST_PROXY: '127.0.0.1' });
  admin = await t.adminToken();
});
afterAll(() => t.close());
afterEach(async () => {
  await t.ds.getRepository(LoginFailure).clear();
  await t.ds.getRepository(KnownClient).clear();
});

const login = (username: string, password: string, from: string, cookie?: string) => {
  const req = t
    .http()
    .post('/api/auth/login')
    .set('X-Forwarded-For', from)
    .send({ username, password });
  return cookie ? req.set('Cookie', cookie) : req;
};

async function newAccount(username: string, role = 'admin') {
  await t
    .http()
    .post('/api/users')
    .set(bearer(admin))
    .send({ username, password: 'Right-Pass-1', role })
    .expect(201);
}

/** Makes the account's failures `seconds` older, as if that much time had passed. */
async function age(username: string, seconds: number) {
  const failures = t.ds.getRepository(LoginFailure);
  for (const f of await failures.findBy({ username })) {
    await failures.update(f.id, { failedAt: new Date(f.failedAt.getTime() - seconds * 1000) });
  }
}

describe('failures count per account and address', () => {
  it('a stranger’s guesses lock out the stranger’s address, not the owner elsewhere', async () => {
    await newAccount('owner_a');
    for (let i = 0; i < THROTTLE.perAddress; i++) {
      await login('owner_a', `guess-${i}`, '10.0.0.66').expect(401);
    }
    const res = await login('owner_a', 'Right-Pass-1', '10.0.0.66').expect(429);
    expect(res.body).toMatchObject({ code: 'LOGIN_THROTTLED', retryAfterSeconds: 900 });
    await login('owner_a', 'Right-Pass-1', '10.0.0.1').expect(200);
    // the owner's success does not give the stranger's address new guesses
    await login('owner_a', 'guess', '10.0.0.66').expect(429);
  });
});

describe('the account-wide ceiling slows distributed guessing', () => {
  async function spray(username: string) {
    // from ever new addresses, each under its own limit, past the account's ceiling
    for (let i = 0; i < THROTTLE.accountCeiling; i++) {
      await login(username, `guess-${i}`, `10.1.${Math.floor(i / 4)}.${i}`).expect(401);
    }
  }

  it('an address new to the account is judged once per cool-down, then not locked out', async () => {
    await newAccount('owner_b');
    await spray('owner_b');
    const slowed = await login('owner_b', 'Right-Pass-1', '10.2.0.1').expect(429);
    expect(slowed.body.retryAfterSeconds).toBe(THROTTLE.coolDownMs / 1000);
    await age('owner_b', THROTTLE.coolDownMs / 1000 + 1);
    // still past the ceiling, but the cool-down has passed: this attempt is judged
    await login('owner_b', 'Right-Pass-1', '10.2.0.1').expect(200);
  });

  it('an address or a device that logged the account in within 30 days is exempt', async () => {
    await newAccount('owner_c');
    await login('owner_c', 'Right-Pass-1', '10.3.0.1').expect(200);
    const first = await login('owner_c', 'Right-Pass-1', '10.3.0.2').expect(200);
    const device = [first.headers['set-cookie']]
      .flat()
      .find((c: string) => c.startsWith('cp_device='))!
      .split(';')[0];
    expect(device).toMatch(/^cp_device=[A-Za-z0-9_-]{43}$/);
    await spray('owner_c');
    await login('owner_c', 'Right-Pass-1', '10.3.0.1').expect(200); // known address
    await login('owner_c', 'Right-Pass-1', '10.3.9.9', device).expect(200); // known device
    await login('owner_c', 'Right-Pass-1', '10.3.9.8').expect(429); // neither
    // a login more than 30 days ago no longer counts
    await t.ds
      .getRepository(KnownClient)
      .update({ username: 'owner_c' }, { lastLoginAt: new Date(Date.now() - 31 * 86_400_000) });
    await login('owner_c', 'Right-Pass-1', '10.3.0.1').expect(429);
  });

  it('50 parallel guesses from one address: at most 5 are judged', async () => {
    await newAccount('owner_d');
    const answers = await Promise.all(
      Array.from({ length: 50 }, (_, i) => login('owner_d', `wrong-${i}`, '10.4.0.1')),
    );
    expect(answers.filter((r) => r.status === 401).length).toBeLessThanOrEqual(5);
    expect(answers.every((r) => r.status === 401 || r.status === 429)).toBe(true);
  });
});

it('failures older than every window are pruned', async () => {
  const failures = t.ds.getRepository(LoginFailure);
  const old = new Date(Date.now() - THROTTLE.windowMs - 60_000);
  await failures.insert([
    { username: 'pruned', ip: '10.9.0.1', failedAt: old },
    { username: 'kept', ip: '10.9.0.1', failedAt: new Date() },
  ]);
  expect(await t.app.get(LoginThrottle).prune()).toBe(1);
  expect((await failures.find()).map((f) => f.username)).toEqual(['kept']);
});

describe('POST /api/me/password', () => {
  const change = (
    token: string,
    currentPassword: string,
    from: string,
    newPassword = 'new-password-1',
  ) =>
    t
      .http()
      .post('/api/me/password')
      .set(bearer(token))
      .set('X-Forwarded-For', from)
      .send({ currentPassword, newPassword });

  async function tokenOf(username: string) {
    await newAccount(username);
    const res = await login(username, 'Right-Pass-1', '10.5.0.1').expect(200);
    return res.body.accessToken as string;
  }

  it('a wrong current password is limited like a login: 403 five times, then 429', async () => {
    const token = await tokenOf('changer_a');
    for (let i = 0; i < THROTTLE.perAddress; i++) {
      await change(token, `guess-${i}`, '10.5.0.1').expect(403);
    }
    const res = await change(token, 'Right-Pass-1', '10.5.0.1').expect(429);
    expect(res.body.code).toBe('LOGIN_THROTTLED');
    // it was not changed; the login from that address is held back as well
    await login('changer_a', 'Right-Pass-1', '10.5.0.1').expect(429);
    await login('changer_a', 'Right-Pass-1', '10.5.0.2').expect(200);
  });

  it('32 parallel changes by one account: no error, and the account keeps one password', async () => {
    const token = await tokenOf('changer_b');
    const answers = await Promise.all(
      Array.from({ length: 32 }, (_, i) =>
        change(token, 'Right-Pass-1', `10.6.0.${i}`, `new-password-${i}`),
      ),
    );
    // 401: the session ended with the first change before this request was let in
    const statuses = new Set(answers.map((r) => r.status));
    expect([...statuses].every((s) => [200, 401, 403, 429].includes(s))).toBe(true);
    // the first to finish wins; the others find the account changed, or are held back
    const won = answers.filter((r) => r.status === 200);
    expect(won.length).toBeLessThanOrEqual(1);
    const password = won.length ? `new-password-${answers.indexOf(won[0])}` : 'Right-Pass-1';
    await login('changer_b', password, '10.5.0.1').expect(200);
  });

  it(`at most ${THROTTLE.hashesPerAccount} hashes of one account run at once`, async () => {
    const throttle = t.app.get(LoginThrottle);
    const gates: (() => void)[] = [];
    const held = Array.from({ length: THROTTLE.hashesPerAccount }, () =>
      throttle.hash('busy_one', () => new Promise<void>((done) => gates.push(done))),
    );
    await expect(throttle.hash('busy_one', async () => 'third')).rejects.toMatchObject({
      status: 429,
    });
    // another account is not held up
    await expect(throttle.hash('someone_else', async () => 'other')).resolves.toBe('other');
    gates.forEach((open) => open());
    await Promise.all(held);
    await expect(throttle.hash('busy_one', async () => 'after')).resolves.toBe('after');
  });
});
