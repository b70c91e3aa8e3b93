import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Evaluation } from '../src/evaluations/evaluation.entity';
import { ADMIN_PASSWORD, bearer, createTestApp, TestApp } from './app';

/*
 * The browser's session (httpOnly SameSite=Strict cookie, accepted like a bearer token, CSRF
 * refused), the public board's month index, and the committed OpenAPI contract the web app's
 * client is generated from.
 */

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

async function loginCookie(): Promise<{ setCookie: string; cookie: string; token: string }> {
  const res = await t
    .http()
    .post('/api/auth/login')
    .send({ username: 'admin', password: ADMIN_PASSWORD })
    .expect(200);
  const setCookie = ([] as string[]).concat(res.headers['set-cookie'] ?? [])[0] ?? '';
  return { setCookie, cookie: setCookie.split(';')[0], token: res.body.accessToken };
}

describe('session cookie', () => {
  it('login sets an httpOnly, SameSite=Strict cookie holding the token', async () => {
    const { setCookie, cookie, token } = await loginCookie();
    expect(setCookie).toMatch(/^cp_session=[^;]+;/);
    expect(setCookie).toMatch(/; HttpOnly/);
    expect(setCookie).toMatch(/; SameSite=Strict/);
    expect(setCookie).toMatch(/; Path=\/api/);
    expect(setCookie).toMatch(/; Max-Age=43200/);
    expect(cookie).toBe(`cp_session=${encodeURIComponent(token)}`);
  });

  it('a wrong password sets no cookie', async () => {
    const res = await t
      .http()
      .post('/api/auth/login')
      .send({ username: 'admin', password: 'wrong-password' })
      .expect(401);
    expect(res.headers['set-cookie']).toBeUndefined();
  });

  it('the API accepts the cookie as it accepts the bearer token', async () => {
    const { cookie, token } = await loginCookie();
    const viaCookie = await t.http().get('/api/me').set('Cookie', cookie).expect(200);
    const viaBearer = await t.http().get('/api/me').set(bearer(token)).expect(200);
    expect(viaCookie.body).toEqual(viaBearer.body);
    await t.http().get('/api/me').set('Cookie', 'cp_session=not.a.token').expect(401);
    await t.http().get('/api/me').set('Cookie', 'other=1').expect(401);
  });

  it('GET /api/auth/session answers the user or null, never 401', async () => {
    const { cookie } = await loginCookie();
    const signedIn = await t.http().get('/api/auth/session').set('Cookie', cookie).expect(200);
    expect(signedIn.body.user).toMatchObject({ username: 'admin', role: 'admin' });
    expect(signedIn.body.user.passwordHash).toBeUndefined();
    const anonymous = await t.http().get('/api/auth/session').expect(200);
    expect(anonymous.body).toEqual({ user: null });
    const bad = await t.http().get('/api/auth/session').set('Cookie', 'cp_session=x').expect(200);
    expect(bad.body).toEqual({ user: null });
  });

  it('API answers are not kept by the browser: the back button after a logout asks again', async () => {
    const { cookie } = await loginCookie();
    for (const path of ['/api/auth/session', '/api/me', '/api/villages', '/api/nowhere']) {
      const res = await t.http().get(path).set('Cookie', cookie);
      expect([path, res.headers['cache-control']]).toEqual([path, 'no-store']);
    }
  });

  it('logout clears the cookie', async () => {
    const { cookie } = await loginCookie();
    const res = await t
      .http()
      .post('/api/auth/logout')
      .set('Cookie', cookie)
      .set('Origin', 'http://127.0.0.1')
      .set('Host', '127.0.0.1');
    expect(res.status).toBe(204);
    const setCookie = ([] as string[]).concat(res.headers['set-cookie'] ?? [])[0] ?? '';
    expect(setCookie).toMatch(/^cp_session=;/);
    expect(setCookie).toMatch(/; Path=\/api(;|$)/);
    expect(setCookie).toMatch(/; HttpOnly(;|$)/);
    expect(setCookie).toMatch(/; SameSite=Strict(;|$)/);
    expect(setCookie).toMatch(/; (Max-Age=0|Expires=Thu, 01 Jan 1970 00:00:00 GMT)(;|$)/);
  });

  it('a state-changing request with the cookie from another origin is refused, and changes nothing', async () => {
    const { cookie } = await loginCookie();
    const body = { code: 'CSRF-1', name: '跨站村', town: '杉山镇' };
    const crossOrigin = await t
      .http()
      .post('/api/villages')
      .set('Cookie', cookie)
      .set('Origin', 'https://evil.example')
      .send(body);
    expect(crossOrigin.status).toBe(403);
    const crossSite = await t
      .http()
      .post('/api/villages')
      .set('Cookie', cookie)
      .set('Sec-Fetch-Site', 'cross-site')
      .send(body);
    expect(crossSite.status).toBe(403);
    const malformed = await t
      .http()
      .post('/api/villages')
      .set('Cookie', cookie)
      .set('Origin', 'null')
      .send(body);
    expect(malformed.status).toBe(403);
    const list = await t.http().get('/api/villages').set('Cookie', cookie).expect(200);
    expect(list.body.items.map((v: { code: string }) => v.code)).not.toContain('CSRF-1');

    // the same request from the service's own origin goes through
    const sameOrigin = await t
      .http()
      .post('/api/villages')
      .set('Cookie', cookie)
      .set('Host', 'cp.example')
      .set('Origin', 'http://cp.example')
      .set('Sec-Fetch-Site', 'same-origin')
      .send(body);
    expect(sameOrigin.status).toBe(201);
  });

  it('bearer clients are not affected by the origin check; reads with the cookie are allowed', async () => {
    const { cookie, token } = await loginCookie();
    await t
      .http()
      .post('/api/villages')
      .set(bearer(token))
      .set('Origin', 'https://elsewhere.example')
      .send({ code: 'CSRF-2', name: '令牌村', town: '杉山镇' })
      .expect(201);
    await t
      .http()
      .get('/api/villages')
      .set('Cookie', cookie)
      .set('Origin', 'https://evil.example')
      .expect(200);
  });
});

