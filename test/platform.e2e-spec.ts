import 'reflect-metadata';
import * as bcrypt from 'bcryptjs';
import { decode as jwtDecode, sign as jwtSign } from 'jsonwebtoken';
import { IdNumberConflict, LoginFailure, User } from '../src/auth/user.entity';
import { MAX_PAGE_DEPTH } from '../src/common/pagination';
import { withCheckChar } from '../src/villagers/id-number';
import { Villager } from '../src/villagers/villager.entity';
import { MAX_ID_NUMBER_CONFLICTS_PER_DAY } from '../src/villagers/villagers.service';
import { bearer, createTestApp, isPostgres, TestApp } from './app';

let t: TestApp;
let admin: string;
beforeAll(async () => {
  t = await createTestApp();
  admin = await t.adminToken();
});
afterAll(() => t.close());

describe('string lengths count code points, as the columns do', () => {
  const selectors = 'a\uFE0F'.repeat(30); // 60 code points; class-validator's Length says 30

  it('a login with 60 code points of username is 400, not a 500 from varchar(50)', async () => {
    const res = await t
      .http()
      .post('/api/auth/login')
      .send({ username: selectors, password: 'whatever' })
      .expect(400);
    expect(JSON.stringify(res.body.message)).toContain('username');
  });

  it('a villager name of 60 code points is 400; 50 Chinese characters or emoji pass', async () => {
    const v = await t.newVillage();
    await t
      .http()
      .post('/api/villagers')
      .set(bearer(admin))
      .send({ villageId: v.id, name: selectors })
      .expect(400);
    await t
      .http()
      .post('/api/villagers')
      .set(bearer(admin))
      .send({ villageId: v.id, name: '😀'.repeat(50) })
      .expect(201);
  });
});

describe('path parameters', () => {
  it('a NUL or control character in a path parameter is 400 naming it', async () => {
    const res = await t.http().get('/api/public/villages/%00/boards/2026-01').expect(400);
    expect(JSON.stringify(res.body.message)).toContain('code');
    await t.http().get('/api/public/villages/a%01b/boards/2026-01').expect(400);
    await t.http().get('/api/public/villages/%7F/boards/2026-01').expect(400);
  });

  it('ids in paths and query strings are plain decimal digits: 0x9, 9e0, +9 are 400 naming the field', async () => {
    const v = await t.newVillage();
    await t.http().get(`/api/villages/${v.id}`).set(bearer(admin)).expect(200);
    for (const id of [`0x${v.id.toString(16)}`, `${v.id}e0`, `+${v.id}`, ` ${v.id}`, `${v.id}.0`]) {
      const res = await t
        .http()
        .get(`/api/villages/${encodeURIComponent(id)}`)
        .set(bearer(admin));
      expect([res.status, JSON.stringify(res.body.message)]).toEqual([
        400,
        expect.stringContaining('id'),
      ]);
    }
    for (const q of [
      `villageId=0x${v.id.toString(16)}`,
      `villageId=${v.id}e0`,
      'page=1e0',
      'pageSize=0x10',
    ]) {
      const res = await t.http().get(`/api/villagers?${q}`).set(bearer(admin));
      expect([res.status, JSON.stringify(res.body.message)]).toEqual([
        400,
        expect.stringContaining(q.split('=')[0]),
      ]);
    }
    await t
      .http()
      .get(`/api/villagers?villageId=${v.id}&page=1&pageSize=10`)
      .set(bearer(admin))
      .expect(200);
  });
});

describe('tokens', () => {
  it('a correctly signed token without an expiry is refused', async () => {
    // the claims of a real session's token, signed again without `exp`
    const claims = jwtDecode(await t.adminToken()) as Record<string, unknown>;
    const payload = Object.fromEntries(
      Object.entries(claims).filter(([k]) => k !== 'exp' && k !== 'iat'),
    );
    const forever = jwtSign(payload, t.config.jwtSecret, { algorithm: 'HS256' });
    const res = await t.http().get('/api/me').set(bearer(forever)).expect(401);
    expect(res.body.message).toContain('expiry');
    const expiring = jwtSign(payload, t.config.jwtSecret, { algorithm: 'HS256', expiresIn: 60 });
    await t.http().get('/api/me').set(bearer(expiring)).expect(200);
  });
});

