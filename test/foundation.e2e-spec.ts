import { User } from '../src/auth/user.entity';
import { withCheckChar } from '../src/villagers/id-number';
import { Villager } from '../src/villagers/villager.entity';
import { Village } from '../src/villages/village.entity';
import { ADMIN_PASSWORD, bearer, createTestApp, isPostgres, TestApp } from './app';

let t: TestApp;
let admin: string;
beforeAll(async () => {
  t = await createTestApp();
  admin = await t.adminToken();
});
afterAll(() => t.close());

describe('health, docs and headers', () => {
  it('health is open and checks the database', async () => {
    const res = await t.http().get('/api/health').expect(200);
    expect(res.body).toEqual({
      status: 'ok',
      database: isPostgres ? 'postgres' : 'sqlite',
      lastBackup: null,
    });
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['x-powered-by']).toBeUndefined();
  });

  it('serves the OpenAPI document without login', async () => {
    const res = await t.http().get('/api/docs-json').expect(200);
    expect(res.body.paths['/api/villagers']).toBeDefined();
  });

  it('deny by default: every documented route but login (both steps), logout, session, health, the public board and a town’s published scores answer 401 without a token', async () => {
    const doc = (await t.http().get('/api/docs-json').expect(200)).body;
    const open = [
      '/api/health',
      '/api/auth/login',
      '/api/auth/mfa',
      '/api/auth/logout',
      '/api/auth/session',
      '/api/public/villages/{code}/boards',
      '/api/public/villages/{code}/boards/{month}',
      // a town's published scores are public; a draft answers 404 without a token
      '/api/towns/{town}/scores/{quarter}',
      '/api/towns/{town}/scores/{quarter}/export',
    ];
    let checked = 0;
    for (const [path, ops] of Object.entries<Record<string, unknown>>(doc.paths)) {
      if (open.includes(path)) continue;
      const url = path.replace(/\{[^}]+\}/g, '1');
      for (const method of Object.keys(ops) as ('get' | 'post' | 'patch')[]) {
        const res = await t.http()[method](url).send({});
        expect({ method, path, status: res.status }).toEqual({ method, path, status: 401 });
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(25);
  });

  it('every other route needs a token', async () => {
    for (const path of [
      '/api/me',
      '/api/users',
      '/api/villages',
      '/api/villagers',
      '/api/villages/1/households',
    ]) {
      await t.http().get(path).expect(401);
    }
    await t.http().get('/api/me').set('Authorization', 'Bearer not.a.token').expect(401);
  });

  (isPostgres ? it.skip : it)('SQLite runs with WAL and synchronous=FULL', async () => {
    // skipped on PostgreSQL: these pragmas exist only on SQLite
    const [{ synchronous }] = await t.ds.query('PRAGMA synchronous');
    expect(synchronous).toBe(2);
    const [{ timeout }] = await t.ds.query('PRAGMA busy_timeout');
    expect(timeout).toBe(5000);
  });
});

describe('login', () => {
  it('the first start created admin with ADMIN_PASSWORD, and login returns a token and the user', async () => {
    const res = await t
      .http()
      .post('/api/auth/login')
      .send({ username: 'admin', password: ADMIN_PASSWORD })
      .expect(200);
    expect(res.body.accessToken).toEqual(expect.any(String));
    expect(res.body.user).toMatchObject({ username: 'admin', role: 'admin' });
    expect(res.body.user.passwordHash).toBeUndefined();
    const me = await t.http().get('/api/me').set(bearer(res.body.accessToken)).expect(200);
    expect(me.body).toMatchObject({ username: 'admin', role: 'admin', villageId: null });
  });

  it('a wrong password is 401; missing fields are 400', async () => {
    await t
      .http()
      .post('/api/auth/login')
      .send({ username: 'admin', password: 'wrong' })
      .expect(401);
    const res = await t.http().post('/api/auth/login').send({ username: 'admin' }).expect(400);
    expect(JSON.stringify(res.body.message)).toContain('password');
  });

  it('after 5 failures in 15 minutes the username gets 429, even with the right password', async () => {
    await t
      .http()
      .post('/api/users')
      .set(bearer(admin))
      .send({ username: 'victim', password: 'Right-Pass-1', role: 'admin' })
      .expect(201);
    for (let i = 0; i < 5; i++) {
      await t
        .http()
        .post('/api/auth/login')
        .send({ username: 'victim', password: 'nope' })
        .expect(401);
    }
    await t
      .http()
      .post('/api/auth/login')
      .send({ username: 'victim', password: 'Right-Pass-1' })
      .expect(429);
    // another username is not affected
    await t
      .http()
      .post('/api/auth/login')
      .send({ username: 'admin', password: ADMIN_PASSWORD })
      .expect(200);
  });
});