describe('the cookie follows the account', () => {
  const cookieOf = (res: { headers: Record<string, unknown> }) =>
    (([] as string[]).concat((res.headers['set-cookie'] as string[]) ?? [])[0] ?? '').split(';')[0];

  it('a password change gives the cookie the new token; the old cookie is refused', async () => {
    const admin = await t.adminToken();
    await t
      .http()
      .post('/api/users')
      .set(bearer(admin))
      .send({ username: 'cookie_admin', password: 'First-Pass-1', role: 'admin' })
      .expect(201);
    const login = await t
      .http()
      .post('/api/auth/login')
      .send({ username: 'cookie_admin', password: 'First-Pass-1' })
      .expect(200);
    const oldCookie = cookieOf(login);
    const changed = await t
      .http()
      .post('/api/me/password')
      .set('Cookie', oldCookie)
      .set('Sec-Fetch-Site', 'same-origin')
      .send({ currentPassword: 'First-Pass-1', newPassword: 'Second-Pass-2' })
      .expect(200);
    const newCookie = cookieOf(changed);
    expect(newCookie).toBe(`cp_session=${encodeURIComponent(changed.body.accessToken)}`);
    await t.http().get('/api/me').set('Cookie', oldCookie).expect(401);
    await t.http().get('/api/me').set('Cookie', newCookie).expect(200);
  });

  it('disabling an account ends its cookie session at once', async () => {
    const admin = await t.adminToken();
    const user = await t
      .http()
      .post('/api/users')
      .set(bearer(admin))
      .send({ username: 'cookie_gone', password: 'Some-Pass-1', role: 'admin' })
      .expect(201);
    const login = await t
      .http()
      .post('/api/auth/login')
      .send({ username: 'cookie_gone', password: 'Some-Pass-1' })
      .expect(200);
    await t.http().get('/api/me').set('Cookie', cookieOf(login)).expect(200);
    await t
      .http()
      .patch(`/api/users/${user.body.id}`)
      .set(bearer(admin))
      .send({ disabled: true })
      .expect(200);
    await t.http().get('/api/me').set('Cookie', cookieOf(login)).expect(401);
    const session = await t.http().get('/api/auth/session').set('Cookie', cookieOf(login));
    expect(session.body).toEqual({ user: null });
  });
});