describe('pagination depth', () => {
  it(`page x pageSize beyond ${MAX_PAGE_DEPTH} is 400; at the bound it answers`, async () => {
    const res = await t
      .http()
      .get(`/api/villagers?page=${MAX_PAGE_DEPTH / 100 + 1}&pageSize=100`)
      .set(bearer(admin))
      .expect(400);
    expect(JSON.stringify(res.body.message)).toContain('page');
    await t.http().get('/api/users?page=51&pageSize=200').set(bearer(admin)).expect(400);
    const ok = await t
      .http()
      .get(`/api/villagers?page=${MAX_PAGE_DEPTH / 100}&pageSize=100`)
      .set(bearer(admin))
      .expect(200);
    expect(ok.body.items).toEqual([]);
  });
});

const login = (username: string, password: string) =>
  t.http().post('/api/auth/login').send({ username, password });

async function newAccount(username: string, password = 'Right-Pass-1', extra = {}) {
  const res = await t
    .http()
    .post('/api/users')
    .set(bearer(admin))
    .send({ username, password, role: 'admin', ...extra })
    .expect(201);
  return res.body as { id: number };
}

describe('login throttle', () => {
  afterEach(() => t.ds.getRepository(LoginFailure).clear());

  it('50 parallel wrong passwords for one username: at most 5 are judged, the rest 429', async () => {
    await newAccount('racer');
    const answers = await Promise.all(
      Array.from({ length: 50 }, (_, i) => login('racer', `wrong-${i}`)),
    );
    const judged = answers.filter((r) => r.status === 401).length;
    expect(judged).toBeLessThanOrEqual(5);
    expect(answers.filter((r) => r.status === 429).length).toBe(50 - judged);
    // exactly the remaining allowance is left: the limit of 5 holds across the burst
    for (let i = judged; i < 5; i++) await login('racer', 'still-wrong').expect(401);
    await login('racer', 'Right-Pass-1').expect(429);
    // the username is counted regardless of case
    await login('RACER', 'Right-Pass-1').expect(429);
  });

  it('a correct password clears the failures; refused attempts are not left behind', async () => {
    await newAccount('forgetful');
    for (let i = 0; i < 4; i++) await login('forgetful', 'nope').expect(401);
    await login('Forgetful', 'Right-Pass-1').expect(200);
    for (let i = 0; i < 5; i++) await login('forgetful', 'nope').expect(401);
    await login('forgetful', 'nope').expect(429);
  });

  it('one address may fail 60 times a minute across usernames (successes not counted), then 429', async () => {
    await newAccount('office_user');
    for (let i = 0; i < 12; i++) {
      for (let j = 0; j < 5; j++) await login(`villager_${i}`, 'guess').expect(401);
      if (i < 11) await login('office_user', 'Right-Pass-1').expect(200);
    }
    const res = await login('someone_else', 'guess').expect(429);
    expect(res.body.message).toContain('address');
    // for the rest of the minute the address waits, right password or not
    await login('office_user', 'Right-Pass-1').expect(429);
  });
});

describe('password hashing', () => {
  it('new passwords are argon2id; a bcrypt hash still logs in once and is upgraded', async () => {
    const { id } = await newAccount('legacy');
    const repo = t.ds.getRepository(User);
    expect((await repo.findOneByOrFail({ id })).passwordHash).toMatch(/^\$argon2id\$/);
    await repo.update({ id }, { passwordHash: bcrypt.hashSync('old-password', 4) });
    await login('legacy', 'wrong-password').expect(401);
    expect((await repo.findOneByOrFail({ id })).passwordHash).toMatch(/^\$2/);
    await login('legacy', 'old-password').expect(200);
    const upgraded = (await repo.findOneByOrFail({ id })).passwordHash;
    expect(upgraded).toMatch(/^\$argon2id\$/);
    expect(upgraded.length).toBeLessThanOrEqual(100);
    await login('legacy', 'old-password').expect(200);
  });
});