describe('users', () => {
  it('only an admin manages accounts', async () => {
    const v = await t.newVillage();
    const cadre = await t.tokenFor('cadre', { villageId: v.id });
    await t.http().get('/api/users').set(bearer(cadre)).expect(403);
    await t
      .http()
      .post('/api/users')
      .set(bearer(cadre))
      .send({ username: 'x1', password: 'Village-2026', role: 'admin' })
      .expect(403);
  });

  it('creates a cadre bound to a village; password never returned; the cadre can log in', async () => {
    const v = await t.newVillage();
    const res = await t
      .http()
      .post('/api/users')
      .set(bearer(admin))
      .send({ username: 'cadre_li', password: 'Li-Pass-2026', role: 'cadre', villageId: v.id })
      .expect(201);
    expect(res.body).toMatchObject({ username: 'cadre_li', role: 'cadre', villageId: v.id });
    expect(JSON.stringify(res.body)).not.toContain('password');
    const stored = await t.ds.getRepository(User).findOneByOrFail({ username: 'cadre_li' });
    expect(stored.passwordHash).not.toContain('Li-Pass-2026');
    const login = await t
      .http()
      .post('/api/auth/login')
      .send({ username: 'cadre_li', password: 'Li-Pass-2026' })
      .expect(200);
    expect(login.body.user.villageId).toBe(v.id);
    const list = await t.http().get('/api/users?role=cadre').set(bearer(admin)).expect(200);
    expect(list.body).toMatchObject({ page: 1, pageSize: 20 });
    expect(list.body.items.map((u: User) => u.username)).toContain('cadre_li');
  });

  it.each([
    [{ username: 'a', password: 'Village-2026', role: 'admin' }, 'username'],
    [{ username: 'abc', password: 'short', role: 'admin' }, 'password'],
    [{ username: 'abc', password: 'Village-2026', role: 'king' }, 'role'],
    [{ username: 'abc', password: 'Village-2026', role: 'cadre' }, 'villageId'],
    [{ username: 'abc', password: 'Village-2026', role: 'shopkeeper' }, 'storeId'],
    [{ username: 'abc', password: 'Village-2026', role: 'admin', villageId: 1 }, 'villageId'],
    [{ username: 'abc', password: 'Village-2026', role: 'admin', extra: 1 }, 'extra'],
  ])('bad account %j → 400 naming %s', async (body, field) => {
    const res = await t.http().post('/api/users').set(bearer(admin)).send(body).expect(400);
    expect(JSON.stringify(res.body.message)).toContain(field);
  });

  it('a duplicate username is 409; a missing village is 404', async () => {
    await t
      .http()
      .post('/api/users')
      .set(bearer(admin))
      .send({ username: 'dup_user', password: 'Village-2026', role: 'admin' })
      .expect(201);
    await t
      .http()
      .post('/api/users')
      .set(bearer(admin))
      .send({ username: 'dup_user', password: 'Village-2026', role: 'admin' })
      .expect(409);
    await t
      .http()
      .post('/api/users')
      .set(bearer(admin))
      .send({ username: 'nov', password: 'Village-2026', role: 'cadre', villageId: 999999 })
      .expect(404);
  });

  it('a villager account takes its village from the villager', async () => {
    const v = await t.newVillage();
    const villager = await t.newVillager(v.id);
    const res = await t
      .http()
      .post('/api/users')
      .set(bearer(admin))
      .send({
        username: 'villager_w',
        password: 'Village-2026',
        role: 'villager',
        villagerId: villager.id,
      })
      .expect(201);
    expect(res.body).toMatchObject({ villagerId: villager.id, villageId: v.id });
  });
});

