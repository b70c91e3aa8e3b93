import 'reflect-metadata';
import { MAX_PAGE_DEPTH } from '../src/common/pagination';
import { bearer, createTestApp, TestApp } from './app';

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