describe('account lifecycle', () => {
  const me = (token: string) => t.http().get('/api/me').set(bearer(token));
  const patch = (id: number, body: object, token = admin) =>
    t.http().patch(`/api/users/${id}`).set(bearer(token)).send(body);

  it('disabling ends sessions at once and blocks login; re-enabling lets the user back in', async () => {
    const { id } = await newAccount('leaver');
    const token = (await login('leaver', 'Right-Pass-1').expect(200)).body.accessToken;
    await me(token).expect(200);
    const res = await patch(id, { disabled: true }).expect(200);
    expect(res.body).toMatchObject({ id, disabled: true });
    await me(token).expect(401);
    await login('leaver', 'Right-Pass-1').expect(403);
    await login('leaver', 'wrong-password').expect(401);
    await patch(id, { disabled: false }).expect(200);
    await me(token).expect(401); // the old token stays dead
    const again = (await login('leaver', 'Right-Pass-1').expect(200)).body.accessToken;
    await me(again).expect(200);
  });

  it('an admin password reset ends sessions; the new password works, the old does not', async () => {
    const { id } = await newAccount('resetme');
    const token = (await login('resetme', 'Right-Pass-1').expect(200)).body.accessToken;
    await patch(id, { password: 'short' }).expect(400);
    await patch(id, { password: 'Brand-New-Pass-3' }).expect(200);
    await me(token).expect(401);
    await login('resetme', 'Right-Pass-1').expect(401);
    await login('resetme', 'Brand-New-Pass-3').expect(200);
  });

  it('changing role or scope ends sessions and takes effect', async () => {
    const a = await t.newVillage();
    const b = await t.newVillage();
    const { id } = await newAccount('mover', 'Right-Pass-1', { role: 'cadre', villageId: a.id });
    const token = (await login('mover', 'Right-Pass-1').expect(200)).body.accessToken;
    await patch(id, { villageId: b.id }).expect(200);
    await me(token).expect(401);
    const fresh = (await login('mover', 'Right-Pass-1').expect(200)).body.accessToken;
    expect((await me(fresh).expect(200)).body).toMatchObject({ role: 'cadre', villageId: b.id });
    await patch(id, { role: 'shopkeeper' }).expect(400); // storeId required
    await patch(id, { role: 'admin', villageId: a.id }).expect(400); // stray scope
    await patch(id, { role: 'admin' }).expect(200);
    await me(fresh).expect(401);
    await patch(999999, { disabled: true }).expect(404);
  });

  it('only an admin patches accounts, and not to lock themselves out', async () => {
    const v = await t.newVillage();
    const cadre = await t.tokenFor('cadre', { villageId: v.id });
    const { id } = await newAccount('target');
    await patch(id, { disabled: true }, cadre).expect(403);
    const self = (await me(admin).expect(200)).body.id;
    const res = await patch(self, { disabled: true }).expect(409);
    expect(res.body.code).toBe('CANNOT_DISABLE_SELF');
    await patch(self, { role: 'cadre', villageId: v.id }).expect(409);
    await patch(id, { disabled: 'yes' }).expect(400);
  });

  it('every user changes their own password; other tokens end, the answer carries a new one', async () => {
    const { id } = await newAccount('changer');
    const first = (await login('changer', 'Right-Pass-1').expect(200)).body.accessToken;
    const second = (await login('changer', 'Right-Pass-1').expect(200)).body.accessToken;
    await t
      .http()
      .post('/api/me/password')
      .set(bearer(first))
      .send({ currentPassword: 'wrong', newPassword: 'Another-Pass-3' })
      .expect(403);
    await t
      .http()
      .post('/api/me/password')
      .set(bearer(first))
      .send({ currentPassword: 'Right-Pass-1', newPassword: 'short' })
      .expect(400);
    const res = await t
      .http()
      .post('/api/me/password')
      .set(bearer(first))
      .send({ currentPassword: 'Right-Pass-1', newPassword: 'Another-Pass-3' })
      .expect(200);
    expect(res.body.user).toMatchObject({ id });
    await me(first).expect(401);
    await me(second).expect(401);
    await me(res.body.accessToken).expect(200);
    await login('changer', 'Another-Pass-3').expect(200);
    await t.http().post('/api/me/password').send({}).expect(401);
  });

  it('usernames are unique regardless of case (409)', async () => {
    await newAccount('Wang_Li');
    const res = await t
      .http()
      .post('/api/users')
      .set(bearer(admin))
      .send({ username: 'wang_li', password: 'Right-Pass-1', role: 'admin' })
      .expect(409);
    expect(res.body.code).toBe('USERNAME_TAKEN');
    // the database holds the same rule
    await expect(
      t.ds.getRepository(User).insert({ username: 'WANG_LI', passwordHash: 'x', role: 'admin' }),
    ).rejects.toThrow();
  });
});