describe('villages and households', () => {
  it('admin creates and edits villages; codes are unique', async () => {
    const res = await t
      .http()
      .post('/api/villages')
      .set(bearer(admin))
      .send({ code: 'LX-001', name: '石井村', town: '杉山镇' })
      .expect(201);
    expect(res.body).toMatchObject({ code: 'LX-001', name: '石井村', redListSize: 10 });
    await t
      .http()
      .post('/api/villages')
      .set(bearer(admin))
      .send({ code: 'LX-001', name: '别村', town: '杉山镇' })
      .expect(409);
    const patched = await t
      .http()
      .patch(`/api/villages/${res.body.id}`)
      .set(bearer(admin))
      .send({ redListSize: 5 })
      .expect(200);
    expect(patched.body.redListSize).toBe(5);
    await t
      .http()
      .patch(`/api/villages/${res.body.id}`)
      .set(bearer(admin))
      .send({ redListSize: 0 })
      .expect(400);
    await t
      .http()
      .patch('/api/villages/999999')
      .set(bearer(admin))
      .send({ redListSize: 3 })
      .expect(404);
    await t.http().get('/api/villages/abc').set(bearer(admin)).expect(400);
  });

  it('a cadre reads only their own village and cannot create or edit villages', async () => {
    const a = await t.newVillage();
    const b = await t.newVillage();
    const cadre = await t.tokenFor('cadre', { villageId: a.id });
    await t
      .http()
      .post('/api/villages')
      .set(bearer(cadre))
      .send({ code: 'X1', name: '村', town: '镇' })
      .expect(403);
    await t
      .http()
      .patch(`/api/villages/${a.id}`)
      .set(bearer(cadre))
      .send({ redListSize: 3 })
      .expect(403);
    await t.http().get(`/api/villages/${a.id}`).set(bearer(cadre)).expect(200);
    await t.http().get(`/api/villages/${b.id}`).set(bearer(cadre)).expect(404);
    const list = await t.http().get('/api/villages').set(bearer(cadre)).expect(200);
    expect(list.body.items.map((v: Village) => v.id)).toEqual([a.id]);
    expect(list.body.total).toBe(1);
  });

  it('households: numbers unique per village, cadre scoped, 400 on bad input', async () => {
    const a = await t.newVillage();
    const b = await t.newVillage();
    const cadre = await t.tokenFor('cadre', { villageId: a.id });
    const shop = await t.tokenFor('shopkeeper');
    const body = { householdNo: '001', headName: '王大山', group: '老屋场' };
    await t.http().post(`/api/villages/${a.id}/households`).send(body).expect(401);
    await t
      .http()
      .post(`/api/villages/${a.id}/households`)
      .set(bearer(shop))
      .send(body)
      .expect(403);
    await t
      .http()
      .post(`/api/villages/${a.id}/households`)
      .set(bearer(cadre))
      .send(body)
      .expect(201);
    await t
      .http()
      .post(`/api/villages/${a.id}/households`)
      .set(bearer(cadre))
      .send(body)
      .expect(409);
    await t
      .http()
      .post(`/api/villages/${b.id}/households`)
      .set(bearer(admin))
      .send(body)
      .expect(201); // same number, other village
    await t
      .http()
      .post(`/api/villages/${b.id}/households`)
      .set(bearer(cadre))
      .send({ ...body, householdNo: '002' })
      .expect(403);
    await t.http().get(`/api/villages/${b.id}/households`).set(bearer(cadre)).expect(403);
    const res = await t
      .http()
      .post(`/api/villages/${a.id}/households`)
      .set(bearer(cadre))
      .send({ householdNo: '', headName: 'x' })
      .expect(400);
    expect(JSON.stringify(res.body.message)).toContain('householdNo');
    const list = await t
      .http()
      .get(`/api/villages/${a.id}/households`)
      .set(bearer(cadre))
      .expect(200);
    expect(list.body).toMatchObject({
      total: 1,
      items: [{ householdNo: '001', headName: '王大山', group: '老屋场' }],
    });
  });
});