describe('public board index', () => {
  it('lists the published months newest first, nothing else; 404 for an unknown village', async () => {
    // two years online, so that these fixed months stay listed (retention: board-privacy spec)
    const village = await t.newVillage({ boardRetentionMonths: 24 });
    const result = { redList: [], blackList: [], households: [] };
    const row = (month: string, status: 'draft' | 'published') => ({
      villageId: village.id,
      month,
      status,
      result,
      computedBy: 1,
      computedAt: new Date(),
      publishedBy: status === 'published' ? 1 : null,
      publishedAt: status === 'published' ? new Date() : null,
    });
    await t.ds
      .getRepository(Evaluation)
      .insert([
        row('2026-08', 'published'),
        row('2026-10', 'published'),
        row('2026-09', 'published'),
        row('2026-11', 'draft'),
      ] as never);
    const res = await t.http().get(`/api/public/villages/${village.code}/boards`).expect(200);
    expect(res.body).toEqual({
      village: { code: village.code, name: village.name, town: village.town },
      months: ['2026-10', '2026-09', '2026-08'],
    });
    await t.http().get('/api/public/villages/NO-SUCH/boards').expect(404);
    await t
      .http()
      .get(`/api/public/villages/${'X'.repeat(500)}/boards`)
      .expect(404);
  });
});

describe('the committed OpenAPI contract (web/openapi.json)', () => {
  const doc = JSON.parse(readFileSync(join(__dirname, '../web/openapi.json'), 'utf8'));
  const operations = Object.entries<Record<string, any>>(doc.paths).flatMap(([path, ops]) =>
    Object.entries(ops).map(([method, op]) => ({ path, method, op })),
  );

  it('documents every route the service has', async () => {
    const served = (await t.http().get('/api/docs-json').expect(200)).body;
    const key = (p: string, m: string) => `${m.toUpperCase()} ${p}`;
    const servedOps = Object.entries<Record<string, unknown>>(served.paths).flatMap(([p, ops]) =>
      Object.keys(ops).map((m) => key(p, m)),
    );
    expect(operations.map((o) => key(o.path, o.method)).sort()).toEqual(servedOps.sort());
  });

  it('a stock movement’s delta is documented, as an integer and required', () => {
    const schema = doc.components.schemas.StockMovementCreateDto;
    expect(schema.properties.delta).toMatchObject({ type: 'integer' });
    expect(schema.required).toEqual(expect.arrayContaining(['delta', 'reason']));
  });

  it('every operation has a summary, a 2xx schema and its error answers', () => {
    expect(operations.length).toBeGreaterThan(40);
    for (const { path, method, op } of operations) {
      const where = `${method.toUpperCase()} ${path}`;
      expect({ where, summary: typeof op.summary }).toEqual({ where, summary: 'string' });
      const ok = Object.entries<any>(op.responses).filter(([s]) => s.startsWith('2'));
      expect({ where, ok: ok.length }).toEqual({ where, ok: 1 });
      const [status, response] = ok[0];
      if (status !== '204')
        expect({ where, content: !!response.content }).toEqual({ where, content: true });
      const errors = Object.keys(op.responses).filter((s) => /^[45]/.test(s));
      if (where !== 'GET /api/auth/session') {
        expect({ where, errors: errors.length > 0 }).toEqual({ where, errors: true });
      }
      if (op.security?.length)
        expect({ where, e: errors }).toEqual({ where, e: expect.arrayContaining(['401']) });
    }
  });
});