describe('privacy', () => {
  it('a failed query is logged without its parameters or the values they held', async () => {
    const secretId = withCheckChar('43010219900101123');
    const lines: string[] = [];
    const capture = (...args: unknown[]) => {
      lines.push(args.map(String).join(' '));
      return true;
    };
    const spies = [
      jest.spyOn(process.stdout, 'write').mockImplementation(capture),
      jest.spyOn(process.stderr, 'write').mockImplementation(capture),
      jest.spyOn(console, 'error').mockImplementation(capture),
      jest.spyOn(console, 'log').mockImplementation(capture),
    ];
    try {
      // a foreign-key violation carrying an ID number and a phone
      await expect(
        t.ds.getRepository(Villager).insert({
          villageId: 999_999,
          name: '隐私',
          idNumber: secretId,
          phone: '13912345678',
          status: 'active',
          balance: 0,
        }),
      ).rejects.toThrow();
      // PostgreSQL quotes a bad value in the message itself (SQLite takes any value)
      if (isPostgres) {
        await expect(
          t.ds.getRepository(Villager).findOneBy({ id: '13912345678x' as unknown as number }),
        ).rejects.toThrow();
      }
    } finally {
      spies.forEach((s) => s.mockRestore());
    }
    const log = lines.join('\n');
    expect(log).toContain('query failed');
    expect(log).not.toContain(secretId);
    expect(log).not.toContain('13912345678');
  });

  it("a cadre's PATCH carrying idNumber is 403 and changes nothing; an admin may change it", async () => {
    const v = await t.newVillage();
    const cadre = await t.tokenFor('cadre', { villageId: v.id });
    const villager = await t.newVillager(v.id, { idNumber: withCheckChar('43010219900101001') });
    const other = withCheckChar('43010219900101002');
    await t
      .http()
      .patch(`/api/villagers/${villager.id}`)
      .set(bearer(cadre))
      .send({ idNumber: other, name: '改名' })
      .expect(403);
    await t
      .http()
      .patch(`/api/villagers/${villager.id}`)
      .set(bearer(cadre))
      .send({ idNumber: null })
      .expect(403);
    const stored = await t.ds.getRepository(Villager).findOneByOrFail({ id: villager.id });
    expect(stored).toMatchObject({ idNumber: villager.idNumber, name: villager.name });
    await t
      .http()
      .patch(`/api/villagers/${villager.id}`)
      .set(bearer(cadre))
      .send({ name: '改名' })
      .expect(200);
    await t
      .http()
      .patch(`/api/villagers/${villager.id}`)
      .set(bearer(admin))
      .send({ idNumber: other })
      .expect(200);
  });

  it(`ID_NUMBER_TAKEN is answered ${MAX_ID_NUMBER_CONFLICTS_PER_DAY} times a day per user, then 429 for any ID number`, async () => {
    const v = await t.newVillage();
    const cadre = await t.tokenFor('cadre', { villageId: v.id });
    const taken: string[] = [];
    for (let i = 0; i < MAX_ID_NUMBER_CONFLICTS_PER_DAY; i++) {
      const idNumber = withCheckChar(`43010219850101${String(100 + i)}`);
      await t.newVillager(v.id, { idNumber });
      taken.push(idNumber);
    }
    const create = (idNumber: string, token = cadre) =>
      t.http().post('/api/villagers').set(bearer(token)).send({ name: '试探', idNumber });
    for (const idNumber of taken) {
      expect((await create(idNumber).expect(409)).body.code).toBe('ID_NUMBER_TAKEN');
    }
    await create(taken[0]).expect(429);
    await create(withCheckChar('43010219850102999')).expect(429); // free, but still refused
    // without an ID number the cadre keeps working; another user is not affected
    await t.http().post('/api/villagers').set(bearer(cadre)).send({ name: '新人' }).expect(201);
    const other = await t.tokenFor('cadre', { villageId: v.id });
    expect((await create(taken[0], other).expect(409)).body.code).toBe('ID_NUMBER_TAKEN');
    // counted in the database, so every instance sees the same count
    expect(await t.ds.getRepository(IdNumberConflict).count()).toBe(
      MAX_ID_NUMBER_CONFLICTS_PER_DAY + 1,
    );
  });
});