describe('villagers', () => {
  let a: Village;
  let b: Village;
  let cadreA: string;
  beforeAll(async () => {
    a = await t.newVillage();
    b = await t.newVillage();
    cadreA = await t.tokenFor('cadre', { villageId: a.id });
  });

  it('a cadre registers a villager in their own village; the ID number is validated, unique and masked', async () => {
    const idNumber = withCheckChar('43130219850612301');
    const hh = await t.newHousehold(a.id);
    const res = await t
      .http()
      .post('/api/villagers')
      .set(bearer(cadreA))
      .send({ name: '欧阳春花', idNumber, phone: '13800001234', householdId: hh.id })
      .expect(201);
    expect(res.body).toMatchObject({
      villageId: a.id,
      name: '欧阳春花',
      status: 'active',
      balance: 0,
      householdId: hh.id,
    });
    expect(res.body.idNumber).toBe(`431302********${idNumber.slice(-4)}`);
    const got = await t.http().get(`/api/villagers/${res.body.id}`).set(bearer(cadreA)).expect(200);
    expect(got.body.idNumber).toBe(res.body.idNumber);
    const dup = await t
      .http()
      .post('/api/villagers')
      .set(bearer(cadreA))
      .send({ name: '另一人', idNumber })
      .expect(409);
    expect(dup.body.code).toBe('ID_NUMBER_TAKEN');
    const bad = await t
      .http()
      .post('/api/villagers')
      .set(bearer(cadreA))
      .send({ name: '坏号', idNumber: idNumber.slice(0, 17) + (idNumber[17] === '1' ? '2' : '1') })
      .expect(400);
    expect(JSON.stringify(bad.body.message)).toContain('idNumber');
  });

  it('a cadre cannot register into, read or edit another village', async () => {
    const other = await t.newVillager(b.id);
    await t
      .http()
      .post('/api/villagers')
      .set(bearer(cadreA))
      .send({ villageId: b.id, name: '越界' })
      .expect(403);
    await t.http().get(`/api/villagers/${other.id}`).set(bearer(cadreA)).expect(404);
    await t
      .http()
      .patch(`/api/villagers/${other.id}`)
      .set(bearer(cadreA))
      .send({ name: '改名' })
      .expect(404);
    await t.http().get(`/api/villagers?villageId=${b.id}`).set(bearer(cadreA)).expect(403);
    const hhB = await t.newHousehold(b.id);
    const mine = await t.newVillager(a.id);
    const res = await t
      .http()
      .patch(`/api/villagers/${mine.id}`)
      .set(bearer(cadreA))
      .send({ householdId: hhB.id })
      .expect(400);
    expect(JSON.stringify(res.body.message)).toContain('householdId');
  });

  it('villagers and shopkeepers cannot use the roster', async () => {
    const v = await t.newVillager(a.id);
    const villager = await t.tokenFor('villager', { villageId: a.id, villagerId: v.id });
    const shop = await t.tokenFor('shopkeeper');
    await t.http().get('/api/villagers').set(bearer(villager)).expect(403);
    await t.http().get(`/api/villagers/${v.id}`).set(bearer(shop)).expect(403);
    await t.http().post('/api/villagers').set(bearer(villager)).send({ name: '我' }).expect(403);
  });

  it("searches by any part of a Chinese name, within the cadre's village, paginated", async () => {
    const c = await t.newVillage();
    const cadre = await t.tokenFor('cadre', { villageId: c.id });
    for (const name of ['李秋菊', '王秋生', '张三', '秋实']) await t.newVillager(c.id, { name });
    await t.newVillager(b.id, { name: '刘秋' });
    const res = await t.http().get('/api/villagers?q=秋&pageSize=2').set(bearer(cadre)).expect(200);
    expect(res.body).toMatchObject({ total: 3, page: 1, pageSize: 2 });
    expect(res.body.items).toHaveLength(2);
    const page2 = await t
      .http()
      .get('/api/villagers?q=秋&pageSize=2&page=2')
      .set(bearer(cadre))
      .expect(200);
    expect(page2.body.items.map((v: Villager) => v.name)).toEqual(['秋实']);
    const pct = await t.http().get('/api/villagers?q=%25').set(bearer(cadre)).expect(200);
    expect(pct.body.total).toBe(0);
  });

  it('admin must name the village; PATCH changes status; bad values are 400', async () => {
    await t.http().post('/api/villagers').set(bearer(admin)).send({ name: '无村' }).expect(400);
    const res = await t
      .http()
      .post('/api/villagers')
      .set(bearer(admin))
      .send({ villageId: a.id, name: 'Ahmed 阿合买提' })
      .expect(201);
    const moved = await t
      .http()
      .patch(`/api/villagers/${res.body.id}`)
      .set(bearer(cadreA))
      .send({ status: 'moved' })
      .expect(200);
    expect(moved.body.status).toBe('moved');
    await t
      .http()
      .patch(`/api/villagers/${res.body.id}`)
      .set(bearer(cadreA))
      .send({ status: 'gone' })
      .expect(400);
    await t
      .http()
      .patch(`/api/villagers/${res.body.id}`)
      .set(bearer(cadreA))
      .send({ balance: 1000 })
      .expect(400);
    const stored = await t.ds.getRepository(Villager).findOneByOrFail({ id: res.body.id });
    expect(stored.balance).toBe(0);
  });
});