describe('client address behind a reverse proxy', () => {
  const failFrom = (app: TestApp, forwardedFor: string, i: number) =>
    app
      .http()
      .post('/api/auth/login')
      .set('X-Forwarded-For', forwardedFor)
      .send({ username: `nobody_${i}`, password: 'guess' });

  async function failuresUntil429(app: TestApp, forwardedFor: string): Promise<number> {
    for (let i = 0; i < 70; i++) {
      const res = await failFrom(app, forwardedFor, i);
      if (res.status === 429 && /address/.test(res.body.message)) return i;
    }
    return -1;
  }

  it('with TRUST_PROXY naming the proxy, each forwarded client has its own address limit', async () => {
    const proxied = await createTestApp({ TRUST_PROXY: '127.0.0.1' });
    try {
      expect(await failuresUntil429(proxied, '10.1.1.1')).toBe(60);
      const other = await failFrom(proxied, '10.1.1.2', 100);
      expect(other.status).toBe(401);
    } finally {
      await proxied.close();
    }
  });

  it('without TRUST_PROXY a forged X-Forwarded-For does not escape the limit', async () => {
    await t.ds.getRepository(LoginFailure).clear();
    for (let i = 0; i < 60; i++) await failFrom(t, `10.2.0.${i}`, i);
    const res = await failFrom(t, '10.9.9.9', 99).expect(429);
    expect(res.body.message).toContain('address');
    await t.ds.getRepository(LoginFailure).clear();
  });
});

describe('security headers', () => {
  it('every answer carries them, an error as much as a success; only the API docs allow inline styles', async () => {
    for (const res of [
      await t.http().get('/api/health').expect(200),
      await t.http().get('/api/villagers').expect(401),
      await t.http().get('/api/no-such-route').expect(404),
    ]) {
      const csp = res.headers['content-security-policy'];
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).toContain("script-src 'self' 'wasm-unsafe-eval'");
      expect(csp).not.toContain('unsafe-inline');
      expect(res.headers).toMatchObject({
        'x-content-type-options': 'nosniff',
        'x-frame-options': 'SAMEORIGIN',
        'strict-transport-security': expect.stringContaining('max-age='),
      });
      expect(res.headers['x-powered-by']).toBeUndefined();
    }
    const docs = await t.http().get('/api/docs').redirects(1);
    expect(docs.headers['content-security-policy']).toContain("style-src 'self' 'unsafe-inline'");
    expect(docs.headers['content-security-policy']).toContain("script-src 'self';");
  });
});