describe('bad input never writes and never 5xx', () => {
  it.each([
    ['malformed JSON', '{"name": ', 'JSON'],
    ['a wrong type', JSON.stringify({ name: 123 }), 'name'],
    ['an over-long name', JSON.stringify({ name: '长'.repeat(51) }), 'name'],
    ['an unknown field', JSON.stringify({ name: '某', isAdmin: true }), 'isAdmin'],
    ['an array body', JSON.stringify([1, 2]), 'name'],
    ['an id past 32 bits', JSON.stringify({ name: '某', villageId: 99999999999 }), 'villageId'],
  ])('%s → 400', async (_, body, field) => {
    const before = await t.ds.getRepository(Villager).count();
    const res = await t
      .http()
      .post('/api/villagers')
      .set(bearer(admin))
      .set('Content-Type', 'application/json')
      .send(body)
      .expect(400);
    expect(JSON.stringify(res.body.message)).toContain(field);
    expect(res.body.statusCode).toBe(400);
    expect(await t.ds.getRepository(Villager).count()).toBe(before);
  });

  it('a body over 100 kB → 413', async () => {
    const res = await t
      .http()
      .post('/api/villagers')
      .set(bearer(admin))
      .send({ name: 'x', pad: 'x'.repeat(200_000) })
      .expect(413);
    expect(res.body.statusCode).toBe(413);
  });

  it('hostile query values → 400, not 500', async () => {
    await t.http().get('/api/villagers?page=0').set(bearer(admin)).expect(400);
    await t.http().get('/api/villagers?pageSize=100000').set(bearer(admin)).expect(400);
    await t.http().get('/api/villagers?villageId=1e40').set(bearer(admin)).expect(400);
    await t.http().get('/api/villagers/99999999999').set(bearer(admin)).expect(400);
    await t.http().get('/api/villagers?q[$ne]=1').set(bearer(admin)).expect(400);
  });
});

describe('5xx found and fixed', () => {
  it('a NUL or other control character anywhere in a body or query is 400 naming the field', async () => {
    const res = await t
      .http()
      .post('/api/villagers')
      .set(bearer(admin))
      .send({ name: 'a\u0000b' })
      .expect(400);
    expect(JSON.stringify(res.body.message)).toContain('name');
    await t.http().get('/api/villagers?q=%00').set(bearer(admin)).expect(400);
    // tabs and line breaks are text
    const v = await t.newVillage();
    await t
      .http()
      .post(`/api/villages/${v.id}/households`)
      .set(bearer(admin))
      .send({ householdNo: 'N1', headName: '王\t五' })
      .expect(201);
  });

  it('null for a required field is 400, not a NOT NULL violation', async () => {
    const v = await t.newVillage();
    const villager = await t.newVillager(v.id);
    const res = await t
      .http()
      .patch(`/api/villagers/${villager.id}`)
      .set(bearer(admin))
      .send({ name: null })
      .expect(400);
    expect(JSON.stringify(res.body.message)).toContain('name');
    await t
      .http()
      .patch(`/api/villages/${v.id}`)
      .set(bearer(admin))
      .send({ redListSize: null })
      .expect(400);
    // where null means "clear", it clears
    const cleared = await t
      .http()
      .patch(`/api/villagers/${villager.id}`)
      .set(bearer(admin))
      .send({ phone: null, householdId: null })
      .expect(200);
    expect(cleared.body).toMatchObject({ phone: null, householdId: null, name: villager.name });
  });

  it('PATCH answers the whole record, not only the fields sent', async () => {
    const v = await t.newVillage();
    const villager = await t.newVillager(v.id, { name: '赵六', phone: '13900000000' });
    const res = await t
      .http()
      .patch(`/api/villagers/${villager.id}`)
      .set(bearer(admin))
      .send({ status: 'moved' })
      .expect(200);
    expect(res.body).toMatchObject({
      name: '赵六',
      phone: '13900000000',
      status: 'moved',
      villageId: v.id,
    });
  });
});
